/**
 * The lost-phone action: one identity check, ticket and reason, and in one transaction the
 * authenticator revoked, a short-lived one-time code issued, the re-enrollment started (a new
 * pending secret for the agent's QR and sheet, or, where a server offers self-enrollment, an
 * enrollment code for its page, so no agent sees the new QR), one notification queued, and
 * audit events linked by one action id. It is one change for the velocity limits.
 */
import { LOST_PHONE_CODE_MINUTES } from '../../contract/index.ts';
import type { Session } from './session.ts';
import type { ServerStore, ServerWriteTx, Store } from '../store/port.ts';
import { requireRole } from './roles.ts';
import { codeVerifier, keyedSalt } from './crypto.ts';
import { loadSettings } from './settings.ts';
import { auditAction, checkAction, normalizeContext, queueNotification, type ActionContext } from './actions.ts';
import { checkVelocity, writeChange } from './velocity.ts';
import { groupOneTimeCode, newOneTimeCode } from './one-time-codes.ts';
import { createPending, freshEnrollment, type EnrollmentIssued } from './enrollment.ts';
import { groupEnrollmentCode, prepareEnrollmentCode, storeEnrollmentCode } from './self-enrollment.ts';

/** The server's self-enrollment page, relative to the server's address. */
export const SELF_ENROLLMENT_PATH = '/enroll';

/** What the service answers (the door adds the QR image to an agent-driven enrollment). */
export interface LostPhoneResult {
  actionId: string;
  revokedAuthenticator: boolean;
  oneTimeCode: { code: string; expiresAt: number };
  enrollment: ({ mode: 'agent' } & EnrollmentIssued) | { mode: 'self'; pagePath: string; code: string; expiresAt: number };
}

function newActionId(store: Store): string {
  return `lp-${store.random.bytes(8).toString('hex')}`;
}

/**
 * Runs the lost-phone action for `userId`: agent-driven re-enrollment in a solo vault, or, with
 * `selfEnrollment` on a server's store, an enrollment code for the server's page instead. The
 * caller needs every permission the single actions need; the identity-check policy, the
 * own-account and operator-account rules and the velocity limits apply once, as to one change.
 */
export function reportLostPhone(store: Store, session: Session, userId: number, ctx: ActionContext): Promise<LostPhoneResult>;
export function reportLostPhone(store: ServerStore, session: Session, userId: number, ctx: ActionContext, opts: { selfEnrollment: boolean }): Promise<LostPhoneResult>;
export async function reportLostPhone(store: Store, session: Session, userId: number, ctx: ActionContext, opts: { selfEnrollment?: boolean } = {}): Promise<LostPhoneResult> {
  const self = opts.selfEnrollment === true;
  requireRole(session, 'codes:issue-one-time');
  requireRole(session, self ? 'enrollment:issue-code' : 'enrollment:reenroll');
  const c = normalizeContext(ctx);
  // Everything random or slow is made before the transaction: a write callback may run again.
  const actionId = newActionId(store);
  const code = newOneTimeCode(store.random);
  const salt = keyedSalt(store.random);
  const hash = codeVerifier(store.values.verifierKey(), salt, code);
  const fresh = self ? null : freshEnrollment(store.random);
  const enrollmentCode = self ? prepareEnrollmentCode(store.random) : null;
  try {
    return await writeChange(store, async (tx) => {
      const user = await checkAction(tx, session, userId, ctx);
      const now = store.clock.now();
      const refused = await checkVelocity(tx, session, user, 'lost-phone', c, now);
      if (refused) return refused;
      const linked = (details: Record<string, unknown>) => ({ actionId, ...details });

      await tx.authenticators.lapseExpired(user.id, now);
      const revoked = await tx.authenticators.end(user.id, 'active', 'revoked', now);
      const voidedPending = await tx.authenticators.end(user.id, 'pending', 'voided', now);
      await auditAction(tx, session, user, 'lost-phone.revoke', c, linked({ revokedAuthenticator: revoked > 0, voidedPending }), now);

      const { oneTimeCodeMinutes } = await loadSettings(tx);
      const minutes = Math.min(LOST_PHONE_CODE_MINUTES, oneTimeCodeMinutes);
      const codeExpiresAt = now + minutes * 60_000;
      const voidedOneTime = await tx.codes.voidOneTime(user.id, now);
      await tx.codes.insertOneTime({ userId: user.id, salt, hash, createdAt: now, expiresAt: codeExpiresAt });
      await auditAction(tx, session, user, 'lost-phone.one-time-code', c, linked({ expiresAt: new Date(codeExpiresAt).toISOString(), minutes, voided: voidedOneTime }), now);

      let enrollment: LostPhoneResult['enrollment'];
      if (enrollmentCode) {
        const { expiresAt, replaced } = await storeEnrollmentCode(tx as ServerWriteTx, session, user, enrollmentCode, now);
        await auditAction(tx, session, user, 'lost-phone.enrollment-code', c, linked({ expiresAt: new Date(expiresAt).toISOString(), replacedCode: replaced }), now);
        enrollment = { mode: 'self', pagePath: SELF_ENROLLMENT_PATH, code: groupEnrollmentCode(enrollmentCode.code), expiresAt };
      } else {
        const issued = await createPending(store, tx, session, user, fresh!, now);
        await auditAction(tx, session, user, 'lost-phone.reenroll', c, linked({ enrollmentId: issued.enrollmentId, sheetId: issued.sheetId, deadline: new Date(issued.deadline).toISOString() }), now);
        enrollment = { mode: 'agent', ...issued };
      }

      // The one event the velocity limits and the privileged-user alert count: one change.
      await auditAction(tx, session, user, 'lost-phone', c, linked({ mode: enrollment.mode, revokedAuthenticator: revoked > 0, oneTimeCodeExpiresAt: new Date(codeExpiresAt).toISOString(), ...(enrollment.mode === 'agent' ? { enrollmentId: enrollment.enrollmentId, sheetId: enrollment.sheetId } : {}) }), now);
      await queueNotification(tx, user, 'lost-phone', now);
      return { actionId, revokedAuthenticator: revoked > 0, oneTimeCode: { code: groupOneTimeCode(code), expiresAt: codeExpiresAt }, enrollment };
    });
  } finally {
    fresh?.secret.fill(0);
  }
}
