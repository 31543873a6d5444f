// Velocity limits per operator (admins included): more factor changes than the settings allow in
// an hour or a day need a second person. Counted from the operator's own audit events in the
// store, inside the write transaction of the change itself, so the limit holds across restarts,
// command-line processes and server instances, and two writers cannot both slip under it.
import { FactorDeskError, fail } from './errors.ts';
import type { Session } from './session.ts';
import type { Store, WriteTx } from '../store/port.ts';
import { loadSettings, type Settings } from './settings.ts';
import { auditAction, operatorOwning, type ActionContext, type UserRow } from './actions.ts';
import type { ApprovalAction, ApprovalOptions, ApprovalTrigger } from '../../contract/approvals.ts';
import { clockTime, isApprovalAction, statusAt } from './approval-status.ts';

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

/** The options a change was asked with, kept on its approval request to run it the same way. */
export type ChangeOptions = ApprovalOptions;

/**
 * The gate every factor change passes inside its write transaction, after the identity checks.
 * - Run from an approval (ctx.approvalId): the request must be this operator's, for this action
 *   and user, approved (or past a single admin's cool-down) and not expired; it is marked done
 *   and `approval.run` written, and no limit applies (the approval authorised it).
 * - Else a change that is over the operator's velocity limits, on a privileged user (VIP or an
 *   operator's own account) or one the settings always send for approval is stored as a request
 *   (checks, ticket, reason and options; no secret exists yet) with one audit event
 *   (approval.requested, carrying the window, limit and count when over a limit) and answered
 *   APPROVAL_PENDING.
 *   With no other active admin the request cools down instead and may run after the delay.
 * - A step with no ticket of its own (confirming an enrollment) over the limits is refused
 *   (APPROVAL_REQUIRED), as before.
 * Returns the Refusal to hand back (its events commit), or null to go on.
 */
