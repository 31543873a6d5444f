import { z } from 'zod';
import { builtOnFirstUse } from './built-on-first-use.ts';
import { fail } from './errors.ts';
import type { Role, Session } from './session.ts';
import type { ReadTx, Store, WriteTx } from '../store/port.ts';
import type { OperatorRecord } from '../store/records.ts';
import { foldKey, identityKey, mailboxKey } from './text.ts';
import { assertPassword } from './passwords.ts';
import { requireRole } from './roles.ts';
import { auditAs } from './actions.ts';

/** An operator as the app shows it (no key material). */
export interface Operator {
  id: string;
  name: string;
  displayName: string;
  email: string | null;
  /** The operator's own directory user, and its address; null when not linked (warned at sign-in). */
  userId: number | null;
  userEmail: string | null;
  role: 'agent' | 'admin';
  status: 'active' | 'disabled' | 'removed';
  createdAt: number;
  updatedAt: number;
}

// Built on first use (see builtOnFirstUse).
const SCHEMAS = builtOnFirstUse(() => ({
  name: z.string().trim().min(2).max(64).regex(/^[\p{L}\p{N}._@-]+$/u, 'letters, digits, . _ @ - only'),
}));
// Control and format characters (NUL, bidi overrides) would make a name print or read differently.
const INVISIBLE = /[\p{Cc}\p{Cf}]/u;

/** Validates an operator name (the sign-in name). */
export function validOperatorName(name: string): string {
  const r = SCHEMAS.name.safeParse(name);
  if (!r.success) fail('BAD_REQUEST', 'An operator name is 2–64 letters, digits, dots, underscores, @ or hyphens.', { field: 'name' });
  return r.data;
}

/** The operator as shown (drops the folded keys); `userEmail` is the linked user's address. */
export function toOperator(r: OperatorRecord, userEmail: string | null = null): Operator {
  return { id: r.id, name: r.name, displayName: r.displayName, email: r.email, userId: r.userId, userEmail: r.userId === null ? null : userEmail, role: r.role, status: r.status, createdAt: r.createdAt, updatedAt: r.updatedAt };
}

/** The operator as shown, with the address of their linked directory user read in `tx`. */
export async function operatorIn(tx: ReadTx, r: OperatorRecord): Promise<Operator> {
  const user = r.userId === null ? null : await tx.users.get(r.userId);
  return toOperator(r, user?.email ?? null);
}

/** A session for an operator, built from their row (never from credential metadata); SIGNIN_FAILED unless active. */
export function sessionOf(r: OperatorRecord | null, now: number): Session {
  if (!r || r.status !== 'active') fail('SIGNIN_FAILED', 'Wrong name or password.');
  return { operatorId: r.id, name: r.name, displayName: r.displayName, role: r.role, emailKey: r.email ? mailboxKey(r.email) : null, userId: r.userId, signedInAt: now };
}

/** Builds a session for a signed-in operator from the store. */
export async function sessionFor(tx: ReadTx, operatorId: string, now: number): Promise<Session> {
  return sessionOf(await tx.operators.get(operatorId), now);
}

/** Looks an operator up by id (any status). */
export async function getOperator(store: Store, id: string): Promise<Operator | null> {
  return store.read(async (tx) => {
    const r = await tx.operators.get(id);
    return r ? operatorIn(tx, r) : null;
  });
}

/** Looks an operator up by sign-in name (folded); null when there is none or it was removed. */
export async function findOperatorByName(store: Store, session: Session, name: string): Promise<Operator | null> {
  requireRole(session, 'operators:list');
  return store.read(async (tx) => {
    const r = await tx.operators.getByNameKey(foldKey(name));
    return r && r.status !== 'removed' ? operatorIn(tx, r) : null;
  });
}

/** Lists operators (admin). */
export async function listOperators(store: Store, session: Session): Promise<Operator[]> {
  requireRole(session, 'operators:list');
  return store.read(async (tx) => Promise.all((await tx.operators.list()).map((r) => operatorIn(tx, r))));
}

/** Input for a new operator. */
export interface NewOperator {
  name: string;
  displayName: string;
  role: 'agent' | 'admin';
  email?: string | null;
  /** The address of the operator's own directory user, to link them (see linkUser). */
  userEmail?: string | null;
  password: string;
}

/** A new operator's fields, validated and folded (password rules included). */
export type CheckedOperator = Pick<OperatorRecord, 'name' | 'nameKey' | 'displayName' | 'email' | 'emailKey'> & { role: 'agent' | 'admin' };

/** Validates a new operator (name, display name, email, password rules). */
export async function checkNewOperator(input: NewOperator): Promise<CheckedOperator> {
  const name = validOperatorName(input.name);
  const displayName = typeof input.displayName === 'string' ? input.displayName.trim() : '';
  if (displayName.length < 1 || displayName.length > 128) fail('BAD_REQUEST', 'A display name is 1–128 characters.', { field: 'displayName' });
  if (INVISIBLE.test(displayName)) fail('BAD_REQUEST', 'A display name cannot contain control or formatting characters.', { field: 'displayName' });
  const email = input.email?.trim() || null;
  if (email && (!/^[^\s@]+@[^\s@]+$/u.test(email) || INVISIBLE.test(email))) fail('BAD_REQUEST', 'The work email is not valid.', { field: 'email' });
  await assertPassword(input.password, [name, displayName]);
  return { name, nameKey: foldKey(name), displayName, email, emailKey: email ? foldKey(email) : null, role: input.role };
}

