// The server part of the store conformance suite: what `factordesk serve` keeps to let operators
// and clients in (tx.serverAuth, tx.radiusClients, tx.automationClients), through the port only, run against every
// store a server can run on (PostgreSQL and the vault folder).
import { describe, expect, it } from 'vitest';
import type { ServerStore } from '../../main/store/port.ts';
import type { StoreUnderTest } from './conformance.ts';

const OP = { name: 'anne', nameKey: 'anne', displayName: 'Anne Berg', email: null, emailKey: null, role: 'admin' as const, createdAt: 5, userId: null };
const KDF = { N: 1024, r: 8, p: 1 };

/** Defines the server cases; `t()` is the store under test of the running case. */
export function serverConformance(t: () => StoreUnderTest): void {
  describe('server sign-in data', () => {
    const server = () => t().store as ServerStore;
    const addOperator = (id: string, nameKey = id) => server().write((tx) => tx.operators.insert({ ...OP, id, name: nameKey, nameKey }));

    it('keeps a password verifier and a second factor whose step is used once, never an older one', async () => {
      const store = server();
      await addOperator('op-anne');
      expect(await store.read((tx) => tx.serverAuth.passwordVerifier('op-anne'))).toBeNull();
      await store.write((tx) => tx.serverAuth.setPasswordVerifier('op-anne', { salt: Buffer.alloc(16, 1), kdf: KDF, verifier: Buffer.alloc(32, 2), createdAt: 10 }));
      expect(await store.read((tx) => tx.serverAuth.passwordVerifier('op-anne'))).toEqual({ salt: Buffer.alloc(16, 1), kdf: KDF, verifier: Buffer.alloc(32, 2), createdAt: 10 });
      await store.write((tx) => tx.serverAuth.setPasswordVerifier('op-anne', { salt: Buffer.alloc(16, 3), kdf: KDF, verifier: Buffer.alloc(32, 4), createdAt: 11 }));
      expect(await store.read((tx) => tx.serverAuth.passwordVerifier('op-anne'))).toMatchObject({ salt: Buffer.alloc(16, 3), createdAt: 11 });

      await store.write((tx) => tx.serverAuth.setSecondFactor('op-anne', '{"sealed":1}', 12));
      expect(await store.read((tx) => tx.serverAuth.secondFactor('op-anne'))).toEqual({ sealed: '{"sealed":1}', lastStep: null, createdAt: 12 });
      expect(await store.write((tx) => tx.serverAuth.useSecondFactorStep('op-anne', 100))).toBe(true);
      expect(await store.write((tx) => tx.serverAuth.useSecondFactorStep('op-anne', 100))).toBe(false);
      expect(await store.write((tx) => tx.serverAuth.useSecondFactorStep('op-anne', 99))).toBe(false);
      expect(await store.write((tx) => tx.serverAuth.useSecondFactorStep('op-anne', 101))).toBe(true);
      // A new factor starts its step history over.
      await store.write((tx) => tx.serverAuth.setSecondFactor('op-anne', '{"sealed":2}', 13));
      expect(await store.read((tx) => tx.serverAuth.secondFactor('op-anne'))).toEqual({ sealed: '{"sealed":2}', lastStep: null, createdAt: 13 });
      expect(await store.write((tx) => tx.serverAuth.useSecondFactorStep('op-anne', 50))).toBe(true);
      await store.write((tx) => tx.serverAuth.removeSecondFactor('op-anne'));
      expect(await store.read((tx) => tx.serverAuth.secondFactor('op-anne'))).toBeNull();
      expect(await store.write((tx) => tx.serverAuth.useSecondFactorStep('op-anne', 60))).toBe(false);
    });

    it('sessions by token hash: the view carries the operator and when password and factor were set; touch only moves forward; revocation ends them', async () => {
      const store = server();
      await addOperator('op-anne');
      await addOperator('op-per');
      expect(await store.read((tx) => tx.serverAuth.sessionView('h-none'))).toBeNull();
      const base = { operatorId: 'op-anne', role: 'admin' as const, createdAt: 20, lastSeenAt: 20, expiresAt: 1000, revokedAt: null };
      await store.write(async (tx) => {
        await tx.serverAuth.createSession({ ...base, tokenHash: 'h1' });
        await tx.serverAuth.createSession({ ...base, tokenHash: 'h2' });
        await tx.serverAuth.createSession({ ...base, tokenHash: 'h3', operatorId: 'op-per', role: 'agent' });
      });
      expect(await store.read((tx) => tx.serverAuth.sessionView('h1'))).toMatchObject({ session: { ...base, tokenHash: 'h1' }, operator: { id: 'op-anne', name: 'op-anne', status: 'active' }, passwordSetAt: null, secondFactorSetAt: null });
      await store.write(async (tx) => {
        await tx.serverAuth.setPasswordVerifier('op-anne', { salt: Buffer.alloc(16), kdf: KDF, verifier: Buffer.alloc(32), createdAt: 15 });
        await tx.serverAuth.setSecondFactor('op-anne', '{}', 16);
      });
      expect(await store.read((tx) => tx.serverAuth.sessionView('h1'))).toMatchObject({ passwordSetAt: 15, secondFactorSetAt: 16 });
      await store.write((tx) => tx.serverAuth.touchSession('h1', 30));
      await store.write((tx) => tx.serverAuth.touchSession('h1', 25));
      expect(await store.read((tx) => tx.serverAuth.session('h1'))).toMatchObject({ lastSeenAt: 30, revokedAt: null });
      await store.write((tx) => tx.serverAuth.revokeSession('h1', 40));
      await store.write((tx) => tx.serverAuth.revokeSession('h1', 41));
      await store.write((tx) => tx.serverAuth.touchSession('h1', 50));
      expect(await store.read((tx) => tx.serverAuth.session('h1'))).toMatchObject({ lastSeenAt: 30, revokedAt: 40 });
      expect(await store.write((tx) => tx.serverAuth.revokeOperatorSessions('op-anne', 60))).toBe(1);
      expect(await store.write((tx) => tx.serverAuth.revokeOperatorSessions('op-anne', 61))).toBe(0);
      expect(await store.read((tx) => tx.serverAuth.session('h3'))).toMatchObject({ operatorId: 'op-per', role: 'agent', revokedAt: null });
    });

    it('keeps the sign-in throttle per name, the signed heads once each in order, and knows no client it was not given', async () => {
      const store = server();
      expect(await store.read((tx) => tx.serverAuth.signInState('anne'))).toEqual({ failures: 0, lastFailureAt: null, lockedUntil: null });
      await store.write((tx) => tx.serverAuth.setSignInState('anne', { failures: 2, lastFailureAt: 5, lockedUntil: null }));
      await store.write((tx) => tx.serverAuth.setSignInState('anne', { failures: 0, lastFailureAt: 6, lockedUntil: 99 }));
      expect(await store.read((tx) => tx.serverAuth.signInState('anne'))).toEqual({ failures: 0, lastFailureAt: 6, lockedUntil: 99 });
      expect(await store.read((tx) => tx.serverAuth.signInState('per'))).toEqual({ failures: 0, lastFailureAt: null, lockedUntil: null });
      await store.write(async (tx) => {
        await tx.serverAuth.addSignedHead({ count: 2, hash: 'b', at: 20, sig: 's2' });
        await tx.serverAuth.addSignedHead({ count: 1, hash: 'a', at: 10, sig: 's1' });
        await tx.serverAuth.addSignedHead({ count: 1, hash: 'a', at: 10, sig: 's1' });
      });
      expect(await store.read((tx) => tx.serverAuth.signedHeads())).toEqual([
        { count: 1, hash: 'a', at: 10, sig: 's1' },
        { count: 2, hash: 'b', at: 20, sig: 's2' },
      ]);
      expect(await store.read((tx) => tx.serverAuth.serviceClient('0123456789abcdef'))).toBeNull();
      expect(typeof (await store.databaseTime())).toBe('number');
    });

    it('self-enrollment: one code per user (a replaced live code says so), used once; a page session is finished once', async () => {
      const store = server();
      const [id] = await t().seedUsers([{ email: 'kari@example.no', name: 'Kari Nordmann' }]);
      const code = { userId: id!, salt: Buffer.alloc(16, 1), verifier: Buffer.alloc(32, 1), createdAt: 10, expiresAt: 100, createdBy: 'anne', usedAt: null };
      expect(await store.read((tx) => tx.serverAuth.enrollmentCode(id!))).toBeNull();
      expect(await store.write((tx) => tx.serverAuth.setEnrollmentCode(code))).toBe(false);
      expect(await store.write((tx) => tx.serverAuth.setEnrollmentCode({ ...code, verifier: Buffer.alloc(32, 2), createdAt: 20 }))).toBe(true);
      expect(await store.read((tx) => tx.serverAuth.enrollmentCode(id!))).toEqual({ ...code, verifier: Buffer.alloc(32, 2), createdAt: 20 });
      expect(await store.write((tx) => tx.serverAuth.useEnrollmentCode(id!, 100))).toBe(false);
      expect(await store.write((tx) => tx.serverAuth.useEnrollmentCode(id!, 30))).toBe(true);
      expect(await store.write((tx) => tx.serverAuth.useEnrollmentCode(id!, 31))).toBe(false);
      // Replacing a used code is no replacement of a live one.
      expect(await store.write((tx) => tx.serverAuth.setEnrollmentCode({ ...code, createdAt: 40 }))).toBe(false);
      const page = { tokenHash: 'p1', userId: id!, enrollmentId: 7, csrfHash: 'c', createdAt: 1, expiresAt: 50, doneAt: null };
      await store.write((tx) => tx.serverAuth.createSelfEnrollmentSession(page));
      expect(await store.read((tx) => tx.serverAuth.selfEnrollmentSession('p1'))).toEqual(page);
      expect(await store.write((tx) => tx.serverAuth.finishSelfEnrollmentSession('p1', 5))).toBe(true);
      expect(await store.write((tx) => tx.serverAuth.finishSelfEnrollmentSession('p1', 6))).toBe(false);
      expect(await store.read((tx) => tx.serverAuth.selfEnrollmentSession('p1'))).toMatchObject({ doneAt: 5 });
      expect(await store.read((tx) => tx.serverAuth.selfEnrollmentSession('p2'))).toBeNull();
    });

    it('RADIUS clients: one per address while not removed; a removed one stays for the audit and frees its address', async () => {
      const store = server();
      const vpn = { id: 'r1', label: 'VPN', address: '10.0.0.1', sealedSecret: '{"s":1}', createdAt: 1, removedAt: null };
      await store.write((tx) => tx.radiusClients.insert(vpn));
      await store.write((tx) => tx.radiusClients.insert({ ...vpn, id: 'r2', label: 'Wifi', address: '10.0.0.2', createdAt: 2 }));
      await expect(store.write((tx) => tx.radiusClients.insert({ ...vpn, id: 'r3', createdAt: 3 }))).rejects.toThrow();
      expect((await store.read((tx) => tx.radiusClients.list())).map((c) => c.id)).toEqual(['r1', 'r2']);
      expect(await store.read((tx) => tx.radiusClients.byAddress('10.0.0.1'))).toEqual(vpn);
      expect(await store.write((tx) => tx.radiusClients.remove('r1', 9))).toBe(true);
      expect(await store.write((tx) => tx.radiusClients.remove('r1', 10))).toBe(false);
      expect(await store.write((tx) => tx.radiusClients.remove('nope', 10))).toBe(false);
      expect(await store.read((tx) => tx.radiusClients.byAddress('10.0.0.1'))).toBeNull();
      expect(await store.read((tx) => tx.radiusClients.get('r1'))).toEqual({ ...vpn, removedAt: 9 });
      await store.write((tx) => tx.radiusClients.insert({ ...vpn, id: 'r4', createdAt: 11 }));
      expect((await store.read((tx) => tx.radiusClients.list())).map((c) => c.id)).toEqual(['r2', 'r4']);
    });

    it('automation clients: kept with their scopes and verifier; a revoked one stays for the audit, leaves the list and is never touched again', async () => {
      const store = server();
      const nightly = { id: 'a'.repeat(32), label: 'nightly import', scopes: ['audit:list', 'users:import'], verifier: Buffer.alloc(32, 7), createdAt: 1, createdBy: 'anne', lastUsedAt: null, revokedAt: null };
      const reader = { ...nightly, id: 'b'.repeat(32), label: 'report', scopes: ['users:find'], createdAt: 2 };
      await store.write(async (tx) => {
        await tx.automationClients.insert(nightly);
        await tx.automationClients.insert(reader);
      });
      await expect(store.write((tx) => tx.automationClients.insert({ ...nightly, label: 'again' }))).rejects.toThrow();
      expect(await store.read((tx) => tx.automationClients.get(nightly.id))).toEqual(nightly);
      expect(await store.read((tx) => tx.automationClients.get('c'.repeat(32)))).toBeNull();
      // Last use only moves forward.
      await store.write((tx) => tx.automationClients.touch(nightly.id, 50));
      await store.write((tx) => tx.automationClients.touch(nightly.id, 40));
      expect(await store.read((tx) => tx.automationClients.get(nightly.id))).toMatchObject({ lastUsedAt: 50 });
      expect(await store.write((tx) => tx.automationClients.revoke(nightly.id, 60))).toBe(true);
      expect(await store.write((tx) => tx.automationClients.revoke(nightly.id, 61))).toBe(false);
      expect(await store.write((tx) => tx.automationClients.revoke('c'.repeat(32), 61))).toBe(false);
      await store.write((tx) => tx.automationClients.touch(nightly.id, 70));
      expect(await store.read((tx) => tx.automationClients.get(nightly.id))).toEqual({ ...nightly, lastUsedAt: 50, revokedAt: 60 });
      expect((await store.read((tx) => tx.automationClients.list())).map((c) => c.id)).toEqual([reader.id]);
    });
  });
}
