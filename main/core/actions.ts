import { fail } from './errors.ts';
import type { Session } from './session.ts';
import type { AuditEvent, AuditInput } from './audit.ts';
import type { ReadTx, WriteTx } from '../store/port.ts';
import type { OperatorRecord, UserRecord } from '../store/records.ts';
import { findCheck, loadSettings, type Settings } from './settings.ts';
import { mailboxKey } from './text.ts';

/** What an operator records for every action that changes a user's factors. */
export interface ActionContext {
  checks: string[];
  ticket: string;
  reason: string;
  /** Set only when the change runs from an approved request (see checkVelocity). */
  approvalId?: number;
}

/** The user an action works on. */
export type UserRow = UserRecord;

export const MAX_TICKET_LENGTH = 200;
export const MAX_REASON_LENGTH = 500;
const MAX_CHECKS = 20;
// Ticket and reason end up in audit exports and CSV: no control or bidi override characters.
const UNPRINTABLE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/** Loads a user by id; NOT_FOUND when there is none. */
export async function loadUser(tx: ReadTx, userId: number): Promise<UserRow> {
  if (!Number.isSafeInteger(userId) || userId <= 0) fail('BAD_REQUEST', 'The user id must be a positive whole number.', { field: 'userId' });
  const row = await tx.users.get(userId);
  if (!row) fail('NOT_FOUND', 'There is no such user. Search for the user again.', { userId });
  return row;
}

function requiredText(v: unknown, field: string, max: number, code: 'TICKET_REQUIRED' | 'REASON_REQUIRED', what: string): string {
  if (v !== undefined && v !== null && typeof v !== 'string') fail('BAD_REQUEST', `The ${what} must be text.`, { field });
  const s = typeof v === 'string' ? v.trim().normalize('NFC') : '';
  if (s.length === 0) fail(code, `Enter the ${what}; every action on a user's factors needs one.`, { field });
  if (s.length > max) fail('BAD_REQUEST', `The ${what} is longer than ${max} characters. Shorten it.`, { field });
  if (UNPRINTABLE.test(s)) fail('BAD_REQUEST', `The ${what} contains control characters. Type it again.`, { field });
  return s;
}

/** Trims and validates ticket and reason and de-duplicates the check ids (without the policy). */
export function normalizeContext(ctx: ActionContext): ActionContext {
  if (typeof ctx !== 'object' || ctx === null) fail('BAD_REQUEST', 'Record the identity checks, a ticket and a reason.', { field: 'context' });
  const ticket = requiredText(ctx.ticket, 'ticket', MAX_TICKET_LENGTH, 'TICKET_REQUIRED', 'ticket reference');
  const reason = requiredText(ctx.reason, 'reason', MAX_REASON_LENGTH, 'REASON_REQUIRED', 'reason');
  const raw: unknown = ctx.checks ?? [];
  if (!Array.isArray(raw) || raw.length > MAX_CHECKS || raw.some((c) => typeof c !== 'string' || c.length > 64)) {
    fail('BAD_REQUEST', 'The identity checks must be a list of check ids.', { field: 'checks' });
  }
  const checks = [...new Set((raw as string[]).map((c) => c.trim()))];
  if (ctx.approvalId !== undefined && (!Number.isSafeInteger(ctx.approvalId) || ctx.approvalId < 1)) fail('BAD_REQUEST', 'The approval id must be a positive whole number.', { field: 'approvalId' });
  return { checks, ticket, reason, ...(ctx.approvalId !== undefined ? { approvalId: ctx.approvalId } : {}) };
}

/**
 * The identity-check policy every factor-changing action passes: a known user, ticket and
 * reason, only known check ids, at least one strong check (a request from the address on
 * record never suffices alone), an active user, and never the operator's own account.
 */
export async function checkAction(tx: ReadTx, session: Session, userId: number, ctx: ActionContext): Promise<UserRow> {
  const user = await loadUser(tx, userId);
  const c = normalizeContext(ctx);
  const settings = await loadSettings(tx);
  const unknown = c.checks.filter((id) => !findCheck(settings, id));
  if (unknown.length > 0) fail('BAD_REQUEST', `Unknown identity check: ${unknown.join(', ')}. Choose from the list.`, { field: 'checks', unknown });
  if (!c.checks.some((id) => findCheck(settings, id)?.strong)) {
    fail('CHECKS_REQUIRED', 'At least one strong identity check is needed (call-back, photo ID or manager). A request by e-mail alone is not enough: record it as a refused request instead.', { field: 'checks' });
  }
  if (user.status === 'disabled') fail('USER_DISABLED', 'This user is disabled. Enable the user in the directory before changing their sign-in methods.');
  await checkOperatorAccounts(tx, session, user);
  return user;
}

