import type { Session } from './session.ts';
import type { Vault } from './vault.ts';
import type { Random } from './clock.ts';
import { randomInt } from './clock.ts';
import { requireRole } from './roles.ts';
import { hashCode } from './crypto.ts';
import { auditAction, checkAction, normalizeContext, queueNotification, type ActionContext } from './actions.ts';

/** 31 characters: digits and capitals without 0, O, 1, I and L, so no code is misread aloud. */
export const BACKUP_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
/** 16 characters from 31 give 79 bits per code (the policy asks for at least 64). */
export const BACKUP_CODE_LENGTH = 16;
export const BACKUP_SET_SIZE = 10;
const SALT_BYTES = 16;

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

/**
 * Voids the user's active set and stores a new one as salted hashes; returns the plain codes,
 * grouped, which exist nowhere else afterwards. Call inside the action's transaction.
 */
export function createBackupCodeSet(vault: Vault, userId: number, now: number): { codes: string[]; setId: number; voided: number } {
  const db = vault.db;
  const voided = db.prepare("UPDATE backup_code_sets SET status = 'voided', ended_at = ? WHERE user_id = ? AND status = 'active'").run(now, userId).changes;
  const setId = Number(db.prepare("INSERT INTO backup_code_sets (user_id, status, total, created_at) VALUES (?, 'active', ?, ?)").run(userId, BACKUP_SET_SIZE, now).lastInsertRowid);
  const insert = db.prepare('INSERT INTO backup_codes (set_id, salt, hash) VALUES (?, ?, ?)');
  const codes: string[] = [];
  const seen = new Set<string>();
  while (codes.length < BACKUP_SET_SIZE) {
    const code = newBackupCode(vault.random);
    if (seen.has(code)) continue;
    seen.add(code);
    const salt = vault.random.bytes(SALT_BYTES);
    insert.run(setId, salt, hashCode(salt, code));
    codes.push(groupBackupCode(code));
  }
  return { codes, setId, voided };
}

/** Issues a new set of 10 backup codes (voiding the old set), audited and notified. */
export function issueBackupCodes(vault: Vault, session: Session, userId: number, ctx: ActionContext): { codes: string[]; createdAt: number } {
  requireRole(session, 'codes:backup');
  return vault.write(() => {
    const user = checkAction(vault, session, userId, ctx);
    const c = normalizeContext(ctx);
    const now = vault.now();
    const set = createBackupCodeSet(vault, user.id, now);
    auditAction(vault, session, user, 'code.backup-codes', c, { setId: set.setId, total: BACKUP_SET_SIZE, voidedSets: set.voided });
    queueNotification(vault, user, 'backup-codes', now);
    return { codes: set.codes, createdAt: now };
  });
}
