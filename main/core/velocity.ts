// Velocity limits per operator (admins included): more factor changes than the settings allow in
// an hour or a day need a second person. Counted from the operator's own audit events in the
// store, inside the write transaction of the change itself, so the limit holds across restarts,
// command-line processes and server instances, and two writers cannot both slip under it.
import { FactorDeskError } from './errors.ts';
import type { Session } from './session.ts';
import type { Store, WriteTx } from '../store/port.ts';
import { loadSettings } from './settings.ts';
import { auditAction, type ActionContext, type UserRow } from './actions.ts';

/**
 * The audit actions that are one factor change each (counted when their outcome is ok). The
 * lost-phone action is one change: only its `lost-phone` event counts, not the linked
 * `lost-phone.*` events of its steps.
 */
export const FACTOR_CHANGE_ACTIONS = ['code.issue-one-time', 'code.backup-codes', 'enrollment.reenroll', 'enrollment.regenerate', 'enrollment.confirm', 'lock.clear', 'sms.remove', 'lost-phone'] as const;
export type FactorChangeAction = (typeof FACTOR_CHANGE_ACTIONS)[number];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * A change the transaction refused but whose refusal must be recorded: the write callback
 * returns it (so the audit event commits) and `writeChange` throws its error after the commit.
 */
export class Refusal {
  readonly error: FactorDeskError;
  constructor(error: FactorDeskError) {
    this.error = error;
  }
}

/** Runs a factor change's write; a returned Refusal is committed (its audit event) and then thrown. */
export async function writeChange<T>(store: Store, fn: (tx: WriteTx) => Promise<T | Refusal>): Promise<T> {
  const r = await store.write(fn);
  if (r instanceof Refusal) throw r.error;
  return r;
}

/**
 * Checks the session's operator against the velocity limits before the change `action` on `user`
 * (call inside its write transaction, after the identity checks). Over a limit it appends a
 * `velocity.exceeded` event (refused, with the checks, ticket and reason of the attempt) and
 * returns the Refusal to hand back; else null.
 */
export async function checkVelocity(tx: WriteTx, session: Session, user: UserRow, action: FactorChangeAction, ctx: ActionContext | null, now: number): Promise<Refusal | null> {
  const { velocityPerHour, velocityPerDay } = await loadSettings(tx);
  const count = (since: number) => tx.audit.countSince({ operator: session.name, actions: FACTOR_CHANGE_ACTIONS, outcome: 'ok', since });
  const lastHour = await count(now - HOUR_MS);
  const lastDay = lastHour >= velocityPerHour ? lastHour : await count(now - DAY_MS);
  const over = lastHour >= velocityPerHour ? { window: 'hour' as const, limit: velocityPerHour, count: lastHour } : lastDay >= velocityPerDay ? { window: 'day' as const, limit: velocityPerDay, count: lastDay } : null;
  if (!over) return null;
  await auditAction(tx, session, user, 'velocity.exceeded', ctx, { attempted: action, ...over }, now, 'refused');
  return new Refusal(
    new FactorDeskError(
      'APPROVAL_REQUIRED',
      `You made ${over.count} factor changes in the last ${over.window}; the limit is ${over.limit} per ${over.window}. A change over the limit needs a second person's approval: wait, or ask another operator.`,
      { window: over.window, limit: over.limit },
    ),
  );
}
