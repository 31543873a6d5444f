import { fail } from './errors.ts';
import type { Session } from './session.ts';
import type { Vault } from './vault.ts';
import { randomInt } from './clock.ts';
import { requireRole } from './roles.ts';
import { hashCode } from './crypto.ts';
import { getSettings, LIMITS } from './settings.ts';
import { auditAction, checkAction, normalizeContext, queueNotification, type ActionContext } from './actions.ts';

const SALT_BYTES = 16;

/** An 8-digit one-time code, uniformly random (no modulo bias), ungrouped. */
export function newOneTimeCode(random: Vault['random']): string {
  return String(randomInt(random, 100_000_000)).padStart(8, '0');
}

/** Groups an 8-digit code for reading aloud: "4711 2093". */
export function groupOneTimeCode(code: string): string {
  return `${code.slice(0, 4)} ${code.slice(4)}`;
}

/**
 * Issues a one-time code: voids any active one (at most one per user), stores only a salted
 * hash with an absolute expiry, and returns the plain code once, grouped for reading aloud.
 */
export function issueOneTimeCode(vault: Vault, session: Session, userId: number, ctx: ActionContext & { minutes?: number }): { code: string; expiresAt: number } {
  requireRole(session, 'codes:issue-one-time');
  return vault.write(() => {
    const user = checkAction(vault, session, userId, ctx);
    const c = normalizeContext(ctx);
    const settings = getSettings(vault.db);
    const minutes = ctx.minutes ?? settings.oneTimeCodeMinutes;
    const { min, max } = LIMITS.oneTimeCodeMinutes;
    if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < min || minutes > max) {
      fail('BAD_REQUEST', `A one-time code lives between ${min} minutes and ${max / 60} hours. Choose a lifetime in whole minutes from ${min} to ${max}.`, { field: 'minutes', min, max });
    }
    const now = vault.now();
    const expiresAt = now + minutes * 60_000;
    const voided = vault.db.prepare("UPDATE one_time_codes SET status = 'voided', ended_at = ? WHERE user_id = ? AND status = 'active'").run(now, user.id).changes;
    const code = newOneTimeCode(vault.random);
    const salt = vault.random.bytes(SALT_BYTES);
    vault.db
      .prepare("INSERT INTO one_time_codes (user_id, salt, hash, status, created_at, expires_at) VALUES (?, ?, ?, 'active', ?, ?)")
      .run(user.id, salt, hashCode(salt, code), now, expiresAt);
    auditAction(vault, session, user, 'code.issue-one-time', c, { expiresAt: new Date(expiresAt).toISOString(), minutes, voided });
    queueNotification(vault, user, 'one-time-code', now);
    return { code: groupOneTimeCode(code), expiresAt };
  });
}
