import type { AuditEvent, AuditFilter, AuditInput } from '../core/audit.ts';
import { alertsForEvent } from '../core/alert-rules.ts';
import type { AuditCountQuery, AuditRead, AuditRepo } from './repos/audit.ts';
import type { AlertListener, AlertRecord, AlertsRepo } from './repos/alerts.ts';

export type { AlertListener };
import type { OperatorsRead } from './repos/operators.ts';

/**
 * The audit repository of a write transaction with the alert rules in its append: each appended
 * event is matched against ALERT_RULES and its alerts are stored in the same transaction (so an
 * alert exists exactly when its event does). New alerts are collected in `raised`, which the
 * store hands to its alert listeners after COMMIT.
 */
export class AlertingAudit implements AuditRepo {
  private readonly inner: AuditRepo;
  private readonly alerts: AlertsRepo;
  private readonly operators: OperatorsRead;
  private readonly raised: AlertRecord[];

  constructor(inner: AuditRepo, alerts: AlertsRepo, operators: OperatorsRead, raised: AlertRecord[]) {
    this.inner = inner;
    this.alerts = alerts;
    this.operators = operators;
    this.raised = raised;
  }

  head(): Promise<{ count: number; hash: string }> {
    return this.inner.head();
  }
  list(filter: AuditFilter): Promise<AuditEvent[]> {
    return this.inner.list(filter);
  }
  matching(filter: AuditFilter): AsyncIterable<AuditEvent> {
    return this.inner.matching(filter);
  }
  all(): AsyncIterable<AuditEvent> {
    return this.inner.all();
  }
  latestAt(): Promise<number | null> {
    return this.inner.latestAt();
  }
  countSince(q: AuditCountQuery): Promise<number> {
    return this.inner.countSince(q);
  }
  keepAnchor(): void {
    this.inner.keepAnchor();
  }

  async append(input: AuditInput, at: number): Promise<AuditEvent> {
    const e = await this.inner.append(input, at);
    await raiseAlerts(e, this.inner, this.alerts, this.operators, this.raised);
    return e;
  }
}

/**
 * Stores the alerts of one event already in the chain (`audit` reads the user's events up to it)
 * and adds them to `raised`: what an append does, and what a store does for events it chains
 * after their own transaction (PostgreSQL's routine verifications).
 */
export async function raiseAlerts(e: AuditEvent, audit: AuditRead, alerts: AlertsRepo, operators: OperatorsRead, raised: AlertRecord[]): Promise<void> {
  const kinds = await alertsForEvent(e, {
    recentForUser: (userId, limit) => audit.list({ userId, limit, beforeSeq: e.seq + 1 }),
    isOperatorUser: async (userId) => (await operators.list()).some((o) => o.userId === userId),
  });
  for (const kind of kinds) {
    // Only who, what and when: the event's details may name a reason but never a code.
    raised.push(await alerts.insert({ kind, at: e.at, auditSeq: e.seq, action: e.action, outcome: e.outcome, operator: e.operator, userId: e.userId, userEmail: e.userEmail }));
  }
}

/** The listeners of one store, told after each commit that raised alerts. */
export class AlertListeners {
  private readonly set = new Set<AlertListener>();

  /** Adds a listener; the function returned removes it. */
  add(l: AlertListener): () => void {
    this.set.add(l);
    return () => void this.set.delete(l);
  }

  /** Tells every listener; a failing listener never fails the committed action. */
  notify(alerts: AlertRecord[]): void {
    if (alerts.length === 0) return;
    for (const l of this.set) {
      try {
        void Promise.resolve(l(alerts)).catch(() => {});
      } catch {
        /* the action is committed: an alert output that fails must not report it as failed */
      }
    }
  }
}
