import { issueOneTimeCode } from '../../core/one-time-codes.ts';
import { issueBackupCodes } from '../../core/backup-codes.ts';
import { verifyCodeForEmail } from '../../core/verify.ts';
import { SERVICE_KEY_VERIFY_RETIRED } from '../../core/service-keys.ts';
import { fail } from '../../core/errors.ts';
import { LIMITS } from '../../core/settings.ts';
import { str, type Command } from '../command.ts';
import { ACTION_HELP, ACTION_OPTIONS, actionContext, codeArg, emailArg, intArg, resolveCode, userByEmail } from '../args.ts';
import { EXIT } from '../output.ts';
import { localTime } from '../format.ts';
import { storeOf } from '../../store/sqlite/sqlite-store.ts';

const { min: MIN_MINUTES, max: MAX_MINUTES } = LIMITS.oneTimeCodeMinutes;

export const issueCode: Command = {
  name: 'issue-code',
  summary: 'issue a one-time code (8 digits, read over the phone)',
  usage: ['issue-code EMAIL --checks IDS --ticket T --reason R [--minutes N]'],
  help: `Issues a one-time code for the user, voiding any earlier one. The code is printed once on
stdout, grouped for reading aloud; only a salted hash is stored. The user is notified.

${ACTION_HELP}
  --minutes N        lifetime in minutes (${MIN_MINUTES}–${MAX_MINUTES}; default from the settings, normally 60)`,
  options: { ...ACTION_OPTIONS, minutes: { type: 'string' } },
  args: ['EMAIL'],
  async run(ctx, p) {
    const email = emailArg(p.args[0]!);
    const minutes = intArg(str(p, 'minutes'), 'minutes', MIN_MINUTES, MAX_MINUTES);
    const action = actionContext(p);
    return ctx.withSession(async (vault, session) => {
      const store = storeOf(vault);
      const user = await userByEmail(store, email);
      const r = await issueOneTimeCode(store, session, user.id, { ...action, ...(minutes === undefined ? {} : { minutes }) });
      return {
        result: { code: r.code, expiresAt: r.expiresAt },
        message: `One-time code for ${user.email}, valid until ${localTime(r.expiresAt)}. Read it to the user; it is not shown again.`,
        text: r.code,
      };
    });
  },
};

export const backupCodes: Command = {
  name: 'backup-codes',
  summary: 'make a new set of 10 backup codes (the old set stops working)',
  usage: ['backup-codes EMAIL --checks IDS --ticket T --reason R'],
  help: `Makes 10 new backup codes for the user and voids the old set. The codes are printed once
on stdout, one per line; only salted hashes are stored. The user is notified.

${ACTION_HELP}`,
  options: { ...ACTION_OPTIONS },
  args: ['EMAIL'],
  async run(ctx, p) {
    const email = emailArg(p.args[0]!);
    const action = actionContext(p);
    return ctx.withSession(async (vault, session) => {
      const store = storeOf(vault);
      const user = await userByEmail(store, email);
      const r = await issueBackupCodes(store, session, user.id, action);
      return {
        result: { codes: r.codes, createdAt: r.createdAt },
        message: `New backup codes for ${user.email}. Each works once; they are not shown again.`,
        text: r.codes.join('\n'),
      };
    });
  },
};

export const verify: Command = {
  name: 'verify',
  summary: 'check a code (authenticator, backup or one-time) as an operator: accepted, rejected or locked',
  usage: ['verify EMAIL CODE'],
  help: `Checks a code the user typed, as the operator who signs in: 6 digits from the
authenticator app, an 8-digit one-time code or a 16-character backup code (spaces and hyphens
are ignored). Prints accepted, rejected or locked, and exits 0, 1 or 5. A malformed code exits 2
and counts nothing; an address that is no user exits 4. CODE - reads the code from one line of
standard input, which keeps it out of the process list.

A login service does not use this command: it checks codes over the HTTP API,
POST /api/v1/validate of "factordesk serve", with a service client (on a solo site, serve runs
on the vault, on the same machine, listening on 127.0.0.1; README, Login services).
--service-key FILE is retired and refused (exit 2, SERVICE_KEY_RETIRED): a service key file
unwraps the vault key.`,
  options: { 'service-key': { type: 'string' } },
  args: ['EMAIL', 'CODE'],
  async run(ctx, p) {
    // Refused before the code is read or anything is opened.
    if (str(p, 'service-key') !== undefined) fail('SERVICE_KEY_RETIRED', SERVICE_KEY_VERIFY_RETIRED);
    const email = emailArg(p.args[0]!);
    const code = await resolveCode(ctx, codeArg(p.args[1]!));
    return ctx.withSession(async (vault, session) => {
      const r = await verifyCodeForEmail(storeOf(vault), session, email, code);
      return { result: r, text: r.result, exitCode: r.result === 'accepted' ? EXIT.OK : r.result === 'locked' ? EXIT.LOCKED : EXIT.REJECTED };
    });
  },
};
