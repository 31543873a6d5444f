import QRCode from 'qrcode';
import type { Handlers } from '../guard.ts';
import type { AppController } from '../../app/controller.ts';
import { searchUsers } from '../../core/users.ts';
import { getUserFactors } from '../../core/factors.ts';
import { issueOneTimeCode } from '../../core/one-time-codes.ts';
import { issueBackupCodes } from '../../core/backup-codes.ts';
import { confirmEnrollment, forceReenrollment, pendingEnrollmentForSheet, regenerateEnrollment, revealEnrollmentKey } from '../../core/enrollment.ts';
import { clearVerificationLock, recordRefusedRequest, removeSms } from '../../core/user-actions.ts';
import { getSettings } from '../../core/settings.ts';
import { renderEnrollmentSheet } from '../../core/qr-sheet.ts';
import { fail } from '../../core/errors.ts';
import type { IssuedEnrollment } from '../../../contract/index.ts';

type H = Pick<
  Handlers,
  | 'users:find'
  | 'users:view'
  | 'codes:issue-one-time'
  | 'codes:backup'
  | 'enrollment:reenroll'
  | 'enrollment:regenerate'
  | 'enrollment:reveal-key'
  | 'enrollment:confirm'
  | 'enrollment:print-sheet'
  | 'sms:remove'
  | 'lock:clear'
  | 'requests:refuse'
  | 'clipboard:copy'
  | 'settings:get'
  | 'jobs:reports'
>;

async function withQr(r: Omit<IssuedEnrollment, 'qrSvg'>): Promise<IssuedEnrollment> {
  // The QR is drawn in main and sent as SVG text; the renderer shows it as an image.
  const qrSvg = await QRCode.toString(r.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
  return { ...r, qrSvg };
}

/** The helpdesk agent's channels: lookup, view, actions, printing, clipboard. */
export function helpdeskHandlers(ctl: AppController): H {
  return {
    'users:find': ({ query, limit, offset }) => searchUsers(ctl.vault().db, query, { limit: limit ?? 20, offset: offset ?? 0 }),
    'users:view': ({ userId }, s) => getUserFactors(ctl.vault(), s!, userId),
    'codes:issue-one-time': ({ userId, checks, ticket, reason, minutes }, s) =>
      issueOneTimeCode(ctl.vault(), s!, userId, { checks, ticket, reason, ...(minutes !== undefined ? { minutes } : {}) }),
    'codes:backup': ({ userId, checks, ticket, reason }, s) => issueBackupCodes(ctl.vault(), s!, userId, { checks, ticket, reason }),
    'enrollment:reenroll': async ({ userId, checks, ticket, reason, voidCodes, withBackupCodes }, s) =>
      withQr(forceReenrollment(ctl.vault(), s!, userId, { checks, ticket, reason, voidCodes, withBackupCodes })),
    'enrollment:regenerate': async ({ userId, checks, ticket, reason }, s) => withQr(regenerateEnrollment(ctl.vault(), s!, userId, { checks, ticket, reason })),
    'enrollment:reveal-key': ({ userId, enrollmentId }, s) => {
      revealEnrollmentKey(ctl.vault(), s!, userId, enrollmentId);
      return { ok: true as const };
    },
    'enrollment:confirm': ({ userId, code }, s) => {
      confirmEnrollment(ctl.vault(), s!, userId, code);
      return { status: 'active' as const };
    },
    'enrollment:print-sheet': async ({ userId, enrollmentId, mode, language }, s) => {
      const vault = ctl.vault();
      const p = pendingEnrollmentForSheet(vault, s!, userId, enrollmentId);
      const settings = getSettings(vault.db);
      const html = await renderEnrollmentSheet({
        language,
        organizationName: settings.organizationName,
        organizationLogo: settings.organizationLogo,
        user: { name: p.user.name, email: p.user.email },
        uri: p.uri,
        key: p.key,
        issuer: settings.issuer,
        account: p.user.email,
        deadline: p.deadline,
        sheetId: p.sheetId,
        issuedAt: p.createdAt,
        operatorName: s!.displayName,
        ...(p.backupCodes ? { backupCodes: p.backupCodes } : {}),
      });
      p.secret.fill(0);
      let done = false;
      let file: string | null = null;
      if (mode === 'print') done = await ctl.deps.printer.print(html);
      else {
        file = await ctl.deps.dialogs.saveFile('sheet-pdf', `factordesk-sheet-${p.sheetId}.pdf`);
        if (file) {
          await ctl.deps.printer.savePdf(html, file);
          done = true;
        }
      }
      if (done) vault.auditNow({ action: 'enrollment.sheet', operator: s!.name, userId, userEmail: p.user.email, outcome: 'ok', details: { mode, sheetId: p.sheetId } });
      return { done, file };
    },
    'sms:remove': ({ userId, checks, ticket, reason }, s) => {
      removeSms(ctl.vault(), s!, userId, { checks, ticket, reason });
      return { ok: true as const };
    },
    'lock:clear': ({ userId, checks, ticket, reason }, s) => {
      clearVerificationLock(ctl.vault(), s!, userId, { checks, ticket, reason });
      return { ok: true as const };
    },
    'requests:refuse': ({ userId, ...req }, s) => {
      recordRefusedRequest(ctl.vault(), s!, userId, req);
      return { ok: true as const };
    },
    'clipboard:copy': ({ text }) => {
      if (!ctl.session) fail('SESSION_LOCKED', 'Sign in first.');
      return ctl.clipboard.copy(text);
    },
    'settings:get': () => getSettings(ctl.vault().db),
    'jobs:reports': () => ctl.takeReports(),
  };
}
