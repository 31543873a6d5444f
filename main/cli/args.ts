import { fail } from '../core/errors.ts';
import type { Store } from '../store/port.ts';
import { findUserByEmail, normalizeEmail, type User } from '../core/users.ts';
import { MAX_TICKET_LENGTH, normalizeContext, type ActionContext } from '../core/actions.ts';
import { normalizeCode } from '../core/verify.ts';
import { str, type Parsed } from './command.ts';
import { usageError } from './output.ts';
import { DEFAULT_SETTINGS } from '../core/settings.ts';
import type { Context } from './context.ts';
import { canPrompt, readHidden, readStdinLine } from './prompt.ts';

/** The flags every factor-changing action takes. */
export const ACTION_OPTIONS = {
  checks: { type: 'string' },
  ticket: { type: 'string' },
  reason: { type: 'string' },
} as const;

export const ACTION_HELP = `  --checks IDS       identity checks done, comma-separated (callback, photo-id, manager,
                     known-email); at least one of callback, photo-id or manager
  --ticket T         ticket reference
  --reason R         why`;

const CHECK_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
// For messages given before the vault (and its configured checks) is open.
const DEFAULT_CHECK_IDS = DEFAULT_SETTINGS.identityChecks.map((c) => c.id).join(', ');

export { unknownChecksMessage } from './checks-message.ts';

/** Splits a comma-separated list of check ids and checks their shape. */
export function checkList(raw: string | undefined, flagName: string): string[] {
  if (raw === undefined) return [];
  // Check ids are lower-case; "Callback", "PHOTO-ID", "photo_id" and "photo id" all mean photo-id.
  const ids = raw
    .split(',')
    .map((s) => s.trim().toLowerCase().replace(/[\s_]+/g, '-'))
    .filter((s) => s.length > 0);
  if (ids.length > 20 || ids.some((id) => !CHECK_ID.test(id))) {
    throw usageError(`--${flagName} is a comma-separated list of check ids such as callback,photo-id (known checks: ${DEFAULT_CHECK_IDS}).`);
  }
  return [...new Set(ids)];
}

/**
 * The identity checks, ticket and reason, validated before anything is opened, so a malformed
 * request costs no sign-in. Whether a check is known and strong is the service's rule (it
 * needs the settings in the vault).
 */
export function actionContext(p: Parsed): ActionContext {
  const checks = checkList(str(p, 'checks'), 'checks');
  const ctx = normalizeContext({ checks, ticket: str(p, 'ticket') ?? '', reason: str(p, 'reason') ?? '' });
  if (ctx.checks.length === 0) {
    fail('CHECKS_REQUIRED', 'Record the identity checks done with --checks (at least one of callback, photo-id, manager). A request by e-mail alone is not enough: record it with "factordesk refuse" instead.');
  }
  return ctx;
}

/** An EMAIL argument: a well-formed address (BAD_REQUEST otherwise). */
export function emailArg(s: string): string {
  return normalizeEmail(s).email;
}

/** A CODE argument: the shape of a code (BAD_REQUEST otherwise); never echoed. `-` is read later from stdin. */
export function codeArg(s: string): string {
  if (s === '-') return s;
  normalizeCode(s);
  return s;
}

/** The code itself: the argument, or one line of stdin for `-` (kept off the process list). */
export async function resolveCode(ctx: Context, arg: string): Promise<string> {
  if (arg !== '-') return arg;
  if (canPrompt(ctx.io)) return codeArg(await readHidden(ctx.io, 'Code: '));
  const line = await readStdinLine(ctx.io);
  normalizeCode(line);
  return line;
}

/** A whole number flag within [min, max]. */
export function intArg(raw: string | undefined, name: string, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(raw.trim())) throw usageError(`--${name} must be a whole number from ${min} to ${max}.`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw usageError(`--${name} must be a whole number from ${min} to ${max}.`);
  return n;
}

/** One of a fixed set of words. */
export function choiceArg<T extends string>(raw: string | undefined, name: string, choices: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) throw usageError(`--${name} must be ${choices.join(' or ')}.`);
  return raw as T;
}

/** A free-text flag: trimmed, no control characters, at most `max` characters. */
export function textArg(raw: string | undefined, name: string, max: number): string | undefined {
  if (raw === undefined) return undefined;
  const s = raw.trim().normalize('NFC');
  if (s.length > max) throw usageError(`--${name} is longer than ${max} characters.`);
  if (/[\p{Cc}\u202A-\u202E\u2066-\u2069]/u.test(s)) throw usageError(`--${name} contains control characters.`);
  return s;
}

/** The user with this email, or NOT_FOUND (exit 4). */
export async function userByEmail(store: Store, email: string): Promise<User> {
  const u = await findUserByEmail(store, email);
  if (!u) fail('NOT_FOUND', 'There is no user with that email address.');
  return u;
}

/** A ticket reference on its own (refused requests): required, short, printable. */
export function ticketArg(raw: string | undefined): string {
  const s = (raw ?? '').trim().normalize('NFC');
  if (s.length === 0) fail('TICKET_REQUIRED', 'Enter the ticket reference with --ticket.');
  if (s.length > MAX_TICKET_LENGTH) throw usageError(`--ticket is longer than ${MAX_TICKET_LENGTH} characters.`);
  if (/[\p{Cc}\u202A-\u202E\u2066-\u2069]/u.test(s)) throw usageError('--ticket contains control characters.');
  return s;
}
