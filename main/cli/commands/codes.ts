import { issueOneTimeCode } from '../../core/one-time-codes.ts';
import { issueBackupCodes } from '../../core/backup-codes.ts';
import { verifyCodeForEmail } from '../../core/verify.ts';
import { unlockWithServiceKey } from '../../store/sqlite/unlock.ts';
import { LIMITS } from '../../core/settings.ts';
import type { Vault } from '../../store/sqlite/vault.ts';
import type { Session } from '../../core/session.ts';
import { str, type Command } from '../command.ts';
import { ACTION_HELP, ACTION_OPTIONS, actionContext, codeArg, emailArg, intArg, resolveCode, userByEmail } from '../args.ts';
import { EXIT } from '../output.ts';
import { pathArg, readSmallFile } from '../files.ts';
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

const MAX_SERVICE_KEY_FILE = 4096;

export const verify: Command = {
  name: 'verify',
  summary: 'check a code (authenticator, backup or one-time): accepted, rejected or locked',
  usage: ['verify EMAIL CODE [--service-key FILE]'],
  help: `Checks a code the user typed: 6 digits from the authenticator app, an 8-digit one-time code
or a 16-character backup code (spaces and hyphens are ignored). Prints accepted, rejected or
locked, and exits 0, 1 or 5. A malformed code exits 2 and counts nothing. CODE - reads the
code from one line of standard input, which keeps it out of the process list.

A login service uses --service-key FILE (made with "factordesk service-key create"): no
operator signs in, and the key can do nothing but verify codes. With a service key an address
that is no user answers exactly like a wrong code (rejected, exit 1; locked, exit 5, after as
many tries), so a login service cannot learn who exists; an operator is told the user is not
found (exit 4).

  --service-key FILE   verify as a login service with this service key file`,
  options: { 'service-key': { type: 'string' } },
  args: ['EMAIL', 'CODE'],
  async run(ctx, p) {
    const email = emailArg(p.args[0]!);
    const keyPath = str(p, 'service-key');
    const code = await resolveCode(ctx, codeArg(p.args[1]!));
    const check = async (vault: Vault, session: Session) => {
      // One service for both doors: it decides what an unknown address answers to whom.
      const r = await verifyCodeForEmail(storeOf(vault), session, email, code);
      return { result: r, text: r.result, exitCode: r.result === 'accepted' ? EXIT.OK : r.result === 'locked' ? EXIT.LOCKED : EXIT.REJECTED };
    };
    if (keyPath === undefined) return ctx.withSession(check);
    const content = readSmallFile(pathArg(keyPath, 'service key file'), 'service key file', MAX_SERVICE_KEY_FILE);
    ctx.requireVault();
    const { vault, session } = await unlockWithServiceKey(ctx.env, content);
    try {
      await ctx.warnClock(vault);
      return await check(vault, { ...session, via: 'cli' });
    } finally {
      vault.close();
    }
  },
};
