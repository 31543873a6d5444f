import type { Session } from './session.ts';
import type { AuditEvent, AuditInput } from './audit.ts';
import type { WriteTx } from '../store/port.ts';

/**
 * Appends an event in the name of the session: the operator and the door it came through
 * (`via`: app, cli, https, radius, self-enrollment), so an action leaves the same event whichever
 * door it came through, apart from `via`.
 */
export function auditAs(tx: WriteTx, session: Session, input: Omit<AuditInput, 'operator'>, at: number): Promise<AuditEvent> {
  return tx.audit.append(sessionEvent(session, input), at);
}

/** The event `input` in the name of the session: its operator, and its door in `details.via`. */
export function sessionEvent(session: Session, input: Omit<AuditInput, 'operator'>): AuditInput {
  return { ...input, operator: session.name, details: { ...(input.details ?? {}), via: session.via ?? 'app' } };
}
