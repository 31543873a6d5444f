import type { Session } from './session.ts';
import type { ReadTx, Store } from '../store/port.ts';
import { requireRole } from './roles.ts';
import type { AuditEvent } from './audit.ts';
import { maskPhone } from './text.ts';
import { auditAction, loadUser, operatorOwning } from './actions.ts';
import { worstState } from './verify.ts';

/** What a user's page shows. No secret, hash or key: only states, times and masked numbers. */
export interface FactorSummary {
  user: { id: number; email: string; name: string; phone: string | null; organization: string | null; status: 'active' | 'disabled'; externalId: string | null };
  authenticator: { status: 'active' | 'pending' | 'revoked' | 'none'; enrolledAt: number | null; lastUsedAt: number | null };
  pending: { enrollmentId: number; createdAt: number; deadline: number; sheetId: string | null } | null;
  sms: { masked: string; verified: boolean; usage: 'login-only' | 'login-and-approvals' } | null;
  backupCodes: { remaining: number; total: number; createdAt: number } | null;
  oneTimeCode: { active: boolean; expiresAt: number | null };
  verification: { failures: number; locked: boolean; lockedUntil: number | null };
  /** Each factor change waits for a second person's approval: marked VIP by an admin, or an operator's own account. */
  privileged: { marked: boolean; operatorAccount: boolean };
  recentEvents: AuditEvent[];
}

/** Views of one user by one operator within this long after a recorded view are not recorded again. */
export const VIEW_FOLD_MS = 5 * 60_000;

/**
 * Opens a user's page: the factor summary and the last 20 events about the user. This (not a
 * search keystroke) is the audited view, so it writes `user.view` in the same transaction;
 * repeated views of the same user by the same operator within VIEW_FOLD_MS of the recorded one
 * are folded into it (a page refreshed after each action would otherwise flood the log and the
 * user's recent activity).
 */
export async function getUserFactors(store: Store, session: Session, userId: number): Promise<FactorSummary> {
  requireRole(session, 'users:view');
  // A session that can only read (a read-only folder, a full disk) still shows the page: it can
  // write no `user.view`, and its sign-in said that it is not audited.
  if (store.readOnly) return store.read((tx) => summarize(tx, userId, store.clock.now()));
  return store.write(async (tx) => {
    const u = await loadUser(tx, userId);
    const now = store.clock.now();
    await tx.authenticators.lapseExpired(u.id, now);
    const summary = await summarize(tx, userId, now);
    const [seen] = await tx.audit.list({ userId: u.id, operator: session.name, action: 'user.view', from: now - VIEW_FOLD_MS + 1, limit: 1 });
    if (!seen || seen.at > now) await auditAction(tx, session, u, 'user.view', null, {}, now);
    return summary;
  });
}

/** The page of a user as the store holds it at `now` (a set-up past its deadline counts as lapsed). */
async function summarize(tx: ReadTx, userId: number, now: number): Promise<FactorSummary> {
  const u = await loadUser(tx, userId);
  const auths = await tx.authenticators.listForUser(u.id);
  const active = auths.find((a) => a.status === 'active');
  const pending = auths.find((a) => a.status === 'pending' && (a.setupDeadline === null || a.setupDeadline > now));
  const revoked = auths.find((a) => a.status === 'revoked');
  const shown = active ?? (pending ? undefined : revoked);
  const authenticator: FactorSummary['authenticator'] = {
    status: active ? 'active' : pending ? 'pending' : revoked ? 'revoked' : 'none',
    enrolledAt: shown?.activatedAt ?? null,
    lastUsedAt: shown?.lastUsedAt ?? null,
  };
  const sms = await tx.sms.get(u.id);
  const set = await tx.codes.activeBackupSet(u.id);
  const otcExpiry = await tx.codes.activeOneTimeExpiry(u.id, now);
  // The worst of the clients' states: locked while any client is (see verify.ts throttleClient).
  const verification = worstState(await tx.verification.list(u.id), now);
  const recentEvents = await tx.audit.list({ userId: u.id, limit: 20 });
  const privileged = { marked: await tx.approvals.isPrivileged(u.id), operatorAccount: (await operatorOwning(tx, u)) !== null };
  return {
    user: { id: u.id, email: u.email, name: u.name, phone: u.phone, organization: u.organization, status: u.status, externalId: u.externalId },
    authenticator,
    pending: pending ? { enrollmentId: pending.id, createdAt: pending.createdAt, deadline: pending.setupDeadline ?? pending.createdAt, sheetId: pending.sheetId } : null,
    sms: sms ? { masked: maskPhone(sms.phone), verified: sms.verified, usage: sms.purpose === 'approvals' ? 'login-and-approvals' : 'login-only' } : null,
    backupCodes: set ? { remaining: set.remaining, total: set.total, createdAt: set.createdAt } : null,
    oneTimeCode: { active: otcExpiry !== null, expiresAt: otcExpiry },
    verification,
    privileged,
    recentEvents,
  };
}
