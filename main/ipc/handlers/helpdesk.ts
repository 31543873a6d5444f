import QRCode from 'qrcode';
import type { Handlers } from '../guard.ts';
import type { AppController } from '../../app/controller.ts';
import { searchUsers } from '../../core/users.ts';
import { getUserFactors } from '../../core/factors.ts';
import { issueOneTimeCode } from '../../core/one-time-codes.ts';
import { issueBackupCodes } from '../../core/backup-codes.ts';
import { confirmEnrollment, forceReenrollment, regenerateEnrollment, revealEnrollmentKey } from '../../core/enrollment.ts';
import { clearVerificationLock, recordRefusedRequest, removeSms } from '../../core/user-actions.ts';
import { currentSettings } from '../../core/settings.ts';
import { prepareSheet, recordSheetPrinted, recordSheetNotPrinted } from '../../core/sheets.ts';
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
    'users:find': ({ query, limit, offset }, s) => searchUsers(ctl.store(), s!, query, { limit: limit ?? 20, offset: offset ?? 0 }),
    'users:view': ({ userId }, s) => getUserFactors(ctl.store(), s!, userId),
    'codes:issue-one-time': ({ userId, checks, ticket, reason, minutes }, s) =>
      issueOneTimeCode(ctl.store(), s!, userId, { checks, ticket, reason, ...(minutes !== undefined ? { minutes } : {}) }),
    'codes:backup': ({ userId, checks, ticket, reason }, s) => issueBackupCodes(ctl.store(), s!, userId, { checks, ticket, reason }),
    'enrollment:reenroll': async ({ userId, checks, ticket, reason, voidCodes, withBackupCodes }, s) =>
      withQr(await forceReenrollment(ctl.store(), s!, userId, { checks, ticket, reason, voidCodes, withBackupCodes })),
    'enrollment:regenerate': async ({ userId, checks, ticket, reason }, s) => withQr(await regenerateEnrollment(ctl.store(), s!, userId, { checks, ticket, reason })),
    'enrollment:reveal-key': async ({ userId, enrollmentId }, s) => {
      await revealEnrollmentKey(ctl.store(), s!, userId, enrollmentId);
      return { ok: true as const };
    },
    'enrollment:confirm': async ({ userId, code }, s) => {
      await confirmEnrollment(ctl.store(), s!, userId, code);
      return { status: 'active' as const };
    },
    'enrollment:print-sheet': async ({ userId, enrollmentId, mode, language }, s) => {
      const store = ctl.store();
      const sheet = await prepareSheet(store, s!, { userId, enrollmentId, language });
      // Recorded before the dialog opens: a session that locks while the dialog is up (idle, OS
      // lock) must not leave a printed sheet without its event. What did not come out is added after.
      const notPrinted = (reason: 'cancelled' | 'failed') => recordSheetNotPrinted(store, s!, sheet, reason).catch(() => {});
      if (mode === 'print') {
        await recordSheetPrinted(store, s!, sheet, { output: 'printer' });
        let done = false;
        try {
          done = await ctl.deps.printer.print(sheet.html);
        } catch (err) {
          await notPrinted('failed');
          throw err;
        }
        if (!done) await notPrinted('cancelled');
        return { done, file: null };
      }
      const file = await ctl.deps.dialogs.saveFile('sheet-pdf', `factordesk-sheet-${sheet.sheetId}.pdf`);
      if (!file) return { done: false, file: null };
      await recordSheetPrinted(store, s!, sheet, { output: 'pdf' });
      try {
        await ctl.deps.printer.savePdf(sheet.html, file);
      } catch (err) {
        await notPrinted('failed');
        throw err;
      }
      return { done: true, file };
    },
    'sms:remove': async ({ userId, checks, ticket, reason }, s) => {
      await removeSms(ctl.store(), s!, userId, { checks, ticket, reason });
      return { ok: true as const };
    },
    'lock:clear': async ({ userId, checks, ticket, reason }, s) => {
      await clearVerificationLock(ctl.store(), s!, userId, { checks, ticket, reason });
      return { ok: true as const };
    },
    'requests:refuse': async ({ userId, ...req }, s) => {
      await recordRefusedRequest(ctl.store(), s!, userId, req);
      return { ok: true as const };
    },
    'clipboard:copy': ({ text }) => {
      if (!ctl.session) fail('SESSION_LOCKED', 'Sign in first.');
      return ctl.clipboard.copy(text);
    },
    'settings:get': () => currentSettings(ctl.store()),
    'jobs:reports': () => ctl.takeReports(),
  };
}
