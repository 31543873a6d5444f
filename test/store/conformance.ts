// The store conformance suite: written once against the storage port (main/store/port.ts), never
// against SQL, and run unchanged against every adapter through a harness. A new store is correct
// when this suite passes, not when its own tests do.
import type { NewApproval } from '../../main/store/repos/approvals.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../main/store/port.ts';
import type { ManualClock } from '../../main/core/clock.ts';
import { checkAuditChain, GENESIS_HASH, type AuditEvent, type AuditFilter } from '../../main/core/audit.ts';
import type { Session } from '../../main/core/session.ts';
import { FactorDeskError } from '../../main/core/errors.ts';
import { totpAt } from '../../main/core/totp.ts';
import { verifyCode } from '../../main/core/verify.ts';
import { pendingEnrollmentForSheet } from '../../main/core/enrollment.ts';
import { authenticatorSecretAad } from '../../main/core/value-cipher.ts';
import { COUNT_CAP } from '../../main/store/repos/directory.ts';
import { foldKey, identityKey } from '../../main/core/text.ts';
import { serverConformance } from './conformance-server.ts';

/** One user to seed: the harness writes it the store's own way (test-side). */
export interface SeedUser {
  email: string;
  name: string;
  status?: 'active' | 'disabled';
}

/** What the suite needs from an adapter under test. */
export interface StoreHarness {
  /** A fresh, empty store on a manual clock. */
  create(): Promise<StoreUnderTest>;
}

export interface StoreUnderTest {
  store: Store;
  clock: ManualClock;
  seedUsers(users: SeedUser[]): Promise<number[]>;
  /**
   * Runs `op` on this store's data from `n` separate OS processes at once (released together)
   * and returns what each returned. The processes write through the port, like another CLI or
   * server instance would.
   */
  race(n: number, op: RaceOp): Promise<unknown[]>;
  /**
   * Swaps the stored secrets of two authenticator rows with the adapter's own SQL, as someone
   * with write access to the database (not through the port) could.
   */
  swapSecrets(authA: number, authB: number): Promise<void>;
  close(): Promise<void>;
}

/** A port operation a racing process runs once. */
export type RaceOp = { kind: 'redeem-one-time'; codeId: number; at: number } | { kind: 'advance-step'; authId: number; step: number; at: number } | { kind: 'redeem-backup'; codeId: number; at: number };

const LOGIN_SERVICE: Session = { operatorId: 'service:login', name: 'login', displayName: 'Login service', role: 'service', emailKey: null, signedInAt: 0 };
const ANNE: Session = { operatorId: 'op-anne', name: 'anne', displayName: 'Anne Berg', role: 'admin', emailKey: 'anne.berg@example.no', signedInAt: 0 };
/** The calling client a plain state is kept under in these cases (the login service's key). */
const C = 'service:login';

const salt = (n: number) => Buffer.alloc(16, n);
const hash = (n: number) => Buffer.alloc(32, n);