/** Refuses a disabled user, the operator's own account, or (for an agent) another operator's (for steps that complete a recorded action). */
export async function checkTarget(tx: ReadTx, session: Session, user: UserRow): Promise<void> {
  if (user.status === 'disabled') fail('USER_DISABLED', 'This user is disabled. Enable the user in the directory first.');
  await checkOperatorAccounts(tx, session, user);
}

/**
 * The operator (not removed) whose own account `user` is: the directory user they are linked
 * to, or a user whose address reaches the same mailbox as the operator's work email or linked
 * user's address (mailboxKey: NFKC, case, `+tag`). Null when the user belongs to no operator.
 */
export async function operatorOwning(tx: ReadTx, user: Pick<UserRow, 'id' | 'email'>): Promise<OperatorRecord | null> {
  const target = mailboxKey(user.email);
  for (const op of await tx.operators.list()) {
    if (op.userId === user.id) return op;
    if (op.email !== null && mailboxKey(op.email) === target) return op;
    if (op.userId !== null) {
      const linked = await tx.users.get(op.userId);
      if (linked && mailboxKey(linked.email) === target) return op;
    }
  }
  return null;
}

/**
 * The operator whose own account `user` is (or null), and whether it is the session's own: its
 * operator's, its linked user, or its own address (for a session whose operator row has gone
 * (recovery) or was changed since sign-in).
 */
export async function accountOf(tx: ReadTx, session: Session, user: Pick<UserRow, 'id' | 'email'>): Promise<{ owner: OperatorRecord | null; own: boolean }> {
  const owner = await operatorOwning(tx, user);
  const own = owner?.id === session.operatorId || (session.userId != null && session.userId === user.id) || (session.emailKey !== null && session.emailKey === mailboxKey(user.email));
  return { owner, own };
}

/**
 * Nobody acts on their own account (that would bypass the second person), and only an admin
 * acts on another operator's. The session's own address counts too, for a session whose
 * operator row has gone (recovery) or was changed since sign-in.
 */
async function checkOperatorAccounts(tx: ReadTx, session: Session, user: UserRow): Promise<void> {
  const { owner, own } = await accountOf(tx, session, user);
  if (own) fail('OWN_ACCOUNT', 'This is your own user account. Ask another operator to do this.');
  if (owner && session.role !== 'admin') fail('OPERATOR_ACCOUNT', "This user is an operator's own account: only an admin can act on it.");
}

export { auditAs } from './audit-as.ts';
import { auditAs } from './audit-as.ts';

/** Writes the one audit event of an action, with the checks, ticket and reason (never a secret). */
export function auditAction(tx: WriteTx, session: Session, user: UserRow, action: string, ctx: ActionContext | null, details: Record<string, unknown>, at: number, outcome = 'ok'): Promise<AuditEvent> {
  return auditAs(tx, session, {
    action,
    userId: user.id,
    userEmail: user.email,
    checks: ctx?.checks ?? null,
    ticket: ctx?.ticket ?? null,
    reason: ctx?.reason ?? null,
    outcome,
    details,
  }, at);
}

export type { VerificationState } from '../store/records.ts';

/** What a notification tells the user. */
export type NotificationKind =
  | 'one-time-code'
  | 'backup-codes'
  | 'reenrollment'
  | 'enrollment-regenerated'
  | 'enrollment-confirmed'
  | 'self-enrollment'
  | 'sms-removed'
  | 'lock-cleared'
  | 'lost-phone';

