import { fail } from './errors.ts';
import type { Session } from './session.ts';
import type { Store } from '../store/port.ts';
import { randomInt, type Random } from './clock.ts';
import { requireRole } from './roles.ts';
import { codeVerifier, keyedSalt } from './crypto.ts';
import { loadSettings, LIMITS } from './settings.ts';
import { auditAction, checkAction, normalizeContext, queueNotification, type ActionContext } from './actions.ts';
import { checkVelocity, writeChange } from './velocity.ts';

/** An 8-digit one-time code, uniformly random (no modulo bias), ungrouped. */
export function newOneTimeCode(random: Random): string {
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
export async function issueOneTimeCode(store: Store, session: Session, userId: number, ctx: ActionContext & { minutes?: number }): Promise<{ code: string; expiresAt: number }> {
  requireRole(session, 'codes:issue-one-time');
  const c = normalizeContext(ctx);
  // Made (and hashed) before the transaction: a write callback may run again and does no slow work.
  const code = newOneTimeCode(store.random);
  const salt = keyedSalt(store.random);
  const hash = codeVerifier(store.values.verifierKey(), salt, code);
  return writeChange(store, async (tx) => {
    const user = await checkAction(tx, session, userId, ctx);
    const settings = await loadSettings(tx);
    const minutes = ctx.minutes ?? settings.oneTimeCodeMinutes;
    const { min, max } = LIMITS.oneTimeCodeMinutes;
    if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < min || minutes > max) {
      fail('BAD_REQUEST', `A one-time code lives between ${min} minutes and ${max / 60} hours. Choose a lifetime in whole minutes from ${min} to ${max}.`, { field: 'minutes', min, max });
    }
    const now = store.clock.now();
    const refused = await checkVelocity(tx, session, user, 'code.issue-one-time', c, now, ctx.minutes !== undefined ? { minutes } : {});
    if (refused) return refused;
    const expiresAt = now + minutes * 60_000;
    const voided = await tx.codes.voidOneTime(user.id, now);
    await tx.codes.insertOneTime({ userId: user.id, salt, hash, createdAt: now, expiresAt });
    await auditAction(tx, session, user, 'code.issue-one-time', c, { expiresAt: new Date(expiresAt).toISOString(), minutes, voided }, now);
    await queueNotification(tx, user, 'one-time-code', now);
    return { code: groupOneTimeCode(code), expiresAt };
  });
}
