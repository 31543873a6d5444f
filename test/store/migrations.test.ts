// Every earlier schema version, with rows in it, migrates to the current one and its rows read
// back through the store. A new migration adds its case here (the first test says so).
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../helpers/vault.ts';
import { migrateAndOpen, vaultAtSchema } from './migrations.ts';
import { SCHEMA_VERSION } from '../../main/store/sqlite/migrations/index.ts';
import { schemaVersion, type Db } from '../../main/store/sqlite/database.ts';
import { indexedNameWords } from '../../main/store/sqlite/name-words.ts';
import { foldKey, identityKey } from '../../main/core/text.ts';
import type { ServerStore, Store } from '../../main/store/port.ts';
import type { Session } from '../../main/core/session.ts';
import { totpAt, totpStep } from '../../main/core/totp.ts';
import { verifyCode, verifyCodeForEmail } from '../../main/core/verify.ts';
import { LEGACY_CLIENT } from '../../main/store/repos/verification.ts';
import { authenticatorSecretAad } from '../../main/core/value-cipher.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const PEOPLE = [
  { email: 'kari.nordmann@example.no', name: 'Kari Nordmann' },
  { email: 'ola.nordmann@example.no', name: 'Ola Nordmann' },
  { email: 'nora.berg@example.no', name: 'Nora Berg' },
  { email: 'per.lie@example.no', name: 'Per Olav Lie' },
];

const LOGIN_SERVICE: Session = { operatorId: 'service:login', name: 'login', displayName: 'Login service', role: 'service', emailKey: null, signedInAt: 0 };
/** Seeds as a build before schema 4 kept them: in clear. */
const SEED_ACTIVE = Buffer.alloc(20, 0x3a);
const SEED_PENDING = Buffer.alloc(20, 0x4b);