/** Inserts a checked operator row in `tx` (no credential, no audit); CONFLICT when the name is taken. */
export async function insertOperator(tx: WriteTx, op: CheckedOperator, id: string, at: number, userId: number | null = null): Promise<OperatorRecord> {
  if (!(await tx.operators.insert({ id, ...op, userId, createdAt: at }))) fail('CONFLICT', `An operator named ${op.name} already exists.`, { field: 'name' });
  return (await tx.operators.get(id))!;
}

/**
 * The directory user an operator is linked to, by address (the same fold as a lookup); NOT_FOUND
 * when there is none, CONFLICT when another operator is linked to that user already.
 */
export async function linkUser(tx: ReadTx, userEmail: string, operatorId: string): Promise<{ id: number; email: string }> {
  if (typeof userEmail !== 'string' || userEmail.trim().length === 0 || userEmail.length > 254) fail('BAD_REQUEST', "Type the address of the operator's own directory user.", { field: 'userEmail' });
  const user = await tx.users.getByEmailKey(identityKey(userEmail.trim()));
  if (!user) fail('NOT_FOUND', 'No directory user has that address. Add or import the user first, then link the operator.', { field: 'userEmail' });
  const other = (await tx.operators.list()).find((o) => o.userId === user.id && o.id !== operatorId);
  if (other) fail('CONFLICT', `That user is already linked to the operator ${other.name}.`, { field: 'userEmail' });
  return { id: user.id, email: user.email };
}

/** Adds an operator with a credential of their own (admin). */
export async function addOperator(store: Store, session: Session, input: NewOperator): Promise<Operator> {
  requireRole(session, 'operators:add');
  const op = await checkNewOperator(input);
  // The credential costs a KDF run: made before the transaction.
  const id = store.random.bytes(16).toString('hex');
  const credential = await store.keyring.prepareOperatorCredential({ id, nameKey: op.nameKey }, input.password);
  return store.write(async (tx) => {
    const now = store.clock.now();
    const user = input.userEmail ? await linkUser(tx, input.userEmail, id) : null;
    // Linked without a work email: the linked user's address is theirs.
    const checked = user && op.email === null ? { ...op, email: user.email, emailKey: foldKey(user.email) } : op;
    const row = await insertOperator(tx, checked, id, now, user?.id ?? null);
    await tx.credentials.installOperator(credential);
    await auditAs(tx, session, { action: 'operator.add', outcome: 'ok', details: { name: row.name, role: row.role, linkedUser: user?.email ?? null } }, now);
    return toOperator(row, user?.email ?? null);
  });
}

/** The operator an admin acts on: NOT_FOUND when missing or removed. */
async function target(tx: ReadTx, operatorId: string): Promise<OperatorRecord> {
  const op = typeof operatorId === 'string' ? await tx.operators.get(operatorId) : null;
  if (!op || op.status === 'removed') fail('NOT_FOUND', 'No such operator.');
  return op;
}

/** True when `op` is the only active admin (who must stay). */
async function isLastAdmin(tx: ReadTx, op: OperatorRecord): Promise<boolean> {
  return op.role === 'admin' && op.status === 'active' && (await tx.operators.countActiveAdmins()) <= 1;
}

/** Disables an operator and deletes their credentials (admin). */
export async function disableOperator(store: Store, session: Session, operatorId: string): Promise<Operator> {
  requireRole(session, 'operators:disable');
  return store.write(async (tx) => {
    const op = await target(tx, operatorId);
    if (op.id === session.operatorId) fail('FORBIDDEN', 'You cannot disable your own operator account.');
    if (await isLastAdmin(tx, op)) fail('CONFLICT', 'The last active admin cannot be disabled.');
    const now = store.clock.now();
    await tx.operators.setStatus(op.id, 'disabled', now);
    await tx.credentials.removeOperator(op.id);
    await auditAs(tx, session, { action: 'operator.disable', outcome: 'ok', details: { name: op.name } }, now);
    return operatorIn(tx, (await tx.operators.get(op.id))!);
  });
}

/** Removes an operator and their credentials (admin); the caller should rotate the vault key next. */
export async function removeOperator(store: Store, session: Session, operatorId: string): Promise<{ rekeyRecommended: true }> {
  requireRole(session, 'operators:remove');
  await store.write(async (tx) => {
    const op = await target(tx, operatorId);
    if (op.id === session.operatorId) fail('FORBIDDEN', 'You cannot remove your own operator account.');
    if (await isLastAdmin(tx, op)) fail('CONFLICT', 'The last active admin cannot be removed.');
    const now = store.clock.now();
    // The row stays for the audit trail; the name is free for reuse.
    await tx.operators.markRemoved(op.id, now);
    await tx.credentials.removeOperator(op.id);
    await auditAs(tx, session, { action: 'operator.remove', outcome: 'ok', details: { name: op.name, rekeyRecommended: true } }, now);
  });
  return { rekeyRecommended: true };
}

