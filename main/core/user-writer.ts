import type { ErrorCode } from './errors.ts';
import type { Session } from './session.ts';
import type { WriteTx } from '../store/port.ts';
import type { SmsPurpose, UserFieldsRecord, UserRecord } from '../store/records.ts';
import { auditAs } from './actions.ts';
import { mailboxKey } from './text.ts';

/** Whose own account a writer must not change: the session's mailbox key and linked user. */
export interface OwnAccount {
  emailKey: string | null;
  userId?: number | null;
}

/** One user's validated fields; `status: null` keeps an existing user's status (new users are active). */
export type UserFields = Omit<UserFieldsRecord, 'status'> & { status: UserFieldsRecord['status'] | null };

/** A change worth an audit event. The phone itself is never recorded, only what happened to it. */
export type FieldChange =
  { field: 'phone'; change: 'set' | 'changed' | 'cleared' } | { field: 'status'; from: string; to: string } | { field: 'email'; from: string; to: string } | { field: 'sms'; change: 'set' | 'changed'; purpose: SmsPurpose };

/** An SMS factor an import gives a user: the number (E.164) and what it may be used for. */
export interface SmsFields {
  phone: string;
  purpose: SmsPurpose;
}

/** What applying one user's fields did. */
export type ApplyResult =
  { kind: 'inserted'; id: number } | { kind: 'updated'; id: number; fields: string[]; changes: FieldChange[] } | { kind: 'unchanged'; id: number } | { kind: 'rejected'; code: ErrorCode; reason: string; field: string };

/**
 * Adds the user, or updates the one with the same external id (else the same email key), inside
 * the caller's write transaction. A new user costs one insert; only a conflict reads the
 * existing rows (import speed). Never changes the operator's own user account.
 */
export async function applyUser(tx: WriteTx, f: UserFields, now: number, own: OwnAccount): Promise<ApplyResult> {
  const id = await tx.users.insert({ ...f, status: f.status ?? 'active' }, now);
  if (id !== null) return { kind: 'inserted', id };
  return merge(tx, f, now, own);
}

/** What updating the existing user `cur` with a file's or form's fields would do, decided before anything is written. */
export type MergePlan =
  | { kind: 'rejected'; code: ErrorCode; reason: string; field: string }
  | { kind: 'unchanged'; cur: UserRecord }
  | { kind: 'update'; cur: UserRecord; next: UserFieldsRecord; fields: string[]; changes: FieldChange[] };

/**
 * Decides how fields `f` meet the users found by its external id (`byExt`) and its email key
 * (`byEmail`), at least one of them set: the import writes what this says, and its dry run
 * counts it, so both judge a row alike.
 */
export function planMerge(f: UserFields, byExt: UserRecord | null, byEmail: UserRecord | null, own: OwnAccount): MergePlan {
  let cur: UserRecord;
  if (byExt) {
    if (byEmail && byEmail.id !== byExt.id) {
      return { kind: 'rejected', code: 'CONFLICT', field: 'email', reason: `email ${f.email} already belongs to another user` };
    }
    cur = byExt;
  } else if (byEmail) {
    if (f.externalId !== null && byEmail.externalId !== null) {
      return { kind: 'rejected', code: 'CONFLICT', field: 'external_id', reason: `email ${f.email} belongs to a user with another external id` };
    }
    cur = byEmail;
  } else {
    // The insert hit a uniqueness conflict on a key neither lookup found: never expected.
    throw new Error('user upsert conflict on an unknown key');
  }
  const next: UserFieldsRecord = {
    externalId: f.externalId ?? cur.externalId,
    email: f.email,
    emailKey: f.emailKey,
    name: f.name,
    nameKey: f.nameKey,
    phone: f.phone,
    organization: f.organization,
    status: f.status ?? cur.status,
  };
  const fields: string[] = [];
  if (next.externalId !== cur.externalId) fields.push('externalId');
  if (next.email !== cur.email) fields.push('email');
  if (next.name !== cur.name) fields.push('name');
  if (next.phone !== cur.phone) fields.push('phone');
  if (next.organization !== cur.organization) fields.push('organization');
  if (next.status !== cur.status) fields.push('status');
  if (fields.length === 0) return { kind: 'unchanged', cur };
  if (isOwnAccount(own, cur, f.email)) {
    return { kind: 'rejected', code: 'OWN_ACCOUNT', field: 'email', reason: 'your own user account must be changed by another admin' };
  }
  const changes: FieldChange[] = [];
  if (next.phone !== cur.phone) changes.push({ field: 'phone', change: cur.phone === null ? 'set' : next.phone === null ? 'cleared' : 'changed' });
  if (next.status !== cur.status) changes.push({ field: 'status', from: cur.status, to: next.status });
  if (f.emailKey !== cur.emailKey) changes.push({ field: 'email', from: cur.email, to: next.email });
  return { kind: 'update', cur, next, fields, changes };
}