/** Defines the suite for one adapter. */
export function storeConformance(name: string, harness: StoreHarness): void {
  describe(`store conformance: ${name}`, () => {
    let t: StoreUnderTest;
    let store: Store;
    beforeEach(async () => {
      t = await harness.create();
      store = t.store;
    });
    afterEach(async () => {
      await t.close();
    });

    serverConformance(() => t);

    describe('transactions', () => {
      it('a write that throws leaves nothing behind, also not its audit event', async () => {
        const [id] = await t.seedUsers([{ email: 'kari@example.no', name: 'Kari Nordmann' }]);
        const before = await store.read((tx) => tx.audit.head());
        await expect(
          store.write(async (tx) => {
            await tx.codes.insertOneTime({ userId: id!, salt: salt(1), hash: hash(1), createdAt: 1, expiresAt: 2 });
            await tx.verification.set(id!, C, { failures: 3, lockedAt: null, lockedUntil: null });
            await tx.audit.append({ action: 'code.issue-one-time', operator: 'anne', outcome: 'ok' }, 1);
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        await store.read(async (tx) => {
          expect(await tx.codes.recentOneTime(id!, 5)).toEqual([]);
          expect(await tx.verification.get(id!, C)).toEqual({ failures: 0, lockedAt: null, lockedUntil: null });
          expect(await tx.audit.head()).toEqual(before);
        });
      });

      it('coalescing writes queued at once each see the ones before, and one that throws is undone alone', async () => {
        const [id] = await t.seedUsers([{ email: 'kari@example.no', name: 'Kari Nordmann' }]);
        const before = await store.read((tx) => tx.audit.head());
        const bump = (i: number) =>
          store.write(
            async (tx) => {
              const s = await tx.verification.get(id!, C);
              await tx.verification.set(id!, C, { failures: s.failures + 1, lockedAt: null, lockedUntil: null });
              await tx.audit.append({ action: 'code.verify', operator: `op${i}`, outcome: 'rejected' }, 1000 + i);
              if (i % 5 === 4) throw new Error(`boom ${i}`);
              return s.failures + 1;
            },
            { coalesce: true },
          );
        const settled = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => bump(i)));
        const ok = settled.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value);
        expect(settled.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual(['Error: boom 4', 'Error: boom 9', 'Error: boom 14', 'Error: boom 19']);
        // Every write that committed counted once, on top of those before it (none lost, none twice).
        expect([...ok].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
        await store.read(async (tx) => {
          expect((await tx.verification.get(id!, C)).failures).toBe(16);
          expect((await tx.audit.head()).count).toBe(before.count + 16);
          const events = await tx.audit.list({ limit: 16 });
          expect(events.map((e) => e.operator).filter((o) => ['op4', 'op9', 'op14', 'op19'].includes(o!))).toEqual([]);
        });
      });

      it('a committed write is seen by the next read', async () => {
        const [id] = await t.seedUsers([{ email: 'kari@example.no', name: 'Kari Nordmann' }]);
        await store.write((tx) => tx.verification.set(id!, C, { failures: 2, lockedAt: 5, lockedUntil: 10 }));
        expect(await store.read((tx) => tx.verification.get(id!, C))).toEqual({ failures: 2, lockedAt: 5, lockedUntil: 10 });
      });

      it('an address that is no user has its own verification state, apart from every user', async () => {
        const [id] = await t.seedUsers([{ email: 'kari@example.no', name: 'Kari Nordmann' }]);
        expect(await store.read((tx) => tx.verification.getUnknown('nobody@example.no', C))).toEqual({ failures: 0, lockedAt: null, lockedUntil: null });
        await store.write(async (tx) => {
          await tx.verification.setUnknown('nobody@example.no', C, { failures: 1, lockedAt: null, lockedUntil: null });
          await tx.verification.setUnknown('nobody@example.no', C, { failures: 11, lockedAt: 5, lockedUntil: 10 });
        });
        await store.read(async (tx) => {
          expect(await tx.verification.getUnknown('nobody@example.no', C)).toEqual({ failures: 11, lockedAt: 5, lockedUntil: 10 });
          expect(await tx.verification.getUnknown('other@example.no', C)).toEqual({ failures: 0, lockedAt: null, lockedUntil: null });
          expect(await tx.verification.getUnknown('kari@example.no', C)).toEqual({ failures: 0, lockedAt: null, lockedUntil: null });
          expect(await tx.verification.get(id!, C)).toEqual({ failures: 0, lockedAt: null, lockedUntil: null });
        });
      });

      it('verification state is kept per user and per calling client; clear removes every client of that user', async () => {
        const [kari, ola] = await t.seedUsers([
          { email: 'kari@example.no', name: 'Kari Nordmann' },
          { email: 'ola@example.no', name: 'Ola Nordmann' },
        ]);
        await store.write(async (tx) => {
          await tx.verification.set(kari!, 'radius:r1', { failures: 12, lockedAt: 5, lockedUntil: 99 });
          await tx.verification.set(kari!, 'service:s1', { failures: 1, lockedAt: null, lockedUntil: null });
          await tx.verification.set(kari!, 'radius:r1', { failures: 13, lockedAt: 6, lockedUntil: 100 });
          await tx.verification.set(ola!, 'radius:r1', { failures: 2, lockedAt: null, lockedUntil: null });
        });
        await store.read(async (tx) => {
          expect(await tx.verification.get(kari!, 'radius:r1')).toEqual({ failures: 13, lockedAt: 6, lockedUntil: 100 });
          expect(await tx.verification.get(kari!, 'service:s1')).toEqual({ failures: 1, lockedAt: null, lockedUntil: null });
          expect(await tx.verification.get(kari!, 'service:s2')).toEqual({ failures: 0, lockedAt: null, lockedUntil: null });
          expect(await tx.verification.list(kari!)).toEqual([
            { client: 'radius:r1', failures: 13, lockedAt: 6, lockedUntil: 100 },
            { client: 'service:s1', failures: 1, lockedAt: null, lockedUntil: null },
          ]);
          expect(await tx.verification.list(ola!)).toEqual([{ client: 'radius:r1', failures: 2, lockedAt: null, lockedUntil: null }]);
        });
        expect(await store.write((tx) => tx.verification.clear(kari!))).toBe(2);
        await store.read(async (tx) => {
          expect(await tx.verification.list(kari!)).toEqual([]);
          expect(await tx.verification.get(kari!, 'radius:r1')).toEqual({ failures: 0, lockedAt: null, lockedUntil: null });
          // Another user's state is not touched.
          expect(await tx.verification.get(ola!, 'radius:r1')).toEqual({ failures: 2, lockedAt: null, lockedUntil: null });
        });
        expect(await store.write((tx) => tx.verification.clear(kari!))).toBe(0);
      });

      it('a verification subject by email key is the user, its states and its active and pending authenticators, as the separate reads give them', async () => {
        const [kari, ola] = await t.seedUsers([
          { email: 'kari@example.no', name: 'Kari Nordmann' },
          { email: 'ola@example.no', name: 'Ola Nordmann' },
        ]);
        await store.write(async (tx) => {
          await tx.verification.set(kari!, 'service:s1', { failures: 1, lockedAt: null, lockedUntil: null });
          await tx.verification.set(kari!, 'radius:r1', { failures: 12, lockedAt: 5, lockedUntil: 1_700_000_000_000 });
          await tx.verification.set(ola!, 'radius:r1', { failures: 2, lockedAt: null, lockedUntil: null });
          const old = await tx.authenticators.insertPending({ userId: kari!, secret: Buffer.alloc(20, 1), sheetId: 'OLD-01', createdAt: 1, createdBy: 'anne', setupDeadline: 10 });
          await tx.authenticators.activate(old, 3, 2);
          await tx.authenticators.end(kari!, 'active', 'revoked', 4);
          const active = await tx.authenticators.insertPending({ userId: kari!, secret: Buffer.from([0, 1, 2, 255, 254, 9]), sheetId: 'ACT-02', createdAt: 5, createdBy: 'anne', setupDeadline: 60 });
          await tx.authenticators.activate(active, 57_000_000, 6);
          await tx.authenticators.insertPending({ userId: kari!, secret: Buffer.alloc(20, 3), sheetId: 'PEN-03', createdAt: 7, createdBy: 'anne', setupDeadline: 1_800_000_000_000 });
        });
        await store.read(async (tx) => {
          const user = (await tx.users.get(kari!))!;
          const subject = await tx.verification.subjectByEmailKey(user.emailKey);
          expect(subject).toEqual({ user, states: await tx.verification.list(kari!), secrets: await tx.authenticators.secretsForUser(kari!) });
          expect(subject!.states.map((s) => s.client)).toEqual(['radius:r1', 'service:s1']);
          expect(subject!.secrets.map((a) => [a.status, a.sheetId, a.lastStep, a.setupDeadline])).toEqual([
            ['active', 'ACT-02', 57_000_000, 60],
            ['pending', 'PEN-03', null, 1_800_000_000_000],
          ]);
          expect(subject!.secrets[0]!.secret).toEqual(Buffer.from([0, 1, 2, 255, 254, 9]));
          // A user with no authenticator and a state of one client.
          const olaUser = (await tx.users.get(ola!))!;
          expect(await tx.verification.subjectByEmailKey(olaUser.emailKey)).toEqual({ user: olaUser, states: [{ client: 'radius:r1', failures: 2, lockedAt: null, lockedUntil: null }], secrets: [] });
          expect(await tx.verification.subjectByEmailKey('nobody@example.no')).toBeNull();
        });
      });

      it('an address that is no user has a state per calling client too', async () => {
        await store.write(async (tx) => {
          await tx.verification.setUnknown('nobody@example.no', 'radius:r1', { failures: 10, lockedAt: 5, lockedUntil: 10 });
          await tx.verification.setUnknown('nobody@example.no', 'service:s1', { failures: 1, lockedAt: null, lockedUntil: null });
        });
        await store.read(async (tx) => {
          expect(await tx.verification.getUnknown('nobody@example.no', 'radius:r1')).toEqual({ failures: 10, lockedAt: 5, lockedUntil: 10 });
          expect(await tx.verification.getUnknown('nobody@example.no', 'service:s2')).toEqual({ failures: 0, lockedAt: null, lockedUntil: null });
          expect(await tx.verification.listUnknown('nobody@example.no')).toEqual([
            { client: 'radius:r1', failures: 10, lockedAt: 5, lockedUntil: 10 },
            { client: 'service:s1', failures: 1, lockedAt: null, lockedUntil: null },
          ]);
          expect(await tx.verification.listUnknown('other@example.no')).toEqual([]);
        });
      });

      it('opening a transaction inside another one is refused, not a deadlock', async () => {
        await expect(store.write(async () => store.read(async () => 1))).rejects.toThrow(/inside another/);
        await expect(store.read(async () => store.write(async () => 1))).rejects.toThrow(/inside another/);
        // The store still works afterwards.
        expect(await store.read(async () => 'ok')).toBe('ok');
      });

      it('a transaction object cannot be used after its callback returned', async () => {
        let leaked: Parameters<Parameters<Store['write']>[0]>[0] | null = null;
        await store.write(async (tx) => {
          leaked = tx;
        });
        await expect(leaked!.meta.set('x', 'y')).rejects.toThrow();
      });

      it('a read transaction cannot write', async () => {
        await expect(store.read(async (tx) => (tx as unknown as { meta: { set(k: string, v: string): Promise<void> } }).meta.set('x', 'y'))).rejects.toThrow();
      });

      it('concurrent writes from one process are serialised: no lost update', async () => {
        const [id] = await t.seedUsers([{ email: 'kari@example.no', name: 'Kari Nordmann' }]);
        await Promise.all(
          Array.from({ length: 25 }, () =>
            store.write(async (tx) => {
              const s = await tx.verification.get(id!, C);
              await new Promise((r) => setTimeout(r, 0));
              await tx.verification.set(id!, C, { ...s, failures: s.failures + 1 });
            }),
          ),
        );
        expect((await store.read((tx) => tx.verification.get(id!, C))).failures).toBe(25);
      });

      it('coalesced writes (routine verifications) racing on one counter lose no update either', async () => {
        const [id] = await t.seedUsers([{ email: 'kari@example.no', name: 'Kari Nordmann' }]);
        await Promise.all(
          Array.from({ length: 25 }, (_, i) =>
            store.write(
              async (tx) => {
                const s = await tx.verification.get(id!, C);
                await new Promise((r) => setTimeout(r, i % 3));
                await tx.verification.set(id!, C, { ...s, failures: s.failures + 1 });
              },
              { coalesce: true },
            ),
          ),
        );
        expect((await store.read((tx) => tx.verification.get(id!, C))).failures).toBe(25);
      });
    });

    describe('compare-and-set', () => {
      it('a one-time code is redeemed once; an older TOTP step after a newer one is refused', async () => {
        const [id] = await t.seedUsers([{ email: 'kari@example.no', name: 'Kari Nordmann' }]);
        const codeId = await store.write((tx) => tx.codes.insertOneTime({ userId: id!, salt: salt(1), hash: hash(1), createdAt: 1, expiresAt: 10_000 }));
        expect(await store.write((tx) => tx.codes.redeemOneTime(codeId, 5))).toBe(true);
        expect(await store.write((tx) => tx.codes.redeemOneTime(codeId, 6))).toBe(false);
        const authId = await store.write(async (tx) => {
          const a = await tx.authenticators.insertPending({ userId: id!, secret: Buffer.alloc(20, 7), sheetId: 'ABCD-EF', createdAt: 1, createdBy: 'anne', setupDeadline: 1_000_000 });
          expect(await tx.authenticators.activate(a, 100, 2)).toBe(true);
          return a;
        });
        expect(await store.write((tx) => tx.authenticators.advanceStep(authId, 100, 3))).toBe(false);
        expect(await store.write((tx) => tx.authenticators.advanceStep(authId, 102, 3))).toBe(true);
        expect(await store.write((tx) => tx.authenticators.advanceStep(authId, 101, 4))).toBe(false);
        expect(await store.write((tx) => tx.authenticators.advanceStep(authId, 102, 4))).toBe(false);
        const [s] = await store.read((tx) => tx.authenticators.secretsForUser(id!));
        expect(s!.lastStep).toBe(102);
      });

      it('ending an authenticator zeroes its secret and keeps its history row', async () => {
        const [id] = await t.seedUsers([{ email: 'kari@example.no', name: 'Kari Nordmann' }]);
        await store.write(async (tx) => {
          const a = await tx.authenticators.insertPending({ userId: id!, secret: Buffer.alloc(20, 9), sheetId: 'ABCD-EF', createdAt: 1, createdBy: 'anne', setupDeadline: 50 });
          await tx.authenticators.activate(a, 1, 2);
          expect(await tx.authenticators.end(id!, 'active', 'revoked', 3)).toBe(1);
        });
        await store.read(async (tx) => {
          expect(await tx.authenticators.secretsForUser(id!)).toEqual([]);
          const [row] = await tx.authenticators.listForUser(id!);
          expect(row!.status).toBe('revoked');
        });
      });

      it('a pending enrollment past its deadline lapses', async () => {
        const [id] = await t.seedUsers([{ email: 'kari@example.no', name: 'Kari Nordmann' }]);
        await store.write((tx) => tx.authenticators.insertPending({ userId: id!, secret: Buffer.alloc(20, 9), sheetId: 'ABCD-EF', createdAt: 1, createdBy: 'anne', setupDeadline: 50 }));
        expect(await store.write((tx) => tx.authenticators.lapseExpired(id!, 49))).toBe(0);
        expect(await store.write((tx) => tx.authenticators.lapseExpired(id!, 50))).toBe(1);
        expect(await store.read((tx) => tx.authenticators.pending(id!))).toBeNull();
      });

      it('a new backup set voids the old one; each code is redeemed once', async () => {
        const [id] = await t.seedUsers([{ email: 'kari@example.no', name: 'Kari Nordmann' }]);
        await store.write((tx) => tx.codes.insertBackupSet({ userId: id!, createdAt: 1, codes: [1, 2, 3].map((n) => ({ salt: salt(n), hash: hash(n) })) }));
        await store.write(async (tx) => {
          expect(await tx.codes.voidBackupSets(id!, 2)).toBe(1);
          await tx.codes.insertBackupSet({ userId: id!, createdAt: 2, codes: [4, 5].map((n) => ({ salt: salt(n), hash: hash(n) })) });
        });
        const codes = await store.read((tx) => tx.codes.activeBackupCodes(id!));
        expect(codes.map((c) => c.hash[0])).toEqual([4, 5]);
        expect(await store.write((tx) => tx.codes.redeemBackupCode(codes[0]!.id, 3))).toBe(true);
        expect(await store.write((tx) => tx.codes.redeemBackupCode(codes[0]!.id, 4))).toBe(false);
        expect(await store.read((tx) => tx.codes.activeBackupSet(id!))).toEqual({ total: 2, createdAt: 2, remaining: 1 });
      });
    });

    describe('concurrent writers in separate processes', () => {
      it('20 processes redeeming one one-time code: exactly one succeeds', { timeout: 120_000 }, async () => {
        const [id] = await t.seedUsers([{ email: 'kari@example.no', name: 'Kari Nordmann' }]);
        const codeId = await store.write((tx) => tx.codes.insertOneTime({ userId: id!, salt: salt(1), hash: hash(1), createdAt: 1, expiresAt: 10_000 }));
        const results = await t.race(20, { kind: 'redeem-one-time', codeId, at: 5 });
        expect(results.filter((r) => r === true)).toHaveLength(1);
        expect(results.filter((r) => r === false)).toHaveLength(19);
      });

      it('the same TOTP step from 10 processes is accepted once', { timeout: 120_000 }, async () => {
        const [id] = await t.seedUsers([{ email: 'kari@example.no', name: 'Kari Nordmann' }]);
        const authId = await store.write(async (tx) => {
          const a = await tx.authenticators.insertPending({ userId: id!, secret: Buffer.alloc(20, 7), sheetId: 'ABCD-EF', createdAt: 1, createdBy: 'anne', setupDeadline: 1_000_000 });
          await tx.authenticators.activate(a, 100, 2);
          return a;
        });
        const results = await t.race(10, { kind: 'advance-step', authId, step: 101, at: 5 });
        expect(results.filter((r) => r === true)).toHaveLength(1);
      });
    });

    describe('sealed secrets', () => {
      const KARI_SEED = Buffer.alloc(20, 0x21);
      const OLA_SEED = Buffer.alloc(20, 0x42);

      /** Kari and Ola, each with an authenticator whose seed is sealed to its row as the services seal it. */
      async function twoEnrolled(status: 'active' | 'pending'): Promise<{ kari: number; ola: number; kariAuth: number; olaAuth: number }> {
        const [kari, ola] = await t.seedUsers([
          { email: 'kari@example.no', name: 'Kari Nordmann' },
          { email: 'ola@example.no', name: 'Ola Nordmann' },
        ]);
        const now = t.clock.now();
        const [kariAuth, olaAuth] = await store.write(async (tx) => {
          const add = async (userId: number, seed: Buffer, sheetId: string) => {
            const secret = store.values.seal(seed, authenticatorSecretAad(store.storeId, userId, sheetId));
            const id = await tx.authenticators.insertPending({ userId, secret, sheetId, createdAt: now, createdBy: 'anne', setupDeadline: now + 86_400_000 });
            if (status === 'active') await tx.authenticators.activate(id, 1, now);
            return id;
          };
          return [await add(kari!, KARI_SEED, 'KARI-01'), await add(ola!, OLA_SEED, 'OLAN-02')];
        });
        return { kari: kari!, ola: ola!, kariAuth, olaAuth };
      }

      it('the store keeps the box, not the seed', async () => {
        const { kari } = await twoEnrolled('active');
        const [row] = await store.read((tx) => tx.authenticators.secretsForUser(kari));
        expect(row!.secret.length).toBe(53);
        expect(row!.secret.includes(KARI_SEED.subarray(0, 4))).toBe(false);
        expect(row!.sheetId).toBe('KARI-01');
        expect(store.values.open(row!.secret, authenticatorSecretAad(store.storeId, kari, 'KARI-01'))).toEqual(KARI_SEED);
      });

      it("a seed moved into another user's row does not open there: a correct code from it is rejected", async () => {
        const { kari, ola, kariAuth, olaAuth } = await twoEnrolled('active');
        const verify = async (userId: number, seed: Buffer) => (await verifyCode(store, LOGIN_SERVICE, userId, totpAt(seed, t.clock.now()))).result;
        // In place, each seed verifies its own user (so the checks below can fail).
        expect(await verify(kari, KARI_SEED)).toBe('accepted');
        expect(await verify(ola, OLA_SEED)).toBe('accepted');
        t.clock.advance(30_000);
        // Kari knows her own seed; with her box in Ola's row she must not sign in as Ola.
        await t.swapSecrets(kariAuth, olaAuth);
        expect(await verify(ola, KARI_SEED)).toBe('rejected');
        expect(await verify(kari, OLA_SEED)).toBe('rejected');
        expect(await verify(ola, OLA_SEED)).toBe('rejected');
        const [last] = await store.read((tx) => tx.audit.list({ action: 'code.verify', userId: ola, limit: 1 }));
        expect(last).toMatchObject({ outcome: 'rejected', details: { reason: 'unreadable-secret' } });
        // Put back, both verify again.
        await t.swapSecrets(kariAuth, olaAuth);
        expect(await verify(ola, OLA_SEED)).toBe('accepted');
        expect(await verify(kari, KARI_SEED)).toBe('accepted');
      });

      it("a pending seed moved into another user's row neither activates nor prints on a sheet", async () => {
        const { kari, ola, kariAuth, olaAuth } = await twoEnrolled('pending');
        await t.swapSecrets(kariAuth, olaAuth);
        const err = await pendingEnrollmentForSheet(store, ANNE, ola, olaAuth).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(FactorDeskError);
        expect((err as FactorDeskError).code).toBe('VAULT_DAMAGED');
        expect((await verifyCode(store, LOGIN_SERVICE, ola, totpAt(KARI_SEED, t.clock.now()))).result).toBe('rejected');
        expect((await store.read((tx) => tx.authenticators.secretsForUser(ola))).map((a) => a.status)).toEqual(['pending']);
        await t.swapSecrets(kariAuth, olaAuth);
        expect((await pendingEnrollmentForSheet(store, ANNE, kari, kariAuth)).secret).toEqual(KARI_SEED);
      });
    });

    describe('approvals', () => {
      const request = (userId: number, over: Partial<NewApproval> = {}): NewApproval => ({
        action: 'enrollment.reenroll',
        userId,
        userEmail: 'ola@example.no',
        requester: 'per',
        requesterId: 'op-per',
        triggers: ['over-limit', 'policy'],
        checks: ['callback'],
        ticket: 'HD-1',
        reason: 'lost phone',
        options: { voidCodes: true, withBackupCodes: false },
        status: 'pending',
        createdAt: 10,
        expiresAt: 1000,
        runnableAt: null,
        ...over,
      });

      it('stores a request with its lists and options, lists it newest first by requester and status, and counts the live ones', async () => {
        const [ola, kari] = await t.seedUsers([{ email: 'ola@example.no', name: 'Ola' }, { email: 'kari@example.no', name: 'Kari' }]);
        const a = await store.write((tx) => tx.approvals.insert(request(ola!)));
        const b = await store.write((tx) => tx.approvals.insert(request(kari!, { userEmail: 'kari@example.no', requester: 'anne', requesterId: 'op-anne', status: 'cooling', runnableAt: 500, options: {} })));
        expect(b.id).toBeGreaterThan(a.id);
        expect(await store.read((tx) => tx.approvals.get(a.id))).toEqual({ ...request(ola!), id: a.id, decidedBy: null, decidedAt: null, decisionReason: null, runAt: null });
        expect((await store.read((tx) => tx.approvals.list({}))).map((x) => x.id)).toEqual([b.id, a.id]);
        expect((await store.read((tx) => tx.approvals.list({ requesterId: 'op-per' }))).map((x) => x.id)).toEqual([a.id]);
        expect((await store.read((tx) => tx.approvals.list({ statuses: ['cooling'] }))).map((x) => x.id)).toEqual([b.id]);
        expect(await store.read((tx) => tx.approvals.countLive(['pending', 'cooling'], 999))).toBe(2);
        expect(await store.read((tx) => tx.approvals.countLive(['pending', 'cooling'], 1000))).toBe(0);
        expect(await store.read((tx) => tx.approvals.get(999_999))).toBeNull();
      });

      it('decides and runs a request only from the allowed statuses, once', async () => {
        const [ola] = await t.seedUsers([{ email: 'ola@example.no', name: 'Ola' }]);
        const a = await store.write((tx) => tx.approvals.insert(request(ola!)));
        expect(await store.write((tx) => tx.approvals.markDone(a.id, ['approved'], 20))).toBe(false);
        expect(await store.write((tx) => tx.approvals.decide(a.id, ['pending', 'cooling'], 'approved', 'anne', 30, 'checked'))).toBe(true);
        expect(await store.write((tx) => tx.approvals.decide(a.id, ['pending', 'cooling'], 'approved', 'bob', 31, null))).toBe(false);
        expect(await store.write((tx) => tx.approvals.markDone(a.id, ['approved', 'cooling'], 40))).toBe(true);
        expect(await store.write((tx) => tx.approvals.markDone(a.id, ['approved', 'cooling'], 41))).toBe(false);
        expect(await store.read((tx) => tx.approvals.get(a.id))).toMatchObject({ status: 'done', decidedBy: 'anne', decidedAt: 30, decisionReason: 'checked', runAt: 40 });
        // A write that throws leaves the request as it was.
        const b = await store.write((tx) => tx.approvals.insert(request(ola!)));
        await expect(
          store.write(async (tx) => {
            await tx.approvals.decide(b.id, ['pending'], 'rejected', 'anne', 50, 'no');
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await store.read((tx) => tx.approvals.get(b.id))).toMatchObject({ status: 'pending', decidedBy: null });
      });

      it('marks and unmarks privileged users, saying whether anything changed', async () => {
        const [ola, kari] = await t.seedUsers([{ email: 'ola@example.no', name: 'Ola' }, { email: 'kari@example.no', name: 'Kari' }]);
        expect(await store.write((tx) => tx.approvals.setPrivileged(ola!, true, 'anne', 5))).toBe(true);
        expect(await store.write((tx) => tx.approvals.setPrivileged(ola!, true, 'anne', 6))).toBe(false);
        expect(await store.read((tx) => tx.approvals.isPrivileged(ola!))).toBe(true);
        expect(await store.read((tx) => tx.approvals.isPrivileged(kari!))).toBe(false);
        expect(await store.write((tx) => tx.approvals.setPrivileged(ola!, false, 'anne', 7))).toBe(true);
        expect(await store.write((tx) => tx.approvals.setPrivileged(ola!, false, 'anne', 8))).toBe(false);
        expect(await store.read((tx) => tx.approvals.isPrivileged(ola!))).toBe(false);
      });
    });

    describe('alerts', () => {
      it('an event a rule matches stores its alert in the same transaction, and listeners hear of it after commit', async () => {
        const heard: string[][] = [];
        const off = store.onAlerts((a) => void heard.push(a.map((x) => x.kind)));
        const [ola] = await t.seedUsers([{ email: 'ola@example.no', name: 'Ola Nordmann' }]);
        await expect(
          store.write(async (tx) => {
            await tx.audit.append({ action: 'velocity.exceeded', operator: 'anne', userId: ola, outcome: 'refused' }, 5);
            expect(await tx.alerts.countOpen()).toBe(1);
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await store.read((tx) => tx.alerts.list({ all: true }))).toEqual([]);
        expect(heard).toEqual([]);
        const e = await store.write((tx) => tx.audit.append({ action: 'velocity.exceeded', operator: 'anne', userId: ola, userEmail: 'ola@example.no', outcome: 'refused' }, 7));
        await store.write((tx) => tx.audit.append({ action: 'user.view', operator: 'anne', userId: ola, outcome: 'ok' }, 8));
        const [a] = await store.read((tx) => tx.alerts.list({}));
        expect(a).toMatchObject({ kind: 'over-limit', at: 7, auditSeq: e.seq, action: 'velocity.exceeded', outcome: 'refused', operator: 'anne', userId: ola, userEmail: 'ola@example.no', acknowledgedAt: null, acknowledgedBy: null });
        expect(heard).toEqual([['over-limit']]);
        off();
        await store.write((tx) => tx.audit.append({ action: 'signin.locked', operator: null, outcome: 'refused', details: { name: 'bob' } }, 9));
        expect(heard).toHaveLength(1);
        expect((await store.read((tx) => tx.alerts.list({}))).map((x) => x.kind)).toEqual(['signin-lock', 'over-limit']);
      });

      it('refused verifications in a row for one user raise one refused-streak alert; a replay raises a replay alert', async () => {
        const [ola, kari] = await t.seedUsers([
          { email: 'ola@example.no', name: 'Ola Nordmann' },
          { email: 'kari@example.no', name: 'Kari Nordmann' },
        ]);
        const verify = (userId: number, outcome: string, reason: string, at: number) => store.write((tx) => tx.audit.append({ action: 'code.verify', operator: 'login', userId, outcome, details: { reason } }, at));
        await verify(ola!, 'rejected', 'wrong', 1);
        await verify(kari!, 'rejected', 'wrong', 2);
        await verify(ola!, 'rejected', 'wrong', 3);
        expect(await store.read((tx) => tx.alerts.countOpen())).toBe(0);
        await verify(ola!, 'rejected', 'wrong', 4);
        await verify(ola!, 'rejected', 'wrong', 5);
        await verify(kari!, 'accepted', 'accepted-totp', 6);
        await verify(kari!, 'rejected', 'wrong', 7);
        await verify(kari!, 'rejected', 'wrong', 8);
        expect((await store.read((tx) => tx.alerts.list({}))).map((x) => [x.kind, x.userId, x.at])).toEqual([['refused-streak', ola, 4]]);
        await verify(kari!, 'rejected', 'replay', 9);
        expect((await store.read((tx) => tx.alerts.list({}))).map((x) => [x.kind, x.userId])).toEqual([
          ['replay', kari],
          ['refused-streak', ola],
        ]);
      });

      it('events of coalesced writes (routine verifications) are in the chain, in order, with their alerts, once the writes are answered', async () => {
        const [ola] = await t.seedUsers([{ email: 'ola@example.no', name: 'Ola Nordmann' }]);
        const verify = (outcome: string, reason: string, at: number) => store.write((tx) => tx.audit.append({ action: 'code.verify', operator: 'login', userId: ola!, outcome, details: { reason } }, at), { coalesce: true });
        for (const at of [1, 2, 3]) await verify('rejected', 'wrong', at);
        // Written at once (and perhaps in either order): the streak is over either way.
        await Promise.all([verify('accepted', 'accepted-totp', 4), verify('rejected', 'wrong', 5)]);
        await verify('rejected', 'replay', 6);
        const events = await store.read(async (tx) => {
          const out: AuditEvent[] = [];
          for await (const e of tx.audit.all()) out.push(e);
          return out;
        });
        const ats = events.filter((e) => e.action === 'code.verify').map((e) => e.at);
        expect([...ats.slice(0, 3), ...ats.slice(3, 5).sort(), ats[5]]).toEqual([1, 2, 3, 4, 5, 6]);
        expect(await checkAuditChain(events)).toMatchObject({ ok: true, count: events.length });
        const alerts = await store.read((tx) => tx.alerts.list({}));
        expect(alerts.map((x) => [x.kind, x.at])).toEqual([
          ['replay', 6],
          ['refused-streak', 3],
        ]);
        // Each alert names its event's place in the chain.
        for (const a of alerts) expect(events.find((e) => e.seq === a.auditSeq)?.at).toBe(a.at);
      });

      it('acknowledging marks an open alert once; the open list leaves it out, the full list keeps it', async () => {
        await store.write(async (tx) => {
          await tx.audit.append({ action: 'velocity.exceeded', operator: 'anne', outcome: 'refused' }, 1);
          await tx.audit.append({ action: 'signin.locked', operator: null, outcome: 'refused' }, 2);
        });
        const [second, first] = await store.read((tx) => tx.alerts.list({}));
        expect(await store.write((tx) => tx.alerts.acknowledge(first!.id, 'anne', 50))).toBe(true);
        expect(await store.write((tx) => tx.alerts.acknowledge(first!.id, 'bob', 60))).toBe(false);
        expect(await store.write((tx) => tx.alerts.acknowledge(999_999, 'bob', 60))).toBe(false);
        expect((await store.read((tx) => tx.alerts.list({}))).map((a) => a.id)).toEqual([second!.id]);
        expect(await store.read((tx) => tx.alerts.get(first!.id))).toMatchObject({ acknowledgedAt: 50, acknowledgedBy: 'anne' });
        expect(await store.read((tx) => tx.alerts.list({ all: true }))).toHaveLength(2);
        expect(await store.read((tx) => tx.alerts.countOpen())).toBe(1);
        expect(await store.read((tx) => tx.alerts.get(999_999))).toBeNull();
      });
    });

    describe('audit log', () => {
      it('appends in order, each event chained to the one before', async () => {
        // A new store may already hold its creation events: count from where it starts.
        const start = await store.read((tx) => tx.audit.head());
        expect(start.count === 0 ? start.hash : 'non-empty').toBe(start.count === 0 ? GENESIS_HASH : 'non-empty');
        const b = start.count;
        const t0 = t.clock.now() + 1000;
        await store.write(async (tx) => {
          await tx.audit.append({ action: 'signin', operator: 'anne', outcome: 'ok' }, t0 + 10);
          await tx.audit.append({ action: 'user.view', operator: 'anne', userId: 7, outcome: 'ok', details: { via: 'app' } }, t0 + 11);
        });
        await Promise.all([1, 2, 3].map((i) => store.write((tx) => tx.audit.append({ action: 'code.verify', operator: `op${i}`, outcome: 'ok' }, t0 + 20 + i))));
        const all: Array<{ seq: number; prevHash: string; hash: string }> = [];
        await store.read(async (tx) => {
          for await (const e of tx.audit.all()) all.push(e);
        });
        expect(all.map((e) => e.seq)).toEqual(Array.from({ length: b + 5 }, (_, i) => i + 1));
        expect(all[0]!.prevHash).toBe(GENESIS_HASH);
        for (let i = 1; i < all.length; i++) expect(all[i]!.prevHash).toBe(all[i - 1]!.hash);
        const head = await store.read((tx) => tx.audit.head());
        expect(head).toEqual({ count: b + 5, hash: all[b + 4]!.hash });
        const newest = await store.read((tx) => tx.audit.list({ limit: 2 }));
        expect(newest.map((e) => e.seq)).toEqual([b + 5, b + 4]);
        const forUser = await store.read((tx) => tx.audit.list({ userId: 7 }));
        expect(forUser.map((e) => e.action)).toEqual(['user.view']);
        expect(forUser[0]!.details).toEqual({ via: 'app' });
        expect(await store.read((tx) => tx.audit.latestAt())).toBe(t0 + 23);
      });
    });

    describe('audit filters', () => {
      it('filters by operator prefix, ticket and free text ignoring case (also Æ/æ), the same in list and matching', async () => {
        const t0 = t.clock.now() + 5000;
        const start = (await store.read((tx) => tx.audit.head())).count;
        await store.write(async (tx) => {
          await tx.audit.append({ action: 'code.issue-one-time', operator: 'Åse.berg', userId: 7, userEmail: 'kari@example.no', ticket: 'HD-1001', reason: 'Mistet telefonen på ÆRØ', outcome: 'ok' }, t0);
          await tx.audit.append({ action: 'code.backup-codes', operator: 'anne', userId: 8, userEmail: 'ola@example.no', ticket: 'INC-77', reason: 'New phone', outcome: 'ok', details: { via: 'Helpdesk-West' } }, t0 + 1);
          await tx.audit.append({ action: 'user.view', operator: 'annette', userId: 7, userEmail: 'kari@example.no', outcome: 'ok' }, t0 + 2);
        });
        const seqs = async (f: AuditFilter) => {
          const listed = (await store.read((tx) => tx.audit.list({ ...f, from: t0, limit: 100 }))).map((e) => e.seq - start);
          const matched: number[] = [];
          await store.read(async (tx) => {
            for await (const e of tx.audit.matching({ ...f, from: t0, limit: 1 })) matched.push(e.seq - start);
          });
          // The export's query is the list's, oldest first, with no page limit.
          expect(matched).toEqual([...listed].reverse());
          return matched;
        };
        expect(await seqs({ operatorPrefix: 'ANN' })).toEqual([2, 3]);
        expect(await seqs({ operatorPrefix: 'annet' })).toEqual([3]);
        expect(await seqs({ operatorPrefix: 'åse' })).toEqual([1]);
        expect(await seqs({ operatorPrefix: 'nne' })).toEqual([]);
        expect(await seqs({ ticket: 'hd-10' })).toEqual([1]);
        expect(await seqs({ ticket: '77' })).toEqual([2]);
        expect(await seqs({ text: 'ærø' })).toEqual([1]);
        expect(await seqs({ text: 'KARI@' })).toEqual([1, 3]);
        expect(await seqs({ text: 'helpdesk-west' })).toEqual([2]);
        expect(await seqs({ text: 'backup-codes' })).toEqual([2]);
        expect(await seqs({ text: "' OR 1=1 --" })).toEqual([]);
        expect(await seqs({ text: '%' })).toEqual([]);
        expect(await seqs({ operatorPrefix: 'ann', userId: 7 })).toEqual([3]);
      });
    });

    describe('audit counts (velocity limits)', () => {
      it('counts one operator\'s events of the given actions and outcome at or after a time, in the writing transaction too', async () => {
        const t0 = t.clock.now() + 10_000;
        await store.write(async (tx) => {
          await tx.audit.append({ action: 'code.issue-one-time', operator: 'per', outcome: 'ok' }, t0);
          await tx.audit.append({ action: 'code.backup-codes', operator: 'per', outcome: 'ok' }, t0 + 10);
          await tx.audit.append({ action: 'enrollment.confirm', operator: 'per', outcome: 'rejected' }, t0 + 20);
          await tx.audit.append({ action: 'user.view', operator: 'per', outcome: 'ok' }, t0 + 30);
          await tx.audit.append({ action: 'code.issue-one-time', operator: 'anne', outcome: 'ok' }, t0 + 40);
          await tx.audit.append({ action: 'lock.clear', operator: 'per', outcome: 'ok' }, t0 + 50);
        });
        const actions = ['code.issue-one-time', 'code.backup-codes', 'enrollment.confirm', 'lock.clear'];
        const count = (operator: string, since: number, list: string[] = actions) => store.read((tx) => tx.audit.countSince({ operator, actions: list, outcome: 'ok', since }));
        expect(await count('per', t0)).toBe(3);
        expect(await count('per', t0 + 10)).toBe(2);
        expect(await count('per', t0 + 51)).toBe(0);
        expect(await count('anne', t0)).toBe(1);
        expect(await count('nobody', 0)).toBe(0);
        expect(await count('per', 0, ['lock.clear'])).toBe(1);
        expect(await count('per', 0, [])).toBe(0);
        // Inside a write, the count sees the transaction's own appends.
        const inside = await store.write(async (tx) => {
          await tx.audit.append({ action: 'sms.remove', operator: 'per', outcome: 'ok' }, t0 + 60);
          return tx.audit.countSince({ operator: 'per', actions: ['sms.remove', 'lock.clear'], outcome: 'ok', since: t0 });
        });
        expect(inside).toBe(2);
      });
    });

    describe('outbox and settings', () => {
      it('queues notifications and marks each exported once', async () => {
        const [id] = await t.seedUsers([{ email: 'kari@example.no', name: 'Kari Nordmann' }]);
        const n1 = await store.write((tx) => tx.outbox.queue({ userId: id!, email: 'kari@example.no', kind: 'one-time-code', subject: 's', body: 'b', createdAt: 1 }));
        await store.write((tx) => tx.outbox.queue({ userId: id!, email: 'kari@example.no', kind: 'backup-codes', subject: 's', body: 'b', createdAt: 2 }));
        expect(await store.read((tx) => tx.outbox.pendingCount())).toBe(2);
        expect(await store.write((tx) => tx.outbox.markExported(n1, 3))).toBe(true);
        expect(await store.write((tx) => tx.outbox.markExported(n1, 4))).toBe(false);
        expect((await store.read((tx) => tx.outbox.pending())).map((o) => o.kind)).toEqual(['backup-codes']);
        expect((await store.read((tx) => tx.outbox.list({ pendingOnly: false, limit: 10 }))).map((o) => o.kind)).toEqual(['backup-codes', 'one-time-code']);
      });

      it('hands each item to delivery or to the export, never both, and claims each attempt once', async () => {
        const [id] = await t.seedUsers([{ email: 'kari@example.no', name: 'Kari Nordmann' }]);
        const q = (createdAt: number) => store.write((tx) => tx.outbox.queue({ userId: id!, email: 'kari@example.no', kind: 'one-time-code', subject: 's', body: 'b', createdAt }));
        const [a, b, c] = [await q(1), await q(2), await q(3)];
        const due = (now: number, maxAttempts = 5) => store.read((tx) => tx.outbox.dueForDelivery({ now, limit: 10, maxAttempts })).then((l) => l.map((o) => o.id));
        expect(await due(10)).toEqual([a, b, c]);
        const [first] = await store.read((tx) => tx.outbox.dueForDelivery({ now: 10, limit: 1, maxAttempts: 5 }));
        expect(first).toMatchObject({ id: a, attempts: 0, nextAttemptAt: null, deliveredAt: null, lastError: null });
        // A claim counts the attempt and holds the item for its lease; a second claim with the old count loses.
        expect(await store.write((tx) => tx.outbox.claimDelivery(a, 0, 100))).toBe(true);
        expect(await store.write((tx) => tx.outbox.claimDelivery(a, 0, 100))).toBe(false);
        expect(await due(99)).toEqual([b, c]);
        await store.write((tx) => tx.outbox.deferDelivery(a, 200, '451 try later'));
        expect(await due(199)).toEqual([b, c]);
        expect(await due(200)).toEqual([a, b, c]);
        expect((await store.read((tx) => tx.outbox.list({ pendingOnly: false, limit: 10 }))).find((o) => o.id === a)).toMatchObject({ attempts: 1, nextAttemptAt: 200, lastError: '451 try later' });
        // At the attempt limit an item is no longer due (it stays for the export).
        expect(await due(200, 1)).toEqual([b, c]);
        // Delivered: once, then neither due nor pending nor exportable.
        expect(await store.write((tx) => tx.outbox.claimDelivery(b, 0, 300))).toBe(true);
        expect(await store.write((tx) => tx.outbox.markDelivered(b, 250))).toBe(true);
        expect(await store.write((tx) => tx.outbox.markDelivered(b, 260))).toBe(false);
        expect(await store.write((tx) => tx.outbox.markExported(b, 270))).toBe(false);
        expect((await store.read((tx) => tx.outbox.list({ pendingOnly: false, limit: 10 }))).find((o) => o.id === b)).toMatchObject({ deliveredAt: 250, exportedAt: null, nextAttemptAt: null, attempts: 1 });
        // Exported: no longer due, and cannot be claimed.
        expect(await store.write((tx) => tx.outbox.markExported(c, 280))).toBe(true);
        expect(await store.write((tx) => tx.outbox.claimDelivery(c, 0, 400))).toBe(false);
        expect(await due(1000)).toEqual([a]);
        expect((await store.read((tx) => tx.outbox.pending())).map((o) => o.id)).toEqual([a]);
        expect(await store.read((tx) => tx.outbox.pendingCount())).toBe(1);
        expect((await store.read((tx) => tx.outbox.list({ pendingOnly: true, limit: 10 }))).map((o) => o.id)).toEqual([a]);
      });

      it('stores settings and meta values by key', async () => {
        await store.write(async (tx) => {
          await tx.settings.put('issuer', '"Eksempel"', 1);
          await tx.settings.put('issuer', '"Eksempel AS"', 2);
          await tx.meta.set('marker', 'a');
        });
        expect(await store.read((tx) => tx.settings.all())).toEqual(expect.arrayContaining([{ key: 'issuer', value: '"Eksempel AS"' }]));
        expect(await store.read((tx) => tx.meta.get('marker'))).toBe('a');
        expect(await store.read((tx) => tx.meta.get('missing'))).toBeUndefined();
      });
    });

    describe('directory search (every store ranks alike)', () => {
      const fold = (x: string) => x.normalize('NFKC').toLowerCase();
      async function add(users: Array<{ email: string; name: string; status?: 'active' | 'disabled'; externalId?: string }>): Promise<number[]> {
        return store.write(async (tx) => {
          const ids: number[] = [];
          for (const u of users) {
            const id = await tx.users.insert(
              { externalId: u.externalId ?? null, email: u.email, emailKey: fold(u.email), name: u.name, nameKey: fold(u.name), phone: null, organization: null, status: u.status ?? 'active' },
              t.clock.now(),
            );
            ids.push(id!);
          }
          return ids;
        });
      }
      const names = async (q: string, page = { limit: 20, offset: 0 }) => (await store.read((tx) => tx.directory.search(fold(q), page))).items.map((u) => u.name);

      it('the full email or its local part first, then the other matches by name (not by email text)', async () => {
        await add([
          { email: 'per.olsen2@example.no', name: 'Per Olsen B' },
          { email: 'per.olsen@example.no', name: 'Per Olsen Z' },
          { email: 'per.olsen1@example.no', name: 'Per Olsen A' },
          { email: 'ola@example.no', name: 'Per Pettersen' },
        ]);
        expect(await names('per.olsen@example.no')).toEqual(['Per Olsen Z']);
        expect(await names('per.olsen')).toEqual(['Per Olsen Z', 'Per Olsen A', 'Per Olsen B']);
        expect(await names('per')).toEqual(['Per Olsen A', 'Per Olsen B', 'Per Olsen Z', 'Per Pettersen']);
        expect(await names('ola')).toEqual(['Per Pettersen']); // a local part ranks first even without a name match
      });

      it('whole-word name matches (split at spaces and hyphens) come before prefix-only matches', async () => {
        await add([
          { email: 'karianne@example.no', name: 'Karianne Berg' },
          { email: 'ali@example.no', name: 'Kari-Anne Ali' },
          { email: 'kn@example.no', name: 'Kari Nordmann' },
          { email: 'lie@example.no', name: 'Anne Kari Lie' },
          { email: 'karisen@example.no', name: 'Ola Karisen' },
          { email: 'obrien@example.no', name: 'Kari’s O’Brien' },
        ]);
        expect(await names('kari')).toEqual(['Anne Kari Lie', 'Kari Nordmann', 'Kari-Anne Ali', 'Kari’s O’Brien', 'Karianne Berg', 'Ola Karisen']);
        expect(await names('anne')).toEqual(['Anne Kari Lie', 'Kari-Anne Ali']);
        expect(await names('nordmann')).toEqual(['Kari Nordmann']);
        expect(await names('kari nordmann')).toEqual(['Kari Nordmann']);
      });

      it('active users before disabled ones within a rank; the limit applies after ranking', async () => {
        await add([
          { email: 'kari.a@example.no', name: 'Kari Nordmann', status: 'disabled' },
          { email: 'kari.b@example.no', name: 'Kari Nordmann' },
          { email: 'kari.c@example.no', name: 'Kari Nordmann' },
          ...Array.from({ length: 30 }, (_, i) => ({ email: `kari.${String(i).padStart(2, '0')}@example.no`, name: 'Kari-Anne Ali' })),
          { email: 'karianne@example.no', name: 'Karianne Berg' },
          { email: 'karin@example.no', name: 'Karin Disabled', status: 'disabled' },
          { email: 'kari@example.no', name: 'Zed Local', status: 'disabled' },
        ]);
        const page = async (q: string, limit: number, offset = 0) => (await store.read((tx) => tx.directory.search(fold(q), { limit, offset }))).items.map((u) => `${u.name} ${u.email} ${u.status}`);
        // The local part first even when disabled; then the active whole words, by name then email.
        expect(await page('kari', 4)).toEqual([
          'Zed Local kari@example.no disabled',
          'Kari Nordmann kari.b@example.no active',
          'Kari Nordmann kari.c@example.no active',
          'Kari-Anne Ali kari.00@example.no active',
        ]);
        // After the 30 Kari-Anne Alis: the disabled whole word, then the prefixes (active first).
        expect(await page('kari', 4, 32)).toEqual([
          'Kari-Anne Ali kari.29@example.no active',
          'Kari Nordmann kari.a@example.no disabled',
          'Karianne Berg karianne@example.no active',
          'Karin Disabled karin@example.no disabled',
        ]);
        expect(await page('kari nordmann', 3)).toEqual(['Kari Nordmann kari.b@example.no active', 'Kari Nordmann kari.c@example.no active', 'Kari Nordmann kari.a@example.no disabled']);
      });

      it('a changed status moves the user within the ranking', async () => {
        const [a, b] = await add([
          { email: 'a@example.no', name: 'Ola Nordmann A' },
          { email: 'b@example.no', name: 'Ola Nordmann B' },
        ]);
        expect(await names('nordmann')).toEqual(['Ola Nordmann A', 'Ola Nordmann B']);
        await store.write(async (tx) => {
          const u = (await tx.users.get(a!))!;
          await tx.users.update(u.id, { ...u, status: 'disabled' }, t.clock.now());
        });
        expect(await names('nordmann')).toEqual(['Ola Nordmann B', 'Ola Nordmann A']);
        expect(await names('ola')).toEqual(['Ola Nordmann B', 'Ola Nordmann A']);
        await store.write(async (tx) => {
          const u = (await tx.users.get(a!))!;
          await tx.users.update(u.id, { ...u, status: 'active', email: 'c@example.no', emailKey: 'c@example.no' }, t.clock.now());
          const v = (await tx.users.get(b!))!;
          await tx.users.update(v.id, { ...v, status: 'disabled' }, t.clock.now());
        });
        expect(await names('nordmann')).toEqual(['Ola Nordmann A', 'Ola Nordmann B']);
      });

      it('counts the users that match, each once, exactly up to COUNT_CAP', async () => {
        await add([
          { email: 'nord@example.no', name: 'Nord Nordmann' }, // by email, name and a later word: once
          { email: 'x@example.no', name: 'Kari Nordby', status: 'disabled' },
          { email: 'y@example.no', name: 'Nora Lie' },
          { email: 'z@example.no', name: 'Per Olsen' },
        ]);
        const count = async (q: string, limit = 1) => {
          const r = await store.read((tx) => tx.directory.search(fold(q), { limit, offset: 0 }));
          return [r.total, r.totalCapped, r.hasMore];
        };
        expect(await count('nor')).toEqual([3, false, true]);
        expect(await count('nor', 20)).toEqual([3, false, false]);
        expect(await count('nord')).toEqual([2, false, true]);
        expect(await count('zzz')).toEqual([0, false, false]);
        await add(Array.from({ length: COUNT_CAP + 1 }, (_, i) => ({ email: `many${i}@example.no`, name: i % 2 ? `Many ${i}` : `Ola Many-${i}` })));
        expect(await count('many')).toEqual([COUNT_CAP, true, true]);
        expect(await count('many1')).toEqual([1 + 10 + 100 + 1, false, true]); // many1, many10–19, many100–199, many1000
      });

      it('a surname prefix and a first name + surname prefix find the user; no user twice', async () => {
        await add([
          { email: 'kari.nordmann@example.no', name: 'Kari Nordmann' },
          { email: 'ola.nordmann@example.no', name: 'Ola Nordmann-Nord' },
          { email: 'x@example.no', name: 'Sean O’Brien' },
        ]);
        expect(await names('nord')).toEqual(['Ola Nordmann-Nord', 'Kari Nordmann']); // "Nord" is a whole word of the first
        expect(await names('kari nor')).toEqual(['Kari Nordmann']);
        expect(await names('brien')).toEqual(['Sean O’Brien']);
        expect(await names('zzz')).toEqual([]);
      });

      it('pages with limit and offset and says whether more match', async () => {
        await add(Array.from({ length: 25 }, (_, i) => ({ email: `user${String(i).padStart(2, '0')}@example.no`, name: `Test User ${String(i).padStart(2, '0')}` })));
        const p1 = await store.read((tx) => tx.directory.search('test', { limit: 10, offset: 0 }));
        const p3 = await store.read((tx) => tx.directory.search('test', { limit: 10, offset: 20 }));
        expect(p1.items).toHaveLength(10);
        expect(p1.hasMore).toBe(true);
        expect(p3.items.map((u) => u.name)).toEqual(['Test User 20', 'Test User 21', 'Test User 22', 'Test User 23', 'Test User 24']);
        expect(p3.hasMore).toBe(false);
      });

      it('matches literally: wildcard characters are text', async () => {
        await add([
          { email: 'a_b@example.no', name: 'Anne Under' },
          { email: 'axb@example.no', name: 'Anne Cross' },
        ]);
        expect(await names('a_b')).toEqual(['Anne Under']);
        expect(await names('a%')).toEqual([]);
      });

      it('an insert with a taken email key or external id writes nothing and answers null', async () => {
        await add([{ email: 'kari@example.no', name: 'Kari', externalId: 'E1' }]);
        const again = await store.write((tx) =>
          tx.users.insert({ externalId: null, email: 'KARI@example.no', emailKey: 'kari@example.no', name: 'Other', nameKey: 'other', phone: null, organization: null, status: 'active' }, 1),
        );
        const ext = await store.write((tx) =>
          tx.users.insert({ externalId: 'E1', email: 'new@example.no', emailKey: 'new@example.no', name: 'New', nameKey: 'new', phone: null, organization: null, status: 'active' }, 1),
        );
        expect(again).toBeNull();
        expect(ext).toBeNull();
        expect(await store.read((tx) => tx.users.count())).toBe(1);
        expect(await names('other')).toEqual([]);
      });
    });

    describe('users', () => {
      it('finds users by id and identity key, and counts them', async () => {
        const [a, b] = await t.seedUsers([
          { email: 'Kari.Nordmann@Example.no', name: 'Kari Nordmann' },
          { email: 'per.olsen@example.no', name: 'Per Olsen', status: 'disabled' },
        ]);
        const kari = await store.read((tx) => tx.users.get(a!));
        expect(kari).toMatchObject({ id: a, email: 'Kari.Nordmann@Example.no', name: 'Kari Nordmann', status: 'active' });
        expect(await store.read((tx) => tx.users.getByEmailKey(kari!.emailKey))).toMatchObject({ id: a });
        expect(await store.read((tx) => tx.users.get(b!))).toMatchObject({ status: 'disabled' });
        expect(await store.read((tx) => tx.users.get(999_999))).toBeNull();
        expect(await store.read((tx) => tx.users.count())).toBe(2);
      });

      it('tells users apart by identity key (ß is not ss, ı is not i) and finds both spellings by the loose search key', async () => {
        const user = (email: string, name: string) => ({ externalId: null, email, emailKey: identityKey(email), name, nameKey: foldKey(name), phone: null, organization: null, status: 'active' as const });
        const ids = await store.write(async (tx) => [
          await tx.users.insert(user('gunnar.straße@example.no', 'Gunnar Straße'), 1),
          await tx.users.insert(user('gunnar.strasse@example.no', 'Gunnar Strasse'), 1),
          await tx.users.insert(user('ılker@example.no', 'Ilker A'), 1),
          await tx.users.insert(user('ilker@example.no', 'Ilker B'), 1),
          await tx.users.insert(user('GUNNAR.STRAßE@example.no', 'Same Person'), 1),
        ]);
        expect(ids.slice(0, 4).every((id) => typeof id === 'number')).toBe(true);
        expect(ids[4]).toBeNull(); // same identity key as the first
        expect(await store.read((tx) => tx.users.getByEmailKey(identityKey('Gunnar.Straße@example.no')))).toMatchObject({ id: ids[0] });
        expect(await store.read((tx) => tx.users.getByEmailKey(identityKey('gunnar.strasse@example.no')))).toMatchObject({ id: ids[1] });
        expect(await store.read((tx) => tx.users.lookalikeOf('GUNNAR.STRASSE@example.no', ids[1]!))).toEqual({ id: ids[0], email: 'gunnar.straße@example.no' });
        expect(await store.read((tx) => tx.users.lookalikeOf('gunnar.straße@example.no', ids[0]!))).toEqual({ id: ids[1], email: 'gunnar.strasse@example.no' });
        expect(await store.read((tx) => tx.users.lookalikeOf('ilker@example.no', ids[3]!))).toEqual({ id: ids[2], email: 'ılker@example.no' });
        expect(await store.read((tx) => tx.users.lookalikeOf('someone.else@example.no', 0))).toBeNull();
        const found = await store.read((tx) => tx.directory.search('gunnar.stras', { limit: 10, offset: 0 }));
        expect(found.items.map((u) => u.id).sort((a, b) => a - b)).toEqual([ids[0], ids[1]]);
        const ilker = await store.read((tx) => tx.directory.search('ilker@', { limit: 10, offset: 0 }));
        expect(ilker.items.map((u) => u.id).sort((a, b) => a - b)).toEqual([ids[2], ids[3]]);
      });
    });

    describe('SMS factors', () => {
      it('sets a factor with its purpose, replaces it, and removes it', async () => {
        const [kari, ola] = await t.seedUsers([
          { email: 'kari@example.no', name: 'Kari Nordmann' },
          { email: 'ola@example.no', name: 'Ola Nordmann' },
        ]);
        expect(await store.read((tx) => tx.sms.get(kari!))).toBeNull();
        await store.write((tx) => tx.sms.set(kari!, { phone: '+4791234567', purpose: 'login', verified: false }, 10));
        await store.write((tx) => tx.sms.set(ola!, { phone: '+4798765432', purpose: 'approvals', verified: true }, 10));
        expect(await store.read((tx) => tx.sms.get(kari!))).toEqual({ phone: '+4791234567', purpose: 'login', verified: false });
        expect(await store.read((tx) => tx.sms.get(ola!))).toEqual({ phone: '+4798765432', purpose: 'approvals', verified: true });
        // One factor per user: a second set replaces it.
        await store.write((tx) => tx.sms.set(kari!, { phone: '+4790000001', purpose: 'approvals', verified: true }, 20));
        expect(await store.read((tx) => tx.sms.get(kari!))).toEqual({ phone: '+4790000001', purpose: 'approvals', verified: true });
        expect(await store.write((tx) => tx.sms.remove(kari!))).toBe(true);
        expect(await store.write((tx) => tx.sms.remove(kari!))).toBe(false);
        expect(await store.read((tx) => tx.sms.get(kari!))).toBeNull();
        expect(await store.read((tx) => tx.sms.get(ola!))).toMatchObject({ purpose: 'approvals' });
      });
    });

    describe('operators', () => {
      it('keeps the link to the operator\'s own directory user, and clears it', async () => {
        const [kari] = await t.seedUsers([{ email: 'kari@example.no', name: 'Kari Nordmann' }]);
        const base = { name: 'kari', nameKey: 'kari', displayName: 'Kari', email: null, emailKey: null, role: 'agent' as const, createdAt: 5 };
        expect(await store.write((tx) => tx.operators.insert({ id: 'op-linked', ...base, userId: kari! }))).toBe(true);
        expect(await store.read((tx) => tx.operators.get('op-linked'))).toMatchObject({ name: 'kari', userId: kari, status: 'active' });
        await store.write((tx) => tx.operators.update('op-linked', { role: 'agent', displayName: 'Kari', email: 'kari@example.no', emailKey: 'kari@example.no', userId: null }, 6));
        expect(await store.read((tx) => tx.operators.get('op-linked'))).toMatchObject({ email: 'kari@example.no', userId: null, updatedAt: 6 });
        await store.write((tx) => tx.operators.update('op-linked', { role: 'admin', displayName: 'Kari', email: null, emailKey: null, userId: kari! }, 7));
        expect((await store.read((tx) => tx.operators.list())).find((o) => o.id === 'op-linked')).toMatchObject({ role: 'admin', userId: kari });
      });
    });
  });
}
