/**
 * Alerts for admins: audit events that need a person's attention (an operator over a velocity
 * limit, an action on a privileged user, refused verifications in a row, a replayed code, a
 * sign-in lock, a single admin's cool-down). Raised by main in the transaction of their audit
 * event; never carry a code, secret or key.
 */
export const ALERT_KINDS = ['over-limit', 'privileged-user', 'refused-streak', 'replay', 'signin-lock', 'single-admin-cooldown'] as const;

export type AlertKind = (typeof ALERT_KINDS)[number];

/** One alert as the app and the command line show it. */
export interface AlertView {
  id: number;
  kind: AlertKind;
  /** When the event happened (epoch ms). */
  at: number;
  /** The audit event that raised it (its seq). */
  auditSeq: number;
  action: string;
  outcome: string;
  operator: string | null;
  userId: number | null;
  userEmail: string | null;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
}
