import type { Session } from './session.ts';
import type { Store, WriteTx } from '../store/port.ts';
import type { Random } from './clock.ts';
import { randomInt } from './clock.ts';
import { requireRole } from './roles.ts';
import { codeVerifier, keyedSalt } from './crypto.ts';
import { auditAction, checkAction, normalizeContext, queueNotification, type ActionContext } from './actions.ts';
import { checkVelocity, writeChange } from './velocity.ts';

/** 31 characters: digits and capitals without 0, O, 1, I and L, so no code is misread aloud. */
export const BACKUP_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
/** 16 characters from 31 give 79 bits per code (the policy asks for at least 64). */
export const BACKUP_CODE_LENGTH = 16;
export const BACKUP_SET_SIZE = 10;

/** One random backup code, ungrouped (16 characters). */
export function newBackupCode(random: Random): string {
  let s = '';
  for (let i = 0; i < BACKUP_CODE_LENGTH; i++) s += BACKUP_ALPHABET[randomInt(random, BACKUP_ALPHABET.length)];
  return s;
}

/** A backup code grouped for reading: K7QM-9XWE-R4TP-H2ZC. */
export function groupBackupCode(code: string): string {
  return (code.match(/.{1,4}/g) ?? []).join('-');
}

/** A new set of plain codes, grouped, with their salted hashes (made before any transaction). */
export function newBackupCodeSet(random: Random, verifierKey: Buffer): { codes: string[]; verifiers: Array<{ salt: Buffer; hash: Buffer }> } {
  const codes: string[] = [];
  const verifiers: Array<{ salt: Buffer; hash: Buffer }> = [];
  const seen = new Set<string>();
  while (codes.length < BACKUP_SET_SIZE) {
    const code = newBackupCode(random);
    if (seen.has(code)) continue;
    seen.add(code);
    const salt = keyedSalt(random);
    verifiers.push({ salt, hash: codeVerifier(verifierKey, salt, code) });
    codes.push(groupBackupCode(code));
  }
  return { codes, verifiers };
}

/**
 * Voids the user's active set and stores a new one as salted hashes; returns the plain codes,
 * grouped, which exist nowhere else afterwards. Call inside the action's transaction.
 */
export async function storeBackupCodeSet(tx: WriteTx, userId: number, set: { codes: string[]; verifiers: Array<{ salt: Buffer; hash: Buffer }> }, now: number): Promise<{ codes: string[]; setId: number; voided: number }> {
  const voided = await tx.codes.voidBackupSets(userId, now);
  const setId = await tx.codes.insertBackupSet({ userId, createdAt: now, codes: set.verifiers });
  return { codes: set.codes, setId, voided };
}

/** Issues a new set of 10 backup codes (voiding the old set), audited and notified. */
export async function issueBackupCodes(store: Store, session: Session, userId: number, ctx: ActionContext): Promise<{ codes: string[]; createdAt: number }> {
  requireRole(session, 'codes:backup');
  const c = normalizeContext(ctx);
  const fresh = newBackupCodeSet(store.random, store.values.verifierKey());
  return writeChange(store, async (tx) => {
    const user = await checkAction(tx, session, userId, ctx);
    const now = store.clock.now();
    const refused = await checkVelocity(tx, session, user, 'code.backup-codes', c, now);
    if (refused) return refused;
    const set = await storeBackupCodeSet(tx, user.id, fresh, now);
    await auditAction(tx, session, user, 'code.backup-codes', c, { setId: set.setId, total: BACKUP_SET_SIZE, voidedSets: set.voided }, now);
    await queueNotification(tx, user, 'backup-codes', now);
    return { codes: set.codes, createdAt: now };
  });
}
