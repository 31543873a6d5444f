import type { AlertView } from '../../contract/alerts.ts';
import type { Store } from '../store/port.ts';
import { auditAs } from './audit-as.ts';
import { fail } from './errors.ts';
import { requireRole } from './roles.ts';
import type { Session } from './session.ts';

/** Alerts newest first (admin, 'alerts:list'): open ones, or every one with `all`; and the open count. */
export async function listAlerts(store: Store, session: Session, q: { all?: boolean; limit?: number } = {}): Promise<{ alerts: AlertView[]; open: number }> {
  requireRole(session, 'alerts:list');
  return store.read(async (tx) => ({ alerts: await tx.alerts.list({ all: q.all === true, limit: q.limit ?? 500 }), open: await tx.alerts.countOpen() }));
}

/**
 * Acknowledges one alert (admin, 'alerts:ack'), audited as alert.acknowledged in the same
 * transaction. An alert acknowledged before is answered as it is (changed: false), not again.
 */
export async function acknowledgeAlert(store: Store, session: Session, id: number): Promise<{ alert: AlertView; changed: boolean }> {
  requireRole(session, 'alerts:ack');
  return store.write(async (tx) => {
    const now = store.clock.now();
    const before = await tx.alerts.get(id);
    if (!before) fail('NOT_FOUND', 'There is no alert with that id.');
    if (!(await tx.alerts.acknowledge(id, session.name, now))) return { alert: before, changed: false };
    await auditAs(tx, session, { action: 'alert.acknowledged', userId: before.userId, userEmail: before.userEmail, outcome: 'ok', details: { alertId: id, kind: before.kind, auditSeq: before.auditSeq } }, now);
    return { alert: { ...before, acknowledgedAt: now, acknowledgedBy: session.name }, changed: true };
  });
}
