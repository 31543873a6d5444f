import { fail } from './errors.ts';
import type { Session } from './session.ts';
import type { Vault } from './vault.ts';
import { requireRole } from './roles.ts';
import { maskPhone } from './text.ts';
import { getSettings, findCheck } from './settings.ts';
import { auditAction, checkAction, loadUser, normalizeContext, queueNotification, setVerificationState, verificationState, MAX_TICKET_LENGTH, type ActionContext } from './actions.ts';

/** Removes the user's SMS factor (login by SMS stops working), audited and notified. */
export function removeSms(vault: Vault, session: Session, userId: number, ctx: ActionContext): { removed: true } {
  requireRole(session, 'sms:remove');
  return vault.write(() => {
    const user = checkAction(vault, session, userId, ctx);
    const c = normalizeContext(ctx);
    const row = vault.db.prepare('SELECT phone FROM sms_factors WHERE user_id = ?').get(user.id) as { phone: string } | undefined;
    if (!row) fail('CONFLICT', 'This user has no SMS factor to remove.');
    vault.db.prepare('DELETE FROM sms_factors WHERE user_id = ?').run(user.id);
    const now = vault.now();
    auditAction(vault, session, user, 'sms.remove', c, { masked: maskPhone(row.phone) });
    queueNotification(vault, user, 'sms-removed', now);
    return { removed: true as const };
  });
}

/** Clears a user's verification lock and failure counter (admin, same identity checks). */
export function clearVerificationLock(vault: Vault, session: Session, userId: number, ctx: ActionContext): { failures: 0; locked: false } {
  requireRole(session, 'lock:clear');
  return vault.write(() => {
    const user = checkAction(vault, session, userId, ctx);
    const c = normalizeContext(ctx);
    const now = vault.now();
    const before = verificationState(vault.db, user.id);
    const wasLocked = before.lockedUntil !== null && before.lockedUntil > now;
    setVerificationState(vault.db, user.id, { failures: 0, lockedAt: null, lockedUntil: null });
    auditAction(vault, session, user, 'lock.clear', c, { previousFailures: before.failures, wasLocked });
    // A lifted lock lets guessing resume: the user should hear of it.
    queueNotification(vault, user, 'lock-cleared', now);
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
export function recordRefusedRequest(vault: Vault, session: Session, userId: number | null, req: RefusedRequest): { seq: number } {
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
  return vault.write(() => {
    const settings = getSettings(vault.db);
    const failedChecks = [...new Set(req.failedChecks.map((c) => c.trim()))];
    const unknown = failedChecks.filter((id) => !findCheck(settings, id));
    if (unknown.length > 0) fail('BAD_REQUEST', `Unknown identity check: ${unknown.join(', ')}. Choose from the list.`, { field: 'failedChecks', unknown });
    // The claimed user may not exist (a caller naming someone unknown): the request is still recorded.
    const user = userId === null ? null : loadUser(vault.db, userId);
    const details = { callerName, callerNumber, requested, failedChecks, notes };
    const e = user
      ? auditAction(vault, session, user, 'request.refused', { checks: [], ticket, reason: requested }, details, 'refused')
      : vault.audit({ action: 'request.refused', operator: session.name, checks: [], ticket, reason: requested, outcome: 'refused', details });
    return { seq: e.seq };
  });
}