/** Sets a new password for another operator (admin): a fresh credential, which also re-enables a disabled operator. */
export async function resetOperatorPassword(store: Store, session: Session, operatorId: string, password: string): Promise<Operator> {
  requireRole(session, 'operators:reset-password');
  const op = await store.read((tx) => target(tx, operatorId));
  await assertPassword(password, [op.name, op.displayName]);
  const credential = await store.keyring.prepareOperatorCredential({ id: op.id, nameKey: foldKey(op.name) }, password);
  return store.write(async (tx) => {
    const now = store.clock.now();
    // Removed while the KDF ran: nothing to reset.
    const current = await target(tx, op.id);
    await tx.operators.setStatus(current.id, 'active', now);
    await tx.credentials.installOperator(credential);
    await auditAs(tx, session, { action: 'operator.reset-password', outcome: 'ok', details: { name: current.name } }, now);
    return operatorIn(tx, (await tx.operators.get(current.id))!);
  });
}

/** Changes the signed-in operator's own password: a new key pair replaces the old one in the slot file. */
export async function changeOwnPassword(store: Store, session: Session, oldPassword: string, newPassword: string): Promise<void> {
  requireRole(session, 'operators:change-own-password');
  if (typeof oldPassword !== 'string' || typeof newPassword !== 'string') fail('BAD_REQUEST', 'Type the current and the new password.');
  await assertPassword(newPassword, [session.name, session.displayName]);
  const credential = await store.keyring.prepareOwnPasswordChange(session.operatorId, oldPassword, newPassword);
  if (!credential) fail('SIGNIN_FAILED', 'The current password is wrong.');
  await store.write(async (tx) => {
    await tx.credentials.installOperator(credential);
    await auditAs(tx, session, { action: 'operator.change-password', outcome: 'ok' }, store.clock.now());
  });
}

/** Changes an operator's role, display name, work email or linked directory user (`userEmail`; null unlinks) (admin). */
export async function updateOperator(store: Store, session: Session, operatorId: string, patch: { role?: 'agent' | 'admin'; displayName?: string; email?: string | null; userEmail?: string | null }): Promise<Operator> {
  requireRole(session, 'operators:update');
  return store.write(async (tx) => {
    const op = await target(tx, operatorId);
    if (patch.role && patch.role !== op.role && op.role === 'admin' && (await tx.operators.countActiveAdmins()) <= 1) fail('CONFLICT', 'The last active admin must stay an admin.');
    if (patch.email !== undefined && op.id === session.operatorId && (patch.email?.trim() || null) !== op.email) {
      fail('FORBIDDEN', 'Your own work email is changed by another admin: it keeps you from acting on your own user account.', { field: 'email' });
    }
    const user = patch.userEmail === undefined ? undefined : patch.userEmail === null || patch.userEmail.trim() === '' ? null : await linkUser(tx, patch.userEmail, op.id);
    // Linking yourself once is fine (the first admin has nobody else to do it); changing or
    // removing your own link would let you reach your real account, so another admin does that.
    if (user !== undefined && op.id === session.operatorId && op.userId !== null && (user?.id ?? null) !== op.userId) {
      fail('FORBIDDEN', 'Your own directory user is changed by another admin: it keeps you from acting on your own user account.', { field: 'userEmail' });
    }
    if (patch.displayName !== undefined && INVISIBLE.test(patch.displayName)) fail('BAD_REQUEST', 'A display name cannot contain control or formatting characters.', { field: 'displayName' });
    if (patch.email && (!/^[^\s@]+@[^\s@]+$/u.test(patch.email.trim()) || INVISIBLE.test(patch.email))) fail('BAD_REQUEST', 'The work email is not valid.', { field: 'email' });
    const role: Role = patch.role ?? op.role;
    const displayName = patch.displayName?.trim() || op.displayName;
    const userId = user === undefined ? op.userId : (user?.id ?? null);
    // Linked without a work email: the linked user's address is theirs.
    const email = patch.email === undefined ? (op.email ?? user?.email ?? null) : patch.email?.trim() || null;
    const now = store.clock.now();
    await tx.operators.update(op.id, { role: role as 'agent' | 'admin', displayName, email, emailKey: email ? foldKey(email) : null, userId }, now);
    const linkChanged = userId !== op.userId ? { linkedUser: user?.email ?? null } : {};
    await auditAs(tx, session, { action: 'operator.update', outcome: 'ok', details: { name: op.name, role, emailChanged: email !== op.email, from: op.email, to: email, ...linkChanged } }, now);
    return operatorIn(tx, (await tx.operators.get(op.id))!);
  });
}