export async function checkVelocity(tx: WriteTx, session: Session, user: UserRow, action: FactorChangeAction, ctx: ActionContext | null, now: number, options: ChangeOptions = {}): Promise<Refusal | null> {
  if (ctx?.approvalId !== undefined) {
    await useApproval(tx, session, user, action, ctx, now);
    return null;
  }
  const settings = await loadSettings(tx);
  const over = await overLimit(tx, session, settings, now);
  if (ctx === null || !isApprovalAction(action)) {
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
  const triggers: ApprovalTrigger[] = [];
  if (over) triggers.push('over-limit');
  if (await tx.approvals.isPrivileged(user.id)) triggers.push('privileged-user');
  const owner = await operatorOwning(tx, user);
  if (owner) triggers.push('operator-account');
  if ((settings.approveEveryReenrollment && (action === 'enrollment.reenroll' || action === 'enrollment.regenerate' || action === 'lost-phone')) || (settings.approveEveryOneTimeCode && action === 'code.issue-one-time')) triggers.push('policy');
  if (triggers.length === 0) return null;
  return requestApproval(tx, session, user, action, ctx, now, options, triggers, settings, owner?.id ?? null, over);
}

async function overLimit(tx: WriteTx, session: Session, settings: Settings, now: number): Promise<{ window: 'hour' | 'day'; limit: number; count: number } | null> {
  const { velocityPerHour, velocityPerDay } = settings;
  const count = (since: number) => tx.audit.countSince({ operator: session.name, actions: FACTOR_CHANGE_ACTIONS, outcome: 'ok', since });
  const lastHour = await count(now - HOUR_MS);
  if (lastHour >= velocityPerHour) return { window: 'hour', limit: velocityPerHour, count: lastHour };
  const lastDay = await count(now - DAY_MS);
  return lastDay >= velocityPerDay ? { window: 'day', limit: velocityPerDay, count: lastDay } : null;
}

async function requestApproval(tx: WriteTx, session: Session, user: UserRow, action: ApprovalAction, ctx: ActionContext, now: number, options: ChangeOptions, triggers: ApprovalTrigger[], settings: Settings, ownerId: string | null, over: { window: 'hour' | 'day'; limit: number; count: number } | null): Promise<Refusal> {
  // Only an active admin other than the requester (and not the user's own operator) can lift the wait; without one, a cool-down.
  const deciders = (await tx.operators.list()).filter((o) => o.role === 'admin' && o.status === 'active' && o.id !== session.operatorId && o.id !== ownerId);
  const cooling = deciders.length === 0;
  const runnableAt = cooling ? now + settings.approvalCooldownMinutes * 60_000 : null;
  const expiresAt = (runnableAt ?? now) + settings.approvalMinutes * 60_000;
  const a = await tx.approvals.insert({
    action,
    userId: user.id,
    userEmail: user.email,
    requester: session.name,
    requesterId: session.operatorId,
    triggers,
    checks: ctx.checks,
    ticket: ctx.ticket,
    reason: ctx.reason,
    options: pickOptions(action, options),
    status: cooling ? 'cooling' : 'pending',
    createdAt: now,
    expiresAt,
    runnableAt,
  });
  const details = { approvalId: a.id, attempted: action, triggers, ...(over ?? {}), expiresAt: new Date(expiresAt).toISOString(), ...(runnableAt !== null ? { runnableAt: new Date(runnableAt).toISOString() } : {}) };
  await auditAction(tx, session, user, cooling ? 'approval.cooldown-started' : 'approval.requested', ctx, details, now, 'pending');
  const why = triggers.includes('over-limit') ? 'You are over your limit of factor changes.' : triggers.includes('policy') ? 'The settings send every such change for approval.' : 'This user is privileged.';
  const message = cooling
    ? `${why} There is no other admin to approve it, so it waits ${settings.approvalCooldownMinutes} minutes: run it (approval ${a.id}) from ${clockTime(runnableAt!)} unless an admin rejects it. Nothing was changed yet.`
    : `${why} The change waits for another admin's approval as request ${a.id}; once approved, run it before ${clockTime(expiresAt)}. Nothing was changed yet.`;
  return new Refusal(new FactorDeskError('APPROVAL_PENDING', message, { approvalId: a.id, expiresAt, status: cooling ? 'cooling' : 'pending', ...(runnableAt !== null ? { runnableAt } : {}) }));
}

function pickOptions(action: ApprovalAction, o: ChangeOptions): ChangeOptions {
  if (action === 'code.issue-one-time') return o.minutes !== undefined ? { minutes: o.minutes } : {};
  if (action === 'enrollment.reenroll') return { voidCodes: o.voidCodes === true, withBackupCodes: o.withBackupCodes === true };
  return {};
}

/** Checks and uses up the approval a change is run from (see checkVelocity); throws when it may not run. */
async function useApproval(tx: WriteTx, session: Session, user: UserRow, action: FactorChangeAction, ctx: ActionContext, now: number): Promise<void> {
  const id = ctx.approvalId!;
  const a = await tx.approvals.get(id);
  if (!a) fail('NOT_FOUND', 'There is no approval request with that id.');
  if (a.requesterId !== session.operatorId) fail('FORBIDDEN', `Only ${a.requester}, who asked for it, can run approval ${id}.`);
  if (a.action !== action || a.userId !== user.id) fail('BAD_REQUEST', `Approval ${id} is for ${a.action} on ${a.userEmail}, not this change.`);
  const status = statusAt(a, now);
  if (status === 'pending') fail('APPROVAL_PENDING', `Approval ${id} has not been approved yet. Ask another admin to approve it.`, { approvalId: id, expiresAt: a.expiresAt, status: 'pending' });
  if (status === 'cooling' && now < a.runnableAt!) fail('APPROVAL_PENDING', `Approval ${id} is in its cool-down: run it from ${clockTime(a.runnableAt!)}.`, { approvalId: id, expiresAt: a.expiresAt, runnableAt: a.runnableAt!, status: 'cooling' });
  if (status !== 'approved' && status !== 'cooling') fail('APPROVAL_CLOSED', closedMessage(id, status), { status });
  if (!(await tx.approvals.markDone(id, ['approved', 'cooling'], now))) fail('APPROVAL_CLOSED', closedMessage(id, 'done'), { status: 'done' });
  await auditAction(tx, session, user, 'approval.run', ctx, { approvalId: id, attempted: action, decidedBy: a.decidedBy }, now);
}

/** Why a request can no longer be decided or run, in words. */
export function closedMessage(id: number, status: string): string {
  if (status === 'done') return `Approval ${id} was run before; an approval runs once. Ask again for a new change.`;
  if (status === 'rejected') return `Approval ${id} was rejected. Nothing was changed.`;
  if (status === 'expired') return `Approval ${id} expired before it was run. Nothing was changed; ask again if it is still needed.`;
  return `Approval ${id} was already ${status}.`;
}
