import { forceReenrollment, confirmEnrollment } from '../../core/enrollment.ts';
import { prepareSheet, recordSheetPrinted } from '../../core/sheets.ts';
import { storeOf } from '../../store/sqlite/sqlite-store.ts';
import { toFactorDeskError } from '../../core/errors.ts';
import { str, flag, type Command } from '../command.ts';
import { ACTION_HELP, ACTION_OPTIONS, actionContext, choiceArg, codeArg, emailArg, resolveCode, userByEmail } from '../args.ts';
import { newFileArg, writeNewFile } from '../files.ts';
import { localTime } from '../format.ts';
import { DetailedError, usageError } from '../output.ts';
import { renderEnrollmentSheetPdf } from '../../platform/sheet-pdf.ts';
import type { Store } from '../../store/port.ts';
import type { Session } from '../../core/session.ts';

/**
 * Renders the pending enrollment's sheet and writes it as a new 0600 file: PDF when the name ends
 * in .pdf (A4 or Letter from the setting paperSize), else the printable HTML. Audited after the
 * file is in place, so an audited sheet always exists.
 */
export async function writeSheet(store: Store, session: Session, req: { userId: number; enrollmentId?: number; language: 'nb' | 'en' }, path: string): Promise<void> {
  const sheet = await prepareSheet(store, session, req);
  const pdf = /\.pdf$/i.test(path);
  const data = pdf ? Buffer.from(await renderEnrollmentSheetPdf(sheet.input, sheet.paperSize)) : sheet.html;
  writeNewFile(path, data, 'sheet file');
  await recordSheetPrinted(store, session, sheet, { output: pdf ? 'pdf' : 'html' });
}

export const reenroll: Command = {
  name: 'reenroll',
  summary: 'revoke the authenticator and start a new enrollment (QR URI, typed key, printed sheet)',
  usage: ['reenroll EMAIL --checks IDS --ticket T --reason R [--sheet FILE.pdf|FILE.html] [--void-codes] [--backup-codes] [--language nb|en]'],
  help: `Revokes the user's authenticator at once and creates a pending enrollment with a new
secret. Prints the otpauth:// URI and the typed key once; the enrollment becomes active at the
first accepted code from the new device ("factordesk confirm", or the user's own sign-in) and
lapses at its deadline. The user is notified.

${ACTION_HELP}
  --sheet FILE.pdf   also write the enrollment sheet (QR, key, steps), mode 0600: a PDF on
                     A4 or Letter (setting paperSize) for a name ending in .pdf, else
                     printable HTML. The file must not exist yet. Destroy it once the app
                     shows codes. If it cannot be written, "factordesk reprint-sheet EMAIL"
                     writes it again within 30 minutes.
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
          await writeSheet(store, session, { userId: user.id, enrollmentId: r.enrollmentId, language }, sheetPath);
          result.sheet = sheetPath;
          text.push(`Sheet: ${sheetPath}`);
        } catch (err) {
          // The re-enrollment happened: hand over URI and key anyway, and say the sheet failed.
          const e = toFactorDeskError(err);
          // Without --json the URI and key still reach stdout; with --json they are in error.details.
          if (!ctx.out.isJson) ctx.io.stdout.write(`${text.join('\n')}\n`);
          const code = e.code === 'BAD_REQUEST' ? 'IO_ERROR' : e.code;
          throw new DetailedError(code, `The re-enrollment was done (the old authenticator is revoked), but the sheet could not be written: ${e.message} Write it again within 30 minutes with "factordesk reprint-sheet ${user.email} --sheet FILE".`, { result });
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

export const reprintSheet: Command = {
  name: 'reprint-sheet',
  summary: "write the sheet of a user's pending enrollment again (within 30 minutes)",
  usage: ['reprint-sheet EMAIL --sheet FILE.pdf|FILE.html [--language nb|en]'],
  help: `Writes the enrollment sheet of the user's pending enrollment again, for when the sheet of
"reenroll" could not be written or was lost. Only the operator who started the re-enrollment
may, within 30 minutes of it; later, start a new re-enrollment. The secret stays the same (the
same QR and key). Audited like the first sheet.

  --sheet FILE.pdf   the new file, mode 0600: a PDF on A4 or Letter (setting paperSize) for a
                     name ending in .pdf, else printable HTML; it must not exist yet
  --language nb|en   the sheet's first language (default nb)`,
  options: { sheet: { type: 'string' }, language: { type: 'string' } },
  args: ['EMAIL'],
  async run(ctx, p) {
    const email = emailArg(p.args[0]!);
    const language = choiceArg(str(p, 'language'), 'language', ['nb', 'en'] as const, 'nb');
    const sheetArg = str(p, 'sheet');
    if (sheetArg === undefined) throw usageError('Name the sheet file with --sheet FILE.pdf.', 'reprint-sheet');
    const sheetPath = newFileArg(sheetArg, 'sheet file', 'the sheet is a file to print.');
    return ctx.withSession(async (vault, session) => {
      const store = storeOf(vault);
      const user = await userByEmail(store, email);
      await writeSheet(store, session, { userId: user.id, language }, sheetPath);
      return { result: { sheet: sheetPath }, text: sheetPath, message: `The enrollment sheet of ${user.email} is written again.` };
    });
  },
};