/** One case per earlier version: the rows it writes at that version and what must hold after migrating. */
const CASES: Record<number, { seed: (db: Db) => void; check: (store: Store, db: Db) => Promise<void> }> = {
  // 1 → 2 (0002-user-search): the name-word index is rebuilt with copies of the users' keys.
  1: {
    seed(db) {
      const user = db.prepare('INSERT INTO users (email, email_key, name, name_key, phone, organization, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 1)');
      const word = db.prepare('INSERT INTO user_name_words (word, user_id) VALUES (?, ?)');
      for (const p of PEOPLE) {
        const id = Number(user.run(p.email, foldKey(p.email), p.name, foldKey(p.name), '+4791234567', 'Eksempel AS', 'active').lastInsertRowid);
        for (const w of indexedNameWords(foldKey(p.name))) word.run(w, id);
      }
    },
    async check(store, db) {
      const words = db.prepare('SELECT word, name_key, email_key, user_id FROM user_name_words ORDER BY user_id, word').all() as Array<{ word: string; name_key: string; email_key: string; user_id: number }>;
      const expected = PEOPLE.flatMap((p, i) => indexedNameWords(foldKey(p.name)).map((w) => ({ word: w, name_key: foldKey(p.name), email_key: foldKey(p.email), user_id: i + 1 })));
      expect(words).toEqual(expected.sort((a, b) => a.user_id - b.user_id || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0)));
      const kari = await store.read((tx) => tx.users.get(1));
      expect(kari).toMatchObject({ email: 'kari.nordmann@example.no', name: 'Kari Nordmann', phone: '+4791234567', organization: 'Eksempel AS', status: 'active' });
      // A surname prefix finds both Nordmanns by name; a later name word finds Per Olav Lie.
      const nord = await store.read((tx) => tx.directory.search('nord', { limit: 10, offset: 0 }));
      expect(nord.items.map((u) => u.name)).toEqual(['Kari Nordmann', 'Ola Nordmann']);
      const olav = await store.read((tx) => tx.directory.search('olav', { limit: 10, offset: 0 }));
      expect(olav.items.map((u) => u.email)).toEqual(['per.lie@example.no']);
      const nora = await store.read((tx) => tx.directory.search('nor', { limit: 10, offset: 0 }));
      // All three are prefix-only matches of "nor": by name.
      expect(nora.items.map((u) => u.name)).toEqual(['Kari Nordmann', 'Nora Berg', 'Ola Nordmann']);
    },
  },
  // 4 → 5 (0005-ranked-search): the name-word index gets each user's status; users get
  // (status, name) and (status, email) indexes, so each rank lists active users first.
  4: {
    seed(db) {
      const user = db.prepare('INSERT INTO users (email, email_key, name, name_key, phone, organization, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 1)');
      const word = db.prepare('INSERT INTO user_name_words (word, user_id, name_key, email_key) VALUES (?, ?, ?, ?)');
      PEOPLE.forEach((p, i) => {
        const id = Number(user.run(p.email, foldKey(p.email), p.name, foldKey(p.name), '+4791234567', 'Eksempel AS', i === 0 ? 'disabled' : 'active').lastInsertRowid);
        for (const w of indexedNameWords(foldKey(p.name))) word.run(w, id, foldKey(p.name), foldKey(p.email));
      });
    },
    async check(store, db) {
      const words = db.prepare('SELECT word, status, user_id FROM user_name_words ORDER BY user_id, word').all();
      const expected = PEOPLE.flatMap((p, i) => indexedNameWords(foldKey(p.name)).map((w) => ({ word: w, status: i === 0 ? 'disabled' : 'active', user_id: i + 1 })));
      expect(words).toEqual(expected.sort((a, b) => a.user_id - b.user_id || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0)));
      expect(await store.read((tx) => tx.users.get(1))).toMatchObject({ email: 'kari.nordmann@example.no', status: 'disabled' });
      // The disabled Kari Nordmann after the active Ola Nordmann, though her name sorts first.
      const nord = await store.read((tx) => tx.directory.search('nordmann', { limit: 10, offset: 0 }));
      expect(nord.items.map((u) => u.name)).toEqual(['Ola Nordmann', 'Kari Nordmann']);
      expect(nord.total).toBe(2);
      // Prefix-only matches of "nor": the active ones by name, then the disabled Kari.
      const nora = await store.read((tx) => tx.directory.search('nor', { limit: 10, offset: 0 }));
      expect(nora.items.map((u) => u.name)).toEqual(['Nora Berg', 'Ola Nordmann', 'Kari Nordmann']);
      const olav = await store.read((tx) => tx.directory.search('olav', { limit: 10, offset: 0 }));
      expect(olav.items.map((u) => u.email)).toEqual(['per.lie@example.no']);
    },
  },
  // 2 → 3 (0003-unknown-verification): a throttle for addresses that are no user; users' counters stay.
  2: {
    seed(db) {
      const user = db.prepare('INSERT INTO users (email, email_key, name, name_key, phone, organization, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 1)');
      const id = Number(user.run(PEOPLE[0]!.email, foldKey(PEOPLE[0]!.email), PEOPLE[0]!.name, foldKey(PEOPLE[0]!.name), null, null, 'active').lastInsertRowid);
      db.prepare('INSERT INTO verification_state (user_id, failures, locked_at, locked_until) VALUES (?, ?, ?, ?)').run(id, 10, 100, 200);
    },
    async check(store) {
      // The user's counter from before is kept as the state every client starts from (0013).
      expect(await store.read((tx) => tx.verification.list(1))).toEqual([{ client: LEGACY_CLIENT, failures: 10, lockedAt: 100, lockedUntil: 200 }]);
      expect(await store.read((tx) => tx.verification.getUnknown('nobody@example.no', 'service:login'))).toEqual({ failures: 0, lockedAt: null, lockedUntil: null });
      await store.write((tx) => tx.verification.setUnknown('nobody@example.no', 'service:login', { failures: 1, lockedAt: null, lockedUntil: null }));
      expect(await store.read((tx) => tx.verification.getUnknown('nobody@example.no', 'service:login'))).toEqual({ failures: 1, lockedAt: null, lockedUntil: null });
    },
  },
  // 3 → 4 (0004-sealed-secrets): a value key is made and every live seed sealed to its row; ended rows keep their zeros.
  3: {
    seed(db) {
      const user = db.prepare('INSERT INTO users (email, email_key, name, name_key, phone, organization, status, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, NULL, ?, 1, 1)');
      for (const p of PEOPLE.slice(0, 2)) user.run(p.email, foldKey(p.email), p.name, foldKey(p.name), 'active');
      const auth = db.prepare('INSERT INTO authenticators (user_id, status, secret, sheet_id, created_at, created_by, setup_deadline, activated_at, ended_at, last_step) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?)');
      auth.run(1, 'revoked', Buffer.alloc(20), 'OLD1-AA', 'anne', null, 2, 3, 10);
      auth.run(1, 'active', SEED_ACTIVE, 'KARI-01', 'anne', null, 4, null, 20);
      auth.run(2, 'pending', SEED_PENDING, 'OLAN-02', 'anne', 4_000_000_000_000, null, null, null);
    },
    async check(store, db) {
      const rows = db.prepare('SELECT id, user_id, status, sheet_id, secret FROM authenticators ORDER BY id').all() as Array<{ id: number; user_id: number; status: string; sheet_id: string; secret: Buffer }>;
      expect(rows[0]!.secret).toEqual(Buffer.alloc(20));
      for (const [r, seed] of [
        [rows[1]!, SEED_ACTIVE],
        [rows[2]!, SEED_PENDING],
      ] as const) {
        expect(r.secret.length).toBe(53);
        expect(r.secret.includes(seed.subarray(0, 8))).toBe(false);
        expect(store.values.open(r.secret, authenticatorSecretAad(store.storeId, r.user_id, r.sheet_id))).toEqual(seed);
      }
      expect(db.prepare("SELECT count(*) FROM meta WHERE key LIKE 'value_key.%'").pluck().get()).toBe(2);
      // The services verify with the sealed seeds: the active one, and the pending one activates at its first code.
      const now = store.clock.now();
      expect(await verifyCode(store, LOGIN_SERVICE, 1, totpAt(SEED_ACTIVE, now))).toEqual({ result: 'accepted' });
      expect(await verifyCode(store, LOGIN_SERVICE, 2, totpAt(SEED_PENDING, now))).toEqual({ result: 'accepted' });
      expect(await store.read((tx) => tx.authenticators.secretsForUser(2))).toMatchObject([{ status: 'active', lastStep: totpStep(now) }]);
    },
  },
  // 5 → 6 (0006-operator-user): operators get a link to their own directory user, unlinked at first.
  5: {
    seed(db) {
      db.prepare('INSERT INTO users (email, email_key, name, name_key, phone, organization, status, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, NULL, ?, 1, 1)').run('per.lie@example.no', 'per.lie@example.no', 'Per Lie', 'per lie', 'active');
      db.prepare("INSERT INTO operators (id, name, name_key, display_name, email, email_key, role, status, created_at, updated_at) VALUES ('op1', 'per', 'per', 'Per Lie', 'per.lie@example.no', 'per.lie@example.no', 'agent', 'active', 1, 1)").run();
    },
    async check(store) {
      const op = await store.read((tx) => tx.operators.get('op1'));
      expect(op).toMatchObject({ name: 'per', email: 'per.lie@example.no', role: 'agent', status: 'active', userId: null });
      await store.write((tx) => tx.operators.update('op1', { role: 'agent', displayName: 'Per Lie', email: op!.email, emailKey: op!.emailKey, userId: 1 }, 2));
      expect((await store.read((tx) => tx.operators.get('op1')))!.userId).toBe(1);
    },
  },
  // 6 → 7 (0007-sms-purpose): SMS factors say what they are for; the existing ones are sign-in only.
  6: {
    seed(db) {
      db.prepare('INSERT INTO users (email, email_key, name, name_key, phone, organization, status, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, NULL, ?, 1, 1)').run('kari@example.no', 'kari@example.no', 'Kari', 'kari', 'active');
      db.prepare('INSERT INTO sms_factors (user_id, phone, verified, created_at) VALUES (1, ?, 1, 1)').run('+4791234567');
    },
    async check(store) {
      expect(await store.read((tx) => tx.sms.get(1))).toEqual({ phone: '+4791234567', verified: true, purpose: 'login' });
      await store.write((tx) => tx.sms.set(1, { phone: '+4791234567', purpose: 'approvals', verified: true }, 2));
      expect(await store.read((tx) => tx.sms.get(1))).toMatchObject({ purpose: 'approvals' });
    },
  },
  // 7 → 8 (0008-email-identity): users get a unique identity key beside the search key, which is no longer unique.
  7: {
    seed(db) {
      const user = db.prepare('INSERT INTO users (email, email_key, name, name_key, phone, organization, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, NULL, ?, 1, 1)');
      const word = db.prepare("INSERT INTO user_name_words (word, user_id, name_key, email_key, status) VALUES (?, ?, ?, ?, 'active')");
      for (const [email, name] of [
        ['Gunnar.Straße@Example.no', 'Gunnar Straße'],
        ['ılker@example.no', 'Ilker Yılmaz'],
        ['kari@example.no', 'Kari Nordmann'],
      ] as const) {
        const id = Number(user.run(email, foldKey(email), name, foldKey(name), '+4791234567', 'active').lastInsertRowid);
        for (const w of indexedNameWords(foldKey(name))) word.run(w, id, foldKey(name), foldKey(email));
      }
      db.prepare('INSERT INTO sms_factors (user_id, phone, verified, created_at) VALUES (1, ?, 1, 1)').run('+4791234567');
      // Two users the old fold told apart (ẞ kept as ß, ß as ss) and the identity key does not.
      user.run('ẞx@example.no', 'ßx@example.no', 'Capital', 'capital', null, 'active');
      user.run('ßx@example.no', 'ssx@example.no', 'Small', 'small', null, 'active');
      db.prepare("INSERT INTO operators (id, name, name_key, display_name, email, email_key, role, status, created_at, updated_at, user_id) VALUES ('op1', 'kari', 'kari', 'Kari', 'kari@example.no', 'kari@example.no', 'agent', 'active', 1, 1, 3)").run();
    },
    async check(store, db) {
      // The users, their factors and the links to them are all still there.
      expect(await store.read((tx) => tx.users.getByEmailKey(identityKey('gunnar.straße@example.no')))).toMatchObject({ id: 1, email: 'Gunnar.Straße@Example.no', phone: '+4791234567' });
      expect(await store.read((tx) => tx.users.getByEmailKey('gunnar.strasse@example.no'))).toBeNull();
      expect(await store.read((tx) => tx.users.getByEmailKey(identityKey('ılker@example.no')))).toMatchObject({ id: 2 });
      expect(await store.read((tx) => tx.sms.get(1))).toMatchObject({ phone: '+4791234567' });
      expect((await store.read((tx) => tx.operators.get('op1')))!.userId).toBe(3);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      // Both stay: the first gets the identity key, the later one keeps its old key.
      expect(db.prepare('SELECT email_identity FROM users WHERE id IN (4, 5) ORDER BY id').pluck().all()).toEqual(['ßx@example.no', 'ssx@example.no']);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      // Search keeps the loose fold: "strasse" and "ilker" still find them.
      expect((await store.read((tx) => tx.directory.search('gunnar.strasse', { limit: 10, offset: 0 }))).items.map((u) => u.id)).toEqual([1]);
      expect((await store.read((tx) => tx.directory.search('ilker@', { limit: 10, offset: 0 }))).items.map((u) => u.id)).toEqual([2]);
      // The other spelling is now another user.
      const id = await store.write((tx) => tx.users.insert({ externalId: null, email: 'gunnar.strasse@example.no', emailKey: identityKey('gunnar.strasse@example.no'), name: 'Gunnar Strasse', nameKey: 'gunnar strasse', phone: null, organization: null, status: 'active' }, 2));
      expect(id).not.toBeNull();
      expect(await store.write((tx) => tx.users.insert({ externalId: null, email: 'KARI@example.no', emailKey: identityKey('KARI@example.no'), name: 'K', nameKey: 'k', phone: null, organization: null, status: 'active' }, 2))).toBeNull();
    },
  },
  // 8 → 9 (0010-alerts): an empty alerts table; events written before raise none, new ones do.
  8: {
    seed(db) {
      db.prepare("INSERT INTO audit_events (seq, at, operator, action, user_id, user_email, checks, ticket, reason, outcome, details, prev_hash, hash) VALUES (1, 1, 'anne', 'velocity.exceeded', NULL, NULL, '[]', NULL, NULL, 'refused', '{}', ?, ?)").run('0'.repeat(64), 'a'.repeat(64));
    },
    async check(store) {
      expect(await store.read((tx) => tx.alerts.list({ all: true }))).toEqual([]);
      await store.write((tx) => tx.alerts.insert({ kind: 'replay', at: 2, auditSeq: 1, action: 'code.verify', outcome: 'rejected', operator: 'login', userId: null, userEmail: null }));
      expect(await store.read((tx) => tx.alerts.countOpen())).toBe(1);
    },
  },
  // 9 → 10 (0011-outbox-delivery): queued notifications stay pending, never tried, and become due for delivery.
  9: {
    seed(db) {
      db.prepare("INSERT INTO users (id, email, email_identity, email_key, name, name_key, status, created_at, updated_at) VALUES (1, 'kari@example.no', 'kari@example.no', 'kari@example.no', 'Kari', 'kari', 'active', 1, 1)").run();
      const q = db.prepare("INSERT INTO outbox (user_id, email, kind, subject, body, created_at, exported_at) VALUES (1, 'kari@example.no', 'one-time-code', 's', 'b', ?, ?)");
      q.run(1, null);
      q.run(2, 5);
    },
    async check(store) {
      const all = await store.read((tx) => tx.outbox.list({ pendingOnly: false, limit: 10 }));
      expect(all.map((o) => [o.createdAt, o.exportedAt, o.deliveredAt, o.attempts, o.nextAttemptAt, o.lastError])).toEqual([
        [2, 5, null, 0, null, null],
        [1, null, null, 0, null, null],
      ]);
      expect((await store.read((tx) => tx.outbox.dueForDelivery({ now: 10, limit: 10, maxAttempts: 5 }))).map((o) => o.createdAt)).toEqual([1]);
    },
  },
  // 10 → 11 (0012-approvals): empty approvals and privileged tables; a user there before can be marked and asked about.
  10: {
    seed(db) {
      db.prepare("INSERT INTO users (id, email, email_key, email_identity, name, name_key, status, created_at, updated_at) VALUES (1, 'ola@example.no', 'ola@example.no', 'ola@example.no', 'Ola', 'ola', 'active', 1, 1)").run();
    },
    async check(store) {
      expect(await store.read((tx) => tx.approvals.list({}))).toEqual([]);
      expect(await store.write((tx) => tx.approvals.setPrivileged(1, true, 'anne', 2))).toBe(true);
      const a = await store.write((tx) =>
        tx.approvals.insert({ action: 'lock.clear', userId: 1, userEmail: 'ola@example.no', requester: 'per', requesterId: 'op-per', triggers: ['privileged-user'], checks: ['callback'], ticket: 'HD-1', reason: 'r', options: {}, status: 'pending', createdAt: 2, expiresAt: 3, runnableAt: null }),
      );
      expect(await store.read((tx) => tx.approvals.get(a.id))).toMatchObject({ status: 'pending', userId: 1 });
    },
  },
  // 11 → 12 (0013-client-verification): the throttle is kept per calling client; the counters from
  // before become the legacy state every client starts from, so a lock in force stays in force.
  11: {
    seed(db) {
      const user = db.prepare("INSERT INTO users (id, email, email_key, email_identity, name, name_key, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'active', 1, 1)");
      user.run(1, 'kari@example.no', 'kari@example.no', 'kari@example.no', 'Kari', 'kari');
      user.run(2, 'ola@example.no', 'ola@example.no', 'ola@example.no', 'Ola', 'ola');
      const state = db.prepare('INSERT INTO verification_state (user_id, failures, locked_at, locked_until) VALUES (?, ?, ?, ?)');
      // Kari hard-locked (100 failures), Ola locked for the far future.
      state.run(1, 100, 5, null);
      state.run(2, 10, 5, 4_000_000_000_000);
      db.prepare('INSERT INTO verification_unknown (email_key, failures, locked_at, locked_until) VALUES (?, ?, ?, ?)').run('nobody@example.no', 10, 5, 4_000_000_000_000);
    },
    async check(store, db) {
      expect(await store.read((tx) => tx.verification.list(1))).toEqual([{ client: LEGACY_CLIENT, failures: 100, lockedAt: 5, lockedUntil: null }]);
      expect(await store.read((tx) => tx.verification.listUnknown('nobody@example.no'))).toEqual([{ client: LEGACY_CLIENT, failures: 10, lockedAt: 5, lockedUntil: 4_000_000_000_000 }]);
      // The locks from before hold for any client: a login service and a RADIUS client alike.
      const radius: Session = { ...LOGIN_SERVICE, operatorId: 'radius:r1', name: 'radius:vpn', via: 'radius' };
      expect(await verifyCode(store, LOGIN_SERVICE, 1, '123456')).toEqual({ result: 'locked' });
      expect(await verifyCode(store, radius, 2, '123456')).toEqual({ result: 'locked' });
      expect(await verifyCodeForEmail(store, radius, 'nobody@example.no', '123456')).toEqual({ result: 'locked' });
      // A new client's failures are its own rows beside the legacy one.
      await store.write((tx) => tx.verification.set(2, 'service:s1', { failures: 1, lockedAt: null, lockedUntil: null }));
      expect((await store.read((tx) => tx.verification.list(2))).map((r) => r.client)).toEqual([LEGACY_CLIENT, 'service:s1']);
      expect(db.pragma('foreign_key_check')).toEqual([]);
    },
  },
  // 12 → 13 (0014-server-mode): the tables a server keeps, empty; an operator and a user there
  // before get a verifier, a second factor, a session and an enrollment code.
  12: {
    seed(db) {
      db.prepare("INSERT INTO users (id, email, email_key, email_identity, name, name_key, status, created_at, updated_at) VALUES (1, 'ola@example.no', 'ola@example.no', 'ola@example.no', 'Ola', 'ola', 'active', 1, 1)").run();
      db.prepare("INSERT INTO operators (id, name, name_key, display_name, role, status, created_at, updated_at) VALUES ('op-anne', 'anne', 'anne', 'Anne', 'admin', 'active', 1, 1)").run();
    },
    async check(store, db) {
      const server = store as ServerStore;
      expect(await server.read((tx) => tx.serverAuth.secondFactor('op-anne'))).toBeNull();
      expect(await server.read((tx) => tx.radiusClients.list())).toEqual([]);
      await server.write(async (tx) => {
        await tx.serverAuth.setPasswordVerifier('op-anne', { salt: Buffer.alloc(16), kdf: { N: 1024, r: 8, p: 1 }, verifier: Buffer.alloc(32), createdAt: 2 });
        await tx.serverAuth.setSecondFactor('op-anne', '{}', 3);
        await tx.serverAuth.createSession({ tokenHash: 'h', operatorId: 'op-anne', role: 'admin', createdAt: 4, lastSeenAt: 4, expiresAt: 9, revokedAt: null });
        await tx.serverAuth.setEnrollmentCode({ userId: 1, salt: Buffer.alloc(16), verifier: Buffer.alloc(32), createdAt: 4, expiresAt: 9, createdBy: 'anne', usedAt: null });
      });
      expect(await server.read((tx) => tx.serverAuth.sessionView('h'))).toMatchObject({ operator: { id: 'op-anne' }, passwordSetAt: 2, secondFactorSetAt: 3 });
      expect(db.pragma('foreign_key_check')).toEqual([]);
    },
  },
  // 13 → 14 (0015-automation-clients): the table of automation clients, empty; a served vault's
  // sessions and throttle from before stay as they were.
  13: {
    seed(db) {
      db.prepare("INSERT INTO operators (id, name, name_key, display_name, role, status, created_at, updated_at) VALUES ('op-anne', 'anne', 'anne', 'Anne', 'admin', 'active', 1, 1)").run();
      db.prepare("INSERT INTO server_signin_state (name_key, failures, last_failure_at, locked_until) VALUES ('k', 3, 7, NULL)").run();
    },
    async check(store, db) {
      const server = store as ServerStore;
      expect(await server.read((tx) => tx.automationClients.list())).toEqual([]);
      expect(await server.read((tx) => tx.serverAuth.signInState('k'))).toEqual({ failures: 3, lastFailureAt: 7, lockedUntil: null });
      const c = { id: 'a'.repeat(32), label: 'nightly', scopes: ['users:import'], verifier: Buffer.alloc(32, 1), createdAt: 8, createdBy: 'anne', lastUsedAt: null, revokedAt: null };
      await server.write((tx) => tx.automationClients.insert(c));
      expect(await server.read((tx) => tx.automationClients.get(c.id))).toEqual(c);
      expect(db.pragma('foreign_key_check')).toEqual([]);
    },
  },
  // 14 → 15 (0016-audit-operator-time): an index by operator and time for the velocity count;
  // the events from before are counted through it.
  14: {
    seed(db) {
      db.prepare("INSERT INTO operators (id, name, name_key, display_name, role, status, created_at, updated_at) VALUES ('op-anne', 'anne', 'anne', 'Anne', 'admin', 'active', 1, 1)").run();
    },
    async check(store, db) {
      for (const at of [10, 20, 30]) await store.write((tx) => tx.audit.append({ action: 'user.reenroll', operator: 'anne', outcome: 'ok' }, at));
      expect(db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'audit_operator_at'").get()).toEqual({ sql: 'CREATE INDEX audit_operator_at ON audit_events(operator, at)' });
      expect(await store.read((tx) => tx.audit.countSince({ operator: 'anne', actions: ['user.reenroll'], outcome: 'ok', since: 20 }))).toBe(2);
    },
  },
};

describe('migrations with data in the vault', () => {
  it('has a case for every earlier schema version', () => {
    const versions = Array.from({ length: SCHEMA_VERSION - 1 }, (_, i) => i + 1);
    expect(Object.keys(CASES).map(Number).sort((a, b) => a - b)).toEqual(versions);
  });

  for (const [from, c] of Object.entries(CASES)) {
    it(`migrates a vault at schema ${from} with rows in it to schema ${SCHEMA_VERSION}`, async () => {
      const t = tempDir('fd-migrate-');
      cleanups.push(t.cleanup);
      const old = vaultAtSchema(join(t.dir, 'vault'), Number(from), c.seed);
      const opened = migrateAndOpen(old);
      cleanups.push(opened.close);
      expect(opened.fromVersion).toBe(Number(from));
      expect(schemaVersion(opened.db)).toBe(SCHEMA_VERSION);
      expect(opened.problems).toEqual([]);
      await c.check(opened.store, opened.db);
    });
  }
});
