import type { Handlers } from '../guard.ts';
import type { AppController } from '../../app/controller.ts';
import { prepareSheet, recordSheetPrinted, recordSheetNotPrinted } from '../../core/sheets.ts';
import { fail } from '../../core/errors.ts';

type H = Pick<Handlers, 'enrollment:print-sheet' | 'clipboard:copy' | 'jobs:reports'>;

/** The helpdesk agent's channels that need the desktop: printing, clipboard, job reports (the rest are in store-channels.ts). */
export function helpdeskHandlers(ctl: AppController): H {
  return {
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
    'clipboard:copy': ({ text }) => {
      if (!ctl.session) fail('SESSION_LOCKED', 'Sign in first.');
      return ctl.clipboard.copy(text);
    },
    'jobs:reports': () => ctl.takeReports(),
  };
}
