import { reportLostPhone } from '../../core/lost-phone.ts';
import { storeOf } from '../../store/sqlite/sqlite-store.ts';
import { fail, toFactorDeskError } from '../../core/errors.ts';
import { str, type Command } from '../command.ts';
import { ACTION_HELP, ACTION_OPTIONS, actionContext, choiceArg, emailArg, userByEmail } from '../args.ts';
import { newFileArg } from '../files.ts';
import { localTime } from '../format.ts';
import { DetailedError } from '../output.ts';
import { writeSheet } from './enrollment.ts';

export const lostPhone: Command = {
  name: 'lost-phone',
  summary: 'the user lost their phone: revoke the authenticator, issue a short-lived one-time code and start the new enrollment, in one step',
  usage: ['lost-phone EMAIL --checks IDS --ticket T --reason R [--sheet FILE.pdf|FILE.html] [--language nb|en]'],
  help: `One action for a lost phone, with one identity check, ticket and reason: revokes the user's
authenticator at once, issues a one-time code (valid 15 minutes, or less when the setting
oneTimeCodeMinutes is lower) so the user can sign in meanwhile, and starts the new
enrollment. In a solo vault that prints the otpauth:// URI and typed key once (confirm with
"factordesk confirm"); over a server (--server) it prints an enrollment code and the address
of the server's enrollment page instead, where the user scans their own QR. The user gets one
notification; the audit events share one action id. Counts as one change for the limits.

${ACTION_HELP}
  --sheet FILE.pdf   also write the enrollment sheet, mode 0600, as "reenroll" does; the file
                     must not exist yet. Over a server: FILE.html only, with the page's
                     address, the steps and the enrollment code (never a QR)
  --language nb|en   the sheet's first language (default nb)`,
  options: { ...ACTION_OPTIONS, sheet: { type: 'string' }, language: { type: 'string' } },
  args: ['EMAIL'],
  async run(ctx, p) {
    const email = emailArg(p.args[0]!);
    const action = actionContext(p);
    const language = choiceArg(str(p, 'language'), 'language', ['nb', 'en'] as const, 'nb');
    const sheetArg = str(p, 'sheet');
    // Checked first: the action must not happen when its sheet cannot be written.
    const sheetPath = sheetArg === undefined ? null : newFileArg(sheetArg, 'sheet file', 'standard output carries the one-time code, the enrollment URI and key.');
    return ctx.withSession(async (vault, session) => {
      const store = storeOf(vault);
      const user = await userByEmail(store, email);
      const r = await reportLostPhone(store, session, user.id, action);
      if (r.enrollment.mode !== 'agent') fail('INTERNAL', 'A solo vault has no self-enrollment page.');
      const e = r.enrollment;
      const result = {
        actionId: r.actionId,
        revokedAuthenticator: r.revokedAuthenticator,
        oneTimeCode: r.oneTimeCode,
        enrollment: { mode: e.mode, enrollmentId: e.enrollmentId, uri: e.uri, key: e.key, deadline: e.deadline, sheetId: e.sheetId },
        sheet: null as string | null,
      };
      const text = [`One-time code: ${r.oneTimeCode.code} (valid until ${localTime(r.oneTimeCode.expiresAt)})`, `URI: ${e.uri}`, `Key: ${e.key}`, `Set up before: ${localTime(e.deadline)}`, `Sheet id: ${e.sheetId}`];
      if (sheetPath) {
        try {
          await writeSheet(store, session, { userId: user.id, enrollmentId: e.enrollmentId, language }, sheetPath);
          result.sheet = sheetPath;
          text.push(`Sheet: ${sheetPath}`);
        } catch (err) {
          const fe = toFactorDeskError(err);
          if (!ctx.out.isJson) ctx.io.stdout.write(`${text.join('\n')}\n`);
          throw new DetailedError(fe.code === 'BAD_REQUEST' ? 'IO_ERROR' : fe.code, `The lost-phone action was done (the old authenticator is revoked), but the sheet could not be written: ${fe.message} Write it again within 30 minutes with "factordesk reprint-sheet ${user.email} --sheet FILE".`, { result });
        }
      }
      return {
        result,
        message: `Lost phone for ${user.email}: the old authenticator is revoked. Read the one-time code to the user and set the new app up before ${localTime(e.deadline)}; nothing here is shown again.`,
        text: text.join('\n'),
      };
    });
  },
};
