import { z } from 'zod';
import { fail } from './errors.ts';
import type { Db } from '../store/sqlite/database.ts';
import type { Role, Session } from './session.ts';
import type { Vault } from '../store/sqlite/vault.ts';
import { foldKey } from './text.ts';
import { assertPassword } from './passwords.ts';
import { makeOperatorSlot, openPrivateKey, sealPrivateKey } from './key-slots.ts';
import { currentKdf } from './crypto.ts';
import { requireRole } from './roles.ts';

/** An operator as the app shows it (no key material). */
export interface Operator {
  id: string;
  name: string;
  displayName: string;
  email: string | null;
  role: 'agent' | 'admin';
  status: 'active' | 'disabled' | 'removed';
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: string;
  name: string;
  name_key: string;
  display_name: string;
  email: string | null;
  email_key: string | null;
  role: 'agent' | 'admin';
  status: Operator['status'];
  created_at: number;
  updated_at: number;
}

const NameSchema = z.string().trim().min(2).max(64).regex(/^[\p{L}\p{N}._@-]+$/u, 'letters, digits, . _ @ - only');

/** Validates an operator name (the sign-in name). */
export function validOperatorName(name: string): string {
  const r = NameSchema.safeParse(name);
  if (!r.success) fail('BAD_REQUEST', 'An operator name is 2–64 letters, digits, dots, underscores, @ or hyphens.', { field: 'name' });
  return r.data;
}

function toOperator(r: Row): Operator {
  return { id: r.id, name: r.name, displayName: r.display_name, email: r.email, role: r.role, status: r.status, createdAt: r.created_at, updatedAt: r.updated_at };
}

/** Looks an operator up by id. */
export function getOperator(db: Db, id: string): Operator | null {
  const r = db.prepare('SELECT * FROM operators WHERE id = ?').get(id) as Row | undefined;
  return r ? toOperator(r) : null;
}

/** Looks an operator up by (folded) sign-in name. */
export function getOperatorByName(db: Db, name: string): (Operator & { emailKey: string | null }) | null {
  const r = db.prepare('SELECT * FROM operators WHERE name_key = ?').get(foldKey(name)) as Row | undefined;
  return r ? { ...toOperator(r), emailKey: r.email_key } : null;
}

/** Lists operators (admin). */
export function listOperators(vault: Vault, session: Session): Operator[] {
  requireRole(session, 'operators:list');
  return (vault.db.prepare("SELECT * FROM operators WHERE status != 'removed' ORDER BY name_key").all() as Row[]).map(toOperator);
}

/** Builds a session for a signed-in operator. */
export function sessionFor(db: Db, operatorId: string, now: number): Session {
  const r = db.prepare('SELECT * FROM operators WHERE id = ?').get(operatorId) as Row | undefined;
  if (!r || r.status !== 'active') fail('SIGNIN_FAILED', 'Wrong name or password.');
  return { operatorId: r.id, name: r.name, displayName: r.display_name, role: r.role, emailKey: r.email_key, signedInAt: now };
}

/** Input for a new operator. */
export interface NewOperator {
  name: string;
  displayName: string;
  role: 'agent' | 'admin';
  email?: string | null;
  password: string;
}

