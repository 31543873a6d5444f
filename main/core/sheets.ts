import type { Session } from './session.ts';
import type { RenderedSheet } from '../../contract/index.ts';
import type { Store, WriteTx } from '../store/port.ts';
import { fail } from './errors.ts';
import { requireRole } from './roles.ts';
import { loadSettings } from './settings.ts';
import { pendingEnrollmentForSheet } from './enrollment.ts';
import { renderEnrollmentSheet, type SheetInput } from '../platform/qr-sheet.ts';
import { auditAction, loadUser, type UserRow } from './actions.ts';

/** A rendered enrollment sheet, ready for the door to print or write; holds the QR secret in its HTML (the contract's RenderedSheet). */
export type PreparedSheet = RenderedSheet;

/**
 * Renders the sheet of a pending enrollment (QR, typed key, steps; backup codes on page 2 when
 * they were issued in the same flow minutes ago). Only the operator who started the
 * re-enrollment may print it, within its window; the door prints or writes it and then calls
 * `recordSheetPrinted`, so the app and the command line leave the same audit event.
 */
export async function prepareSheet(store: Store, session: Session, req: { userId: number; enrollmentId?: number; language: 'nb' | 'en' }): Promise<PreparedSheet> {
  requireRole(session, 'enrollment:sheet');
  const p = await pendingEnrollmentForSheet(store, session, req.userId, req.enrollmentId);
  try {
    const settings = await store.read((tx) => loadSettings(tx));
    const input: SheetInput = {
      language: req.language,
      organizationName: settings.organizationName,
      organizationLogo: settings.organizationLogo,
      user: { name: p.user.name, email: p.user.email },
      uri: p.uri,
      key: p.key,
      issuer: settings.issuer,
      supportContact: settings.supportContact,
      account: p.user.email,
      deadline: p.deadline,
      sheetId: p.sheetId,
      issuedAt: p.createdAt,
      operatorName: session.displayName,
      ...(p.backupCodes ? { backupCodes: p.backupCodes } : {}),
    };
    const html = await renderEnrollmentSheet(input);
    return { html, input, paperSize: settings.paperSize, userId: p.user.id, enrollmentId: p.enrollmentId, sheetId: p.sheetId, language: req.language, backupCodesPage: !!p.backupCodes };
  } finally {
    p.secret.fill(0);
  }
}

/** Records that a prepared sheet went to a printer or a file (never the file's name or content). */
export async function recordSheetPrinted(store: Store, session: Session, sheet: PreparedSheet, how: { output: 'printer' | 'pdf' | 'html' }): Promise<void> {
  requireRole(session, 'enrollment:sheet');
  await store.write(async (tx) => {
    const user = await loadUser(tx, sheet.userId);
    await auditAction(
      tx,
      session,
      user,
      'enrollment.sheet',
      null,
      { enrollmentId: sheet.enrollmentId, sheetId: sheet.sheetId, language: sheet.language, backupCodesPage: sheet.backupCodesPage, output: how.output },
      store.clock.now(),
    );
  });
}

/**
 * Records that a sheet recorded as sent (before its print dialog opened) did not come out: the
 * dialog was cancelled or the output failed. Best effort: the session may have locked meanwhile.
 */
export async function recordSheetNotPrinted(store: Store, session: Session, sheet: SheetRef, reason: 'cancelled' | 'failed'): Promise<void> {
  requireRole(session, 'enrollment:sheet');
  await store.write(async (tx) => {
    const user = await loadUser(tx, sheet.userId);
    await auditNotPrinted(tx, store, session, user, sheet, reason);
  });
}

/**
 * The same for a sheet a server rendered for a door (the app's main process, the command line):
 * the door names the sheet, so it must be the sheet of that pending enrollment, and the enrollment
 * one this operator started (no one records "not printed" for another operator's sheet).
 */
export async function recordServedSheetNotPrinted(store: Store, session: Session, sheet: SheetRef, reason: 'cancelled' | 'failed'): Promise<void> {
  requireRole(session, 'enrollment:sheet');
  await store.write(async (tx) => {
    const user = await loadUser(tx, sheet.userId);
    const row = await tx.authenticators.pending(user.id, sheet.enrollmentId);
    if (!row || row.id !== sheet.enrollmentId || row.sheetId !== sheet.sheetId || row.createdBy !== session.name) {
      fail('NOT_FOUND', 'There is no sheet of yours for this enrollment: print it again from the enrollment.');
    }
    await auditNotPrinted(tx, store, session, user, sheet, reason);
  });
}

/** The sheet a "not printed" names. */
export type SheetRef = Pick<PreparedSheet, 'userId' | 'enrollmentId' | 'sheetId'>;

async function auditNotPrinted(tx: WriteTx, store: Store, session: Session, user: UserRow, sheet: SheetRef, reason: 'cancelled' | 'failed'): Promise<void> {
  await auditAction(tx, session, user, 'enrollment.sheet.not-printed', null, { enrollmentId: sheet.enrollmentId, sheetId: sheet.sheetId, reason }, store.clock.now(), 'cancelled');
}