const WHAT: Record<NotificationKind, { nb: string; en: string; helpdesk: boolean }> = {
  'one-time-code': { nb: 'Det ble utstedt en engangskode til deg.', en: 'A one-time code was issued for you.', helpdesk: true },
  'backup-codes': { nb: 'Du fikk nye reservekoder; de gamle virker ikke lenger.', en: 'New backup codes were made for you; the old ones no longer work.', helpdesk: true },
  reenrollment: { nb: 'Autentiseringsappen din ble tilbakestilt; den gamle virker ikke lenger.', en: 'Your authenticator app was reset; the old one no longer works.', helpdesk: true },
  'enrollment-regenerated': { nb: 'Det ble laget en ny oppsettkode for autentiseringsappen; den forrige virker ikke.', en: 'A new set-up code for your authenticator app was made; the previous one does not work.', helpdesk: true },
  'enrollment-confirmed': { nb: 'En ny autentiseringsapp ble tatt i bruk.', en: 'A new authenticator app was set up.', helpdesk: false },
  'self-enrollment': {
    nb: 'Autentiseringsappen din ble tilbakestilt på registreringssiden med en kode fra brukerstøtte; den gamle virker ikke lenger.',
    en: 'Your authenticator app was reset on the enrollment page with a code from the helpdesk; the old one no longer works.',
    helpdesk: false,
  },
  'sms-removed': { nb: 'Innlogging med SMS ble fjernet.', en: 'Sign-in by SMS was removed.', helpdesk: true },
  'lost-phone': {
    nb: 'Autentiseringsappen din ble tilbakestilt fordi telefonen ble meldt borte, og det ble utstedt en engangskode til deg; den gamle appen virker ikke lenger.',
    en: 'Your authenticator app was reset because your phone was reported lost, and a one-time code was issued for you; the old app no longer works.',
    helpdesk: true,
  },
  'lock-cleared': { nb: 'Sperren etter for mange feil koder ble opphevet.', en: 'The lock after too many wrong codes was lifted.', helpdesk: true },
};

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** Local date and time with the UTC offset, so the user can tell when it happened. */
export function formatWhen(at: number): { date: string; nbDate: string; time: string } {
  const d = new Date(at);
  const off = -d.getTimezoneOffset();
  const zone = `UTC${off >= 0 ? '+' : '-'}${two(Math.floor(Math.abs(off) / 60))}:${two(Math.abs(off) % 60)}`;
  return {
    date: `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`,
    nbDate: `${two(d.getDate())}.${two(d.getMonth() + 1)}.${d.getFullYear()}`,
    time: `${two(d.getHours())}:${two(d.getMinutes())} (${zone})`,
  };
}

/** A notification's subject and text in one language. */
export interface NotificationText {
  subject: string;
  body: string;
}

/**
 * "Your sign-in methods were changed" in Norwegian and in English, naming the organisation and
 * the helpdesk contact from the settings. Never carries a code or key: the outbox row it is made
 * from holds none.
 */
export function notificationTexts(kind: NotificationKind, at: number, s: Pick<Settings, 'supportContact' | 'organizationName'>): { nb: NotificationText; en: NotificationText } {
  const w = formatWhen(at);
  const what = WHAT[kind];
  // Without a contact set, each language names the helpdesk in its own words (never "ring the helpdesk").
  const contact = s.supportContact.trim();
  const nbCall = contact ? `ring ${contact}` : 'ta kontakt med brukerstøtte';
  const enCall = contact ? `call ${contact}` : 'contact the helpdesk';
  const org = s.organizationName;
  return {
    nb: { subject: `${org}: Innloggingsmetodene dine er endret`, body: `Innloggingsmetodene dine hos ${org} ble endret${what.helpdesk ? ' av brukerstøtte' : ''} den ${w.nbDate} kl. ${w.time}. ${what.nb} Hvis dette ikke var deg, ${nbCall}.` },
    en: { subject: `${org}: Your sign-in methods were changed`, body: `Your sign-in methods at ${org} were changed${what.helpdesk ? ' by the helpdesk' : ''} on ${w.date} at ${w.time}. ${what.en} If this was not you, ${enCall}.` },
  };
}

/** True when `kind` is a notification this build writes. */
export function isNotificationKind(kind: string): kind is NotificationKind {
  return Object.hasOwn(WHAT, kind);
}

/**
 * Queues "your sign-in methods were changed" for the user in the durable outbox (Norwegian
 * first, then English). Call inside the action's transaction. Never carries a code or key.
 */
export async function queueNotification(tx: WriteTx, user: Pick<UserRow, 'id' | 'email'>, kind: NotificationKind, at: number): Promise<number> {
  const settings = await loadSettings(tx);
  const { nb, en } = notificationTexts(kind, at, settings);
  const subject = `${settings.organizationName}: Innloggingsmetodene dine er endret / Your sign-in methods were changed`;
  return tx.outbox.queue({ userId: user.id, email: user.email, kind, subject, body: `${nb.body}\n\n${en.body}`, createdAt: at });
}