/** Inserts the operator row (no slot, no audit); used by first run and addOperator. */
export function insertOperatorRow(vault: Vault, input: NewOperator, id: string = vault.random.bytes(16).toString('hex')): Operator {
  const name = validOperatorName(input.name);
  const displayName = input.displayName.trim();
  if (displayName.length < 1 || displayName.length > 128) fail('BAD_REQUEST', 'A display name is 1–128 characters.', { field: 'displayName' });
  // Control and format characters (NUL, bidi overrides) would make a name print or read differently.
  if (/[\p{Cc}\p{Cf}]/u.test(displayName)) fail('BAD_REQUEST', 'A display name cannot contain control or formatting characters.', { field: 'displayName' });
  const email = input.email?.trim() || null;
  if (email && (!/^[^\s@]+@[^\s@]+$/u.test(email) || /[\p{Cc}\p{Cf}]/u.test(email))) fail('BAD_REQUEST', 'The work email is not valid.', { field: 'email' });
  assertPassword(input.password, [name, displayName]);
  const nameKey = foldKey(name);
  if (vault.db.prepare('SELECT 1 FROM operators WHERE name_key = ?').get(nameKey)) fail('CONFLICT', `An operator named ${name} already exists.`, { field: 'name' });
  const now = vault.now();
  vault.db
    .prepare('INSERT INTO operators (id, name, name_key, display_name, email, email_key, role, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(id, name, nameKey, displayName, email, email ? foldKey(email) : null, input.role, 'active', now, now);
  return getOperator(vault.db, id)!;
}

/** Adds an operator with a key slot of their own (admin). */
export async function addOperator(vault: Vault, session: Session, input: NewOperator): Promise<Operator> {
  requireRole(session, 'operators:add');
  const nameKey = foldKey(validOperatorName(input.name));
  // The slot costs a KDF run; compute it before taking the write lock.
  const draftId = vault.random.bytes(16).toString('hex');
  assertPassword(input.password, [input.name, input.displayName]);
  const slot = await makeOperatorSlot(vault.random, vault.vaultId, vault.generation, vault.keyForWorker(), { id: draftId, nameKey }, input.password, new Date(vault.now()));
  return vault.write(() => {
    const op = insertOperatorRow(vault, input, draftId);
    vault.updateSlots((f) => {
      f.slots.push(slot);
    });
    vault.audit({ action: 'operator.add', operator: session.name, outcome: 'ok', details: { name: op.name, role: op.role } });
    return getOperator(vault.db, draftId)!;
  });
}

/** Removes every key slot of an operator (all generations). */
function dropSlots(vault: Vault, operatorId: string): void {
  vault.updateSlots((f) => {
    f.slots = f.slots.filter((s) => s.operatorId !== operatorId);
  });
}

function activeAdmins(db: Db): number {
  return (db.prepare("SELECT count(*) AS n FROM operators WHERE role = 'admin' AND status = 'active'").get() as { n: number }).n;
}

/** Disables an operator and deletes their key slot (admin). */
export function disableOperator(vault: Vault, session: Session, operatorId: string): Operator {
  requireRole(session, 'operators:disable');
  return vault.write(() => {
    const op = getOperator(vault.db, operatorId);
    if (!op || op.status === 'removed') fail('NOT_FOUND', 'No such operator.');
    if (op.id === session.operatorId) fail('FORBIDDEN', 'You cannot disable your own operator account.');
    if (op.role === 'admin' && op.status === 'active' && activeAdmins(vault.db) <= 1) fail('CONFLICT', 'The last active admin cannot be disabled.');
    vault.db.prepare("UPDATE operators SET status = 'disabled', updated_at = ? WHERE id = ?").run(vault.now(), op.id);
    dropSlots(vault, op.id);
    vault.audit({ action: 'operator.disable', operator: session.name, outcome: 'ok', details: { name: op.name } });
    return getOperator(vault.db, op.id)!;
  });
}

/** Removes an operator and their slot (admin); the caller should rotate the vault key next. */
export function removeOperator(vault: Vault, session: Session, operatorId: string): { rekeyRecommended: true } {
  requireRole(session, 'operators:remove');
  vault.write(() => {
    const op = getOperator(vault.db, operatorId);
    if (!op || op.status === 'removed') fail('NOT_FOUND', 'No such operator.');
    if (op.id === session.operatorId) fail('FORBIDDEN', 'You cannot remove your own operator account.');
    if (op.role === 'admin' && op.status === 'active' && activeAdmins(vault.db) <= 1) fail('CONFLICT', 'The last active admin cannot be removed.');
    // Free the name for reuse while keeping the row for the audit trail.
    vault.db.prepare("UPDATE operators SET status = 'removed', name_key = name_key || '#removed-' || id, updated_at = ? WHERE id = ?").run(vault.now(), op.id);
    dropSlots(vault, op.id);
    vault.audit({ action: 'operator.remove', operator: session.name, outcome: 'ok', details: { name: op.name, rekeyRecommended: true } });
  });
  return { rekeyRecommended: true };
}

/** Sets a new password for another operator (admin): a fresh key pair and slot, which also re-enables a disabled operator. */
export async function resetOperatorPassword(vault: Vault, session: Session, operatorId: string, password: string): Promise<Operator> {
  requireRole(session, 'operators:reset-password');
  const op = getOperator(vault.db, operatorId);
  if (!op || op.status === 'removed') fail('NOT_FOUND', 'No such operator.');
  assertPassword(password, [op.name, op.displayName]);
  const slot = await makeOperatorSlot(vault.random, vault.vaultId, vault.generation, vault.keyForWorker(), { id: op.id, nameKey: foldKey(op.name) }, password, new Date(vault.now()));
  return vault.write(() => {
    vault.db.prepare("UPDATE operators SET status = 'active', updated_at = ? WHERE id = ?").run(vault.now(), op.id);
    vault.updateSlots((f) => {
      f.slots = f.slots.filter((s) => s.operatorId !== op.id);
      f.slots.push(slot);
    });
    vault.audit({ action: 'operator.reset-password', operator: session.name, outcome: 'ok', details: { name: op.name } });
    return getOperator(vault.db, op.id)!;
  });
}

/** Changes the signed-in operator's own password: re-seals their private key (every generation). */
export async function changeOwnPassword(vault: Vault, session: Session, oldPassword: string, newPassword: string): Promise<void> {
  requireRole(session, 'operators:change-own-password');
  assertPassword(newPassword, [session.name, session.displayName]);
  const f = vault.readSlots();
  const mine = f.slots.filter((s) => s.kind === 'operator' && s.operatorId === session.operatorId);
  const first = mine[0];
  const priv = first ? await openPrivateKey(vault.vaultId, first, oldPassword) : null;
  if (!priv || !first) fail('SIGNIN_FAILED', 'The current password is wrong.');
  const sealed = await sealPrivateKey(vault.random, vault.vaultId, first.keyId, priv, newPassword, currentKdf());
  priv.fill(0);
  vault.write(() => {
    vault.updateSlots((file) => {
      for (const s of file.slots) if (s.kind === 'operator' && s.operatorId === session.operatorId && s.keyId === first.keyId) s.privateKey = sealed;
    });
    vault.audit({ action: 'operator.change-password', operator: session.name, outcome: 'ok' });
  });
}

/** Changes an operator's role or display name (admin). */
export function updateOperator(vault: Vault, session: Session, operatorId: string, patch: { role?: 'agent' | 'admin'; displayName?: string; email?: string | null }): Operator {
  requireRole(session, 'operators:update');
  return vault.write(() => {
    const op = getOperator(vault.db, operatorId);
    if (!op || op.status === 'removed') fail('NOT_FOUND', 'No such operator.');
    if (patch.role && patch.role !== op.role && op.role === 'admin' && activeAdmins(vault.db) <= 1) fail('CONFLICT', 'The last active admin must stay an admin.');
    if (patch.email !== undefined && op.id === session.operatorId && (patch.email?.trim() || null) !== op.email) {
      fail('FORBIDDEN', 'Your own work email is changed by another admin: it keeps you from acting on your own user account.', { field: 'email' });
    }
    if (patch.displayName !== undefined && /[\p{Cc}\p{Cf}]/u.test(patch.displayName)) fail('BAD_REQUEST', 'A display name cannot contain control or formatting characters.', { field: 'displayName' });
    if (patch.email && (!/^[^\s@]+@[^\s@]+$/u.test(patch.email.trim()) || /[\p{Cc}\p{Cf}]/u.test(patch.email))) fail('BAD_REQUEST', 'The work email is not valid.', { field: 'email' });
    const role: Role = patch.role ?? op.role;
    const displayName = patch.displayName?.trim() || op.displayName;
    const email = patch.email === undefined ? op.email : patch.email?.trim() || null;
    vault.db.prepare('UPDATE operators SET role = ?, display_name = ?, email = ?, email_key = ?, updated_at = ? WHERE id = ?').run(role, displayName, email, email ? foldKey(email) : null, vault.now(), op.id);
    vault.audit({ action: 'operator.update', operator: session.name, outcome: 'ok', details: { name: op.name, role, emailChanged: email !== op.email, from: op.email, to: email } });
    return getOperator(vault.db, op.id)!;
  });
}
