import type { Session } from './session.ts';
import type { Vault } from './vault.ts';
import { requireRole } from './roles.ts';
import { listAudit, type AuditEvent } from './audit.ts';
import { maskPhone } from './text.ts';
import { auditAction, lapseExpiredEnrollments, loadUser, verificationState } from './actions.ts';
import { isLocked } from './verify.ts';

/** What a user's page shows. No secret, hash or key: only states, times and masked numbers. */
export interface FactorSummary {
  user: { id: number; email: string; name: string; phone: string | null; organization: string | null; status: 'active' | 'disabled'; externalId: string | null };
  authenticator: { status: 'active' | 'pending' | 'revoked' | 'none'; enrolledAt: number | null; lastUsedAt: number | null };
  pending: { enrollmentId: number; createdAt: number; deadline: number; sheetId: string | null } | null;
  sms: { masked: string; verified: boolean; usage: 'login-only' } | null;
  backupCodes: { remaining: number; total: number; createdAt: number } | null;
  oneTimeCode: { active: boolean; expiresAt: number | null };
  verification: { failures: number; locked: boolean; lockedUntil: number | null };
  recentEvents: AuditEvent[];
}

interface AuthRow {
  id: number;
  status: 'pending' | 'active' | 'revoked' | 'voided' | 'lapsed';
  sheet_id: string | null;
  created_at: number;
  setup_deadline: number | null;
  activated_at: number | null;
  last_used_at: number | null;
}

/**
 * Opens a user's page: the factor summary and the last 20 events about the user. This (not a
 * search keystroke) is the audited view, so it writes `user.view` in the same transaction.
 */
export function getUserFactors(vault: Vault, session: Session, userId: number): FactorSummary {
  requireRole(session, 'users:view');
  return vault.write(() => {
    const db = vault.db;
    const u = loadUser(db, userId);
    const now = vault.now();
    lapseExpiredEnrollments(db, u.id, now);
    // Only the columns a summary needs: the secret column is never read here.
    const auths = db
      .prepare('SELECT id, status, sheet_id, created_at, setup_deadline, activated_at, last_used_at FROM authenticators WHERE user_id = ? ORDER BY id DESC')
      .all(u.id) as AuthRow[];
    const active = auths.find((a) => a.status === 'active');
    const pending = auths.find((a) => a.status === 'pending');
    const revoked = auths.find((a) => a.status === 'revoked');
    const shown = active ?? (pending ? undefined : revoked);
    const authenticator: FactorSummary['authenticator'] = {
      status: active ? 'active' : pending ? 'pending' : revoked ? 'revoked' : 'none',
      enrolledAt: shown?.activated_at ?? null,
      lastUsedAt: shown?.last_used_at ?? null,
    };
    const sms = db.prepare('SELECT phone, verified FROM sms_factors WHERE user_id = ?').get(u.id) as { phone: string; verified: number } | undefined;
    const set = db
      .prepare(
        `SELECT s.total, s.created_at, (SELECT count(*) FROM backup_codes c WHERE c.set_id = s.id AND c.used_at IS NULL) AS remaining
         FROM backup_code_sets s WHERE s.user_id = ? AND s.status = 'active' ORDER BY s.id DESC LIMIT 1`,
      )
      .get(u.id) as { total: number; created_at: number; remaining: number } | undefined;
    const otc = db
      .prepare("SELECT expires_at FROM one_time_codes WHERE user_id = ? AND status = 'active' AND expires_at > ? ORDER BY id DESC LIMIT 1")
      .get(u.id, now) as { expires_at: number } | undefined;
    const state = verificationState(db, u.id);
    const locked = isLocked(state, now);
    const recentEvents = listAudit(db, { userId: u.id, limit: 20 });
    auditAction(vault, session, u, 'user.view', null, {});
    return {
      user: { id: u.id, email: u.email, name: u.name, phone: u.phone, organization: u.organization, status: u.status, externalId: u.external_id },
      authenticator,
      pending: pending ? { enrollmentId: pending.id, createdAt: pending.created_at, deadline: pending.setup_deadline ?? pending.created_at, sheetId: pending.sheet_id } : null,
      sms: sms ? { masked: maskPhone(sms.phone), verified: sms.verified === 1, usage: 'login-only' } : null,
      backupCodes: set ? { remaining: set.remaining, total: set.total, createdAt: set.created_at } : null,
      oneTimeCode: { active: otc !== undefined, expiresAt: otc?.expires_at ?? null },
      verification: { failures: state.failures, locked, lockedUntil: locked ? state.lockedUntil : null },
      recentEvents,
    };
  });
}