async function merge(tx: WriteTx, f: UserFields, now: number, own: OwnAccount): Promise<ApplyResult> {
  const byExt = f.externalId !== null ? await tx.users.getByExternalId(f.externalId) : null;
  const byEmail = await tx.users.getByEmailKey(f.emailKey);
  const plan = planMerge(f, byExt, byEmail, own);
  if (plan.kind === 'rejected') return plan;
  if (plan.kind === 'unchanged') return { kind: 'unchanged', id: plan.cur.id };
  await tx.users.update(plan.cur.id, plan.next, now);
  return { kind: 'updated', id: plan.cur.id, fields: plan.fields, changes: plan.changes };
}

/** Appends one audit event per recorded change (phone, status, email) of one user, in the caller's transaction. */
export async function auditChanges(tx: WriteTx, session: Session, action: string, userId: number, userEmail: string, changes: FieldChange[], at: number): Promise<void> {
  for (const c of changes) await auditAs(tx, session, { action, userId, userEmail, outcome: 'ok', details: c }, at);
}

/** True when `user` (or the address it would get) is the session's own account. */
export function isOwnAccount(own: OwnAccount, user: { id: number; email: string }, newEmail: string): boolean {
  return (own.userId != null && own.userId === user.id) || (own.emailKey !== null && (mailboxKey(user.email) === own.emailKey || mailboxKey(newEmail) === own.emailKey));
}

/**
 * Gives user `userId` the SMS factor `sms` inside the caller's write transaction, unless it has
 * that one already. An imported number is stored as not verified (FactorDesk has not seen it
 * confirmed). Never the operator's own account. Returns the change, null when there was none.
 */
export async function applySms(tx: WriteTx, userId: number, sms: SmsFields, now: number, own: OwnAccount): Promise<FieldChange | null | 'own-account'> {
  const cur = await tx.sms.get(userId);
  if (cur && cur.phone === sms.phone && cur.purpose === sms.purpose) return null;
  const plan = planSms(cur, await tx.users.get(userId), sms, own);
  if (plan === null || plan === 'own-account') return plan;
  await tx.sms.set(userId, { phone: sms.phone, purpose: sms.purpose, verified: plan.verified }, now);
  return plan.change;
}

/** What giving a user (`user`, whose SMS factor is `cur`) the factor `sms` would do; see applySms. */
export function planSms(cur: { phone: string; purpose: SmsPurpose; verified: boolean } | null, user: { id: number; email: string } | null, sms: SmsFields, own: OwnAccount): { change: FieldChange; verified: boolean } | null | 'own-account' {
  if (cur && cur.phone === sms.phone && cur.purpose === sms.purpose) return null;
  if (user && isOwnAccount(own, user, user.email)) return 'own-account';
  // A changed number is not the one the user confirmed; only a new purpose keeps the flag.
  const verified = cur !== null && cur.phone === sms.phone && cur.verified;
  return { change: { field: 'sms', change: cur ? 'changed' : 'set', purpose: sms.purpose }, verified };
}
