import { describe, expect, it } from 'vitest';
import { alertsForEvent, REFUSED_STREAK, type AlertLookups } from '../../main/core/alert-rules.ts';
import type { AuditEvent } from '../../main/core/audit.ts';

const event = (over: Partial<AuditEvent>): AuditEvent => ({ seq: 1, at: 1, operator: 'anne', action: 'user.view', userId: null, userEmail: null, checks: [], ticket: null, reason: null, outcome: 'ok', details: {}, prevHash: '', hash: '', ...over });

function lookups(operatorUsers: number[], recent: AuditEvent[] = []): AlertLookups {
  return { recentForUser: async () => recent, isOperatorUser: async (id) => operatorUsers.includes(id) };
}

describe('alert rules', () => {
  it('maps event types and outcomes to alert kinds', async () => {
    expect(await alertsForEvent(event({ action: 'velocity.exceeded', outcome: 'refused' }), lookups([]))).toEqual(['over-limit']);
    expect(await alertsForEvent(event({ action: 'approval.requested', outcome: 'pending', details: { triggers: ['over-limit'] } }), lookups([]))).toEqual(['over-limit']);
    expect(await alertsForEvent(event({ action: 'approval.requested', outcome: 'pending', details: { triggers: ['policy'] } }), lookups([]))).toEqual([]);
    expect(await alertsForEvent(event({ action: 'approval.cooldown-started', outcome: 'pending', details: { triggers: ['over-limit'] } }), lookups([]))).toEqual(['over-limit', 'single-admin-cooldown']);
    expect(await alertsForEvent(event({ action: 'signin.locked', outcome: 'refused' }), lookups([]))).toEqual(['signin-lock']);
    expect(await alertsForEvent(event({ action: 'approval.cooldown-started', outcome: 'ok' }), lookups([]))).toEqual(['single-admin-cooldown']);
    expect(await alertsForEvent(event({ action: 'enrollment.confirm', userId: 3, outcome: 'rejected', details: { reason: 'replay' } }), lookups([]))).toEqual(['replay']);
    expect(await alertsForEvent(event({ action: 'user.view', userId: 3 }), lookups([3]))).toEqual([]);
    expect(await alertsForEvent(event({ action: 'code.verify', userId: 3, outcome: 'accepted' }), lookups([3]))).toEqual([]);
  });

  it('a factor change that went through on a user linked to an operator is a privileged-user alert', async () => {
    const reset = event({ action: 'enrollment.reenroll', userId: 7, outcome: 'ok' });
    expect(await alertsForEvent(reset, lookups([7]))).toEqual(['privileged-user']);
    expect(await alertsForEvent(reset, lookups([8]))).toEqual([]);
    expect(await alertsForEvent({ ...reset, outcome: 'refused' }, lookups([7]))).toEqual([]);
  });

  it('raises a refused streak once, when it reaches the limit', async () => {
    const no = (n: number) => Array.from({ length: n }, (_, i) => event({ seq: 10 - i, action: 'code.verify', userId: 3, outcome: 'rejected', details: { reason: 'wrong' } }));
    const e = no(1)[0]!;
    expect(await alertsForEvent(e, lookups([], no(REFUSED_STREAK - 1)))).toEqual([]);
    expect(await alertsForEvent(e, lookups([], no(REFUSED_STREAK)))).toEqual(['refused-streak']);
    expect(await alertsForEvent(e, lookups([], no(REFUSED_STREAK + 1)))).toEqual([]);
    // An accepted code ends the streak.
    expect(await alertsForEvent(e, lookups([], [...no(2), event({ action: 'code.verify', userId: 3, outcome: 'accepted' }), ...no(2)]))).toEqual([]);
  });
});
