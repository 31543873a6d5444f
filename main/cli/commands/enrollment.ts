import { forceReenrollment, confirmEnrollment } from '../../core/enrollment.ts';
import { prepareSheet, recordSheetPrinted } from '../../core/sheets.ts';
import { storeOf } from '../../store/sqlite/sqlite-store.ts';
import { toFactorDeskError } from '../../core/errors.ts';
import { str, flag, type Command } from '../command.ts';
import { ACTION_HELP, ACTION_OPTIONS, actionContext, choiceArg, codeArg, emailArg, resolveCode, userByEmail } from '../args.ts';
import { newFileArg, writeNewFile } from '../files.ts';
import { localTime } from '../format.ts';
import { DetailedError } from '../output.ts';

export const reenroll: Command = {
  name: 'reenroll',
  summary: 'revoke the authenticator and start a new enrollment (QR URI, typed key, printed sheet)',
  usage: ['reenroll EMAIL --checks IDS --ticket T --reason R [--sheet FILE.html] [--void-codes] [--backup-codes] [--language nb|en]'],
  help: `Revokes the user's authenticator at once and creates a pending enrollment with a new
secret. Prints the otpauth:// URI and the typed key once; the enrollment becomes active at the
first accepted code from the new device ("factordesk confirm", or the user's own sign-in) and
lapses at its deadline. The user is notified.

${ACTION_HELP}
  --sheet FILE.html  also write the printable enrollment sheet (QR, key, steps), mode 0600;
                     the file must not exist yet. Destroy it once the app shows codes.
  --void-codes       also void the active one-time code and backup codes
  --backup-codes     also make 10 new backup codes (printed, and on page 2 of the sheet)
  --language nb|en   the sheet's first language (default nb)`,
  options: {
    ...ACTION_OPTIONS,
    sheet: { type: 'string' },
    'void-codes': { type: 'boolean' },
    'backup-codes': { type: 'boolean' },
    language: { type: 'string' },
  },
  args: ['EMAIL'],
  async run(ctx, p) {
    const email = emailArg(p.args[0]!);
    const action = actionContext(p);
    const language = choiceArg(str(p, 'language'), 'language', ['nb', 'en'] as const, 'nb');
    const sheetArg = str(p, 'sheet');
    // Check the destination first: the re-enrollment must not happen when its sheet cannot be written.
    const sheetPath = sheetArg === undefined ? null : newFileArg(sheetArg, 'sheet file', 'standard output carries the enrollment URI and key.');
    const voidCodes = flag(p, 'void-codes');
    const withBackupCodes = flag(p, 'backup-codes');
    return ctx.withSession(async (vault, session) => {
      const store = storeOf(vault);
      const user = await userByEmail(store, email);
      const r = await forceReenrollment(store, session, user.id, { ...action, voidCodes, withBackupCodes });
      const result: Record<string, unknown> = {
        enrollmentId: r.enrollmentId,
        uri: r.uri,
        key: r.key,
        deadline: r.deadline,
        sheetId: r.sheetId,
        ...(r.backupCodes ? { codes: r.backupCodes } : {}),
        sheet: null as string | null,
      };
      const text = [`URI: ${r.uri}`, `Key: ${r.key}`, `Set up before: ${localTime(r.deadline)}`, `Sheet id: ${r.sheetId}`, ...(r.backupCodes ? ['Backup codes:', ...r.backupCodes] : [])];
      if (sheetPath) {
        try {
          const sheet = await prepareSheet(store, session, { userId: user.id, enrollmentId: r.enrollmentId, language });
          writeNewFile(sheetPath, sheet.html, 'sheet file');
          await recordSheetPrinted(store, session, sheet, { output: 'html' });
          result.sheet = sheetPath;
          text.push(`Sheet: ${sheetPath}`);
        } catch (err) {
          // The re-enrollment happened: hand over URI and key anyway, and say the sheet failed.
          const e = toFactorDeskError(err);
          // Without --json the URI and key still reach stdout; with --json they are in error.details.
          if (!ctx.out.isJson) ctx.io.stdout.write(`${text.join('\n')}\n`);
          const code = e.code === 'BAD_REQUEST' ? 'IO_ERROR' : e.code;
          throw new DetailedError(code, `The re-enrollment was done (the old authenticator is revoked), but the sheet could not be written: ${e.message}`, { result });
        }
      }
      return {
        result,
        message: `Re-enrollment started for ${user.email}: the old authenticator is revoked. Set the new one up before ${localTime(r.deadline)}; the URI and key are not shown again.`,
        text: text.join('\n'),
      };
    });
  },
};

export const confirm: Command = {
  name: 'confirm',
  summary: 'activate the pending enrollment with a code from the new device',
  usage: ['confirm EMAIL CODE'],
  help: `Confirms the pending enrollment with the 6 digits the new authenticator app shows. A wrong
code exits 1 (and counts as a failure); a locked user exits 5; a malformed code exits 2.
CODE - reads the code from one line of standard input.`,
  options: {},
  args: ['EMAIL', 'CODE'],
  async run(ctx, p) {
    const email = emailArg(p.args[0]!);
    const code = await resolveCode(ctx, codeArg(p.args[1]!));
    return ctx.withSession(async (vault, session) => {
      const store = storeOf(vault);
      const user = await userByEmail(store, email);
      const r = await confirmEnrollment(store, session, user.id, code);
      return { result: r, text: r.status, message: `The new authenticator of ${user.email} is active.` };
    });
  },
};
