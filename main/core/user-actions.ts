import { fail } from './errors.ts';
import type { Session } from './session.ts';
import type { Store } from '../store/port.ts';
import { requireRole } from './roles.ts';
import { worstState } from './verify.ts';
import { maskPhone } from './text.ts';
import { loadSettings, findCheck } from './settings.ts';
import { auditAction, auditAs, checkAction, loadUser, normalizeContext, queueNotification, MAX_TICKET_LENGTH, type ActionContext } from './actions.ts';
import { checkVelocity, writeChange } from './velocity.ts';

/** Removes the user's SMS factor (login by SMS stops working), audited and notified. */
export async function removeSms(store: Store, session: Session, userId: number, ctx: ActionContext): Promise<{ removed: true }> {
  requireRole(session, 'sms:remove');
  const c = normalizeContext(ctx);
  return writeChange(store, async (tx) => {
    const user = await checkAction(tx, session, userId, ctx);
    const row = await tx.sms.get(user.id);
    if (!row) fail('CONFLICT', 'This user has no SMS factor to remove.');
    const now = store.clock.now();
    const refused = await checkVelocity(tx, session, user, 'sms.remove', c, now);
    if (refused) return refused;
    await tx.sms.remove(user.id);
    await auditAction(tx, session, user, 'sms.remove', c, { masked: maskPhone(row.phone) }, now);
    await queueNotification(tx, user, 'sms-removed', now);
    return { removed: true as const };
  });
}

/** Clears a user's verification locks and failure counters for every client, also hard locks (admin, same identity checks). */
export async function clearVerificationLock(store: Store, session: Session, userId: number, ctx: ActionContext): Promise<{ failures: 0; locked: false }> {
  requireRole(session, 'lock:clear');
  const c = normalizeContext(ctx);
  return writeChange(store, async (tx) => {
    const user = await checkAction(tx, session, userId, ctx);
    const now = store.clock.now();
    const refused = await checkVelocity(tx, session, user, 'lock.clear', c, now);
    if (refused) return refused;
    // Every client's state (and the one kept from before counting was per client) goes.
    const before = worstState(await tx.verification.list(user.id), now);
    await tx.verification.clear(user.id);
    await auditAction(tx, session, user, 'lock.clear', c, { previousFailures: before.failures, wasLocked: before.locked }, now);
    // A lifted lock lets guessing resume: the user should hear of it.
    await queueNotification(tx, user, 'lock-cleared', now);
    return { failures: 0 as const, locked: false as const };
  });
}

/** A request the agent refused because the identity checks failed. */
export interface RefusedRequest {
  callerName: string;
  callerNumber?: string;
  requested: string;
  failedChecks: string[];
  ticket: string;
  notes?: string;
}

function text(v: unknown, field: string, max: number, required: boolean, what: string): string | null {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
    if (required) fail(field === 'ticket' ? 'TICKET_REQUIRED' : 'BAD_REQUEST', `Enter ${what}.`, { field });
    return null;
  }
  if (typeof v !== 'string') fail('BAD_REQUEST', `${what} must be text.`, { field });
  const s = v.trim().normalize('NFC');
  if (s.length > max) fail('BAD_REQUEST', `Shorten ${what} to at most ${max} characters.`, { field });
  if (/[\p{Cc}\u202A-\u202E\u2066-\u2069]/u.test(s)) fail('BAD_REQUEST', `${what} contains control characters. Type it again.`, { field });
  return s;
}

/**
 * Records a request refused for failed identity checks (who called, from where, what they
 * asked, which checks failed). Admins find these with listAudit({ action: 'request.refused' }).
 */
export async function recordRefusedRequest(store: Store, session: Session, userId: number | null, req: RefusedRequest): Promise<{ seq: number }> {
  requireRole(session, 'requests:refuse');
  if (typeof req !== 'object' || req === null) fail('BAD_REQUEST', 'Describe the refused request.', { field: 'request' });
  const callerName = text(req.callerName, 'callerName', 200, true, 'who called')!;
  const callerNumber = text(req.callerNumber, 'callerNumber', 40, false, 'the number they called from');
  const requested = text(req.requested, 'requested', 500, true, 'what they asked for')!;
  const ticket = text(req.ticket, 'ticket', MAX_TICKET_LENGTH, true, 'the ticket reference')!;
  const notes = text(req.notes, 'notes', 1000, false, 'the notes');
  if (!Array.isArray(req.failedChecks) || req.failedChecks.length > 20 || req.failedChecks.some((c) => typeof c !== 'string')) {
    fail('BAD_REQUEST', 'The failed checks must be a list of check ids.', { field: 'failedChecks' });
  }
  return store.write(async (tx) => {
    const settings = await loadSettings(tx);
    const failedChecks = [...new Set(req.failedChecks.map((c) => c.trim()))];
    const unknown = failedChecks.filter((id) => !findCheck(settings, id));
    if (unknown.length > 0) fail('BAD_REQUEST', `Unknown identity check: ${unknown.join(', ')}. Choose from the list.`, { field: 'failedChecks', unknown });
    // The claimed user may not exist (a caller naming someone unknown): the request is still recorded.
    const user = userId === null ? null : await loadUser(tx, userId);
    const details = { callerName, callerNumber, requested, failedChecks, notes };
    const now = store.clock.now();
    const e = user
      ? await auditAction(tx, session, user, 'request.refused', { checks: [], ticket, reason: requested }, details, now, 'refused')
      : await auditAs(tx, session, { action: 'request.refused', checks: [], ticket, reason: requested, outcome: 'refused', details }, now);
    return { seq: e.seq };
  });
}
