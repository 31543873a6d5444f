import type { AlertKind } from '../../contract/alerts.ts';
import type { AuditEvent } from './audit.ts';
import { FACTOR_CHANGE_ACTIONS } from './velocity.ts';

/** How many refused verifications or requests in a row for one user raise a refused-streak alert. */
export const REFUSED_STREAK = 3;

/** Actions that count towards a user's refused streak (a refusal) or end it (anything else). */
export const STREAK_ACTIONS = ['code.verify', 'request.refused'] as const;

/** What the rules may look up beside the event: the user's latest events and operator links. */
export interface AlertLookups {
  /** The user's events newest first (this one included), at most `limit`. */
  recentForUser(userId: number, limit: number): Promise<AuditEvent[]>;
  /** True when the directory user is linked to an operator account (a privileged user). */
  isOperatorUser(userId: number): Promise<boolean>;
}

/** One rule: a pure match on the event, or a match that needs a look-up. */
interface AlertRule {
  kind: AlertKind;
  match(e: AuditEvent, look: AlertLookups): boolean | Promise<boolean>;
}

const refused = (e: AuditEvent) => e.outcome === 'rejected' || e.outcome === 'refused';

/** Audit event type and outcome → alert kind. Evaluated for every appended event. */
export const ALERT_RULES: readonly AlertRule[] = [
  {
    kind: 'over-limit',
    // Refused over the limit, or sent for approval because of it.
    match: (e) => e.action === 'velocity.exceeded' || ((e.action === 'approval.requested' || e.action === 'approval.cooldown-started') && Array.isArray(e.details.triggers) && e.details.triggers.includes('over-limit')),
  },
  {
    kind: 'privileged-user',
    // A factor change (or an update) that went through on a user who is also an operator.
    match: (e, look) => e.userId !== null && e.outcome === 'ok' && ([...FACTOR_CHANGE_ACTIONS, 'user.update'] as string[]).includes(e.action) && look.isOperatorUser(e.userId),
  },
  {
    kind: 'refused-streak',
    // Raised once when the streak reaches REFUSED_STREAK, not again for each refusal after it.
    match: async (e, look) => {
      if (e.userId === null || !(STREAK_ACTIONS as readonly string[]).includes(e.action) || !refused(e) || e.details.reason === 'replay') return false;
      const recent = (await look.recentForUser(e.userId, 50)).filter((r) => (STREAK_ACTIONS as readonly string[]).includes(r.action) && r.details.reason !== 'replay');
      let streak = 0;
      for (const r of recent) {
        if (!refused(r)) break;
        streak++;
      }
      return streak === REFUSED_STREAK;
    },
  },
  { kind: 'replay', match: (e) => (e.action === 'code.verify' || e.action === 'enrollment.confirm') && e.details.reason === 'replay' },
  { kind: 'signin-lock', match: (e) => e.action === 'signin.locked' },
  { kind: 'single-admin-cooldown', match: (e) => e.action === 'approval.cooldown-started' },
];

/** The kinds of alert an appended event raises (usually none). */
export async function alertsForEvent(e: AuditEvent, look: AlertLookups): Promise<AlertKind[]> {
  const kinds: AlertKind[] = [];
  for (const rule of ALERT_RULES) if (await rule.match(e, look)) kinds.push(rule.kind);
  return kinds;
}
