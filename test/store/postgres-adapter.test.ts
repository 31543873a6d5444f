// What the PostgreSQL adapter must do beyond the shared conformance suite: chain audit events
// from racing processes in commit order, hash exactly as the vault does, migrate once and
// refuse a newer schema, never commit a transaction one of whose statements failed, and rank
// the directory exactly as the vault does on the same users.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Readable } from 'node:stream';
import { importUsers } from '../../main/core/import-users.ts';
import { findUserByEmail } from '../../main/core/users.ts';
import { getUserFactors } from '../../main/core/factors.ts';
import { removeSms } from '../../main/core/user-actions.ts';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkAuditChain, type AuditEvent, type AuditInput } from '../../main/core/audit.ts';
import { ManualClock } from '../../main/core/clock.ts';
import { foldKey, identityKey } from '../../main/core/text.ts';
import type { Store } from '../../main/store/port.ts';
import { COUNT_CAP, EMAIL_SORT_CAP } from '../../main/store/repos/directory.ts';
import { openPostgresStore, SHARED_AT_ONCE, SHARED_MEMBERS_MAX, WRITES_AT_ONCE, type PostgresStore } from '../../main/store/postgres/pg-store.ts';
import type { PgTxState } from '../../main/store/postgres/tx-state.ts';
import { COUNT_SINCE } from '../../main/store/postgres/repos/audit.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../main/store/postgres/migrations/index.ts';
import { indexedNameWords } from '../../main/store/sqlite/name-words.ts';
import { createTestDatabase, ensurePostgres, racePg, TEST_VALUE_KEY } from '../helpers/postgres.ts';
import { createSqliteStoreForTest } from './sqlite-open.ts';
import type { Session } from '../../main/core/session.ts';
import { verifyCode, verifyCodeForEmail } from '../../main/core/verify.ts';
import { createServiceClient, revokeServiceClient, ServiceClientSessions } from '../../main/core/service-clients.ts';
import { LEGACY_CLIENT } from '../../main/store/repos/verification.ts';

beforeAll(() => ensurePostgres(), 60_000);

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** Records the text of every statement any pg client sends, until restore(). */
function recordStatements(): { statements: string[]; restore: () => void } {
  const statements: string[] = [];
  const realQuery = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const q = args[0] as string | { text: string };
    statements.push(typeof q === 'string' ? q : q.text);
    return (realQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof realQuery;
  return { statements, restore: () => void (pg.Client.prototype.query = realQuery) };
}

async function fresh(): Promise<{ store: PostgresStore; url: string }> {
  const db = await createTestDatabase();
  const store = await openPostgresStore({ connectionString: db.url, clock: new ManualClock(), ...TEST_VALUE_KEY });
  cleanup.push(
    () => db.drop(),
    () => store.close(),
  );
  return { store, url: db.url };
}

/** A vault store in a temporary folder, closed and removed after the test: the ranking and hashing to compare with. */
function vaultBeside(prefix: string): ReturnType<typeof createSqliteStoreForTest> {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const vault = createSqliteStoreForTest(join(tmp, 'vault'), new ManualClock());
  cleanup.push(
    () => rmSync(tmp, { recursive: true, force: true }),
    () => vault.close(),
  );
  return vault;
}

/** Inserts the same users, in the same order, into each store. */
async function addUsers(stores: Store[], users: Array<{ email: string; name: string; status?: 'active' | 'disabled' }>): Promise<void> {
  for (const s of stores)
    await s.write(async (tx) => {
      for (const u of users) await tx.users.insert({ externalId: null, email: u.email, emailKey: foldKey(u.email), name: u.name, nameKey: foldKey(u.name), phone: null, organization: null, status: u.status ?? 'active' }, 1);
    });
}

async function events(store: PostgresStore): Promise<AuditEvent[]> {
  return store.read(async (tx) => {
    const out: AuditEvent[] = [];
    for await (const e of tx.audit.all()) out.push(e);
    return out;
  });
}

/** The events in audit_pending, counted on a connection of its own. */
async function pendingCount(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_pending')).rows[0]!.n;
  } finally {
    await c.end();
  }
}

/**
 * Holds every shared commit of the store: one write in each, waiting for `held`. Each is sent in
 * a turn of the event loop of its own (writes sent in one turn share a commit).
 */
async function holdSharedCommits(store: PostgresStore, held: Promise<void>): Promise<Array<Promise<void>>> {
  const holding: Array<Promise<void>> = [];
  for (let i = 0; i < SHARED_AT_ONCE; i++) {
    holding.push(store.write(() => held, { coalesce: true }));
    await new Promise((r) => setImmediate(r));
  }
  return holding;
}

describe('postgres store', () => {
  it('chains events from 6 racing processes in commit order, without gaps', { timeout: 120_000 }, async () => {
    const { store, url } = await fresh();
    const results = (await racePg(url, 6, { kind: 'append-audit', n: 5, at: 1_000 })) as number[][];
    const all = await events(store);
    expect(all).toHaveLength(30);
    expect(await checkAuditChain(all)).toMatchObject({ ok: true, count: 30 });
    // Every racer got the seqs it appended, and together they are 1..30 once each.
    expect(results.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await store.read((tx) => tx.audit.head())).toEqual({ count: 30, hash: all[29]!.hash });
  });

  it(`runs at most ${WRITES_AT_ONCE} write transactions of one instance at once; 40 racing appends all land, in one chain`, async () => {
    const { store } = await fresh();
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        store.write(async (tx) => {
          inside++;
          most = Math.max(most, inside);
          try {
            await tx.audit.append({ action: 'vault.create', operator: null, outcome: 'ok', details: { i } }, 1_000 + i);
            await new Promise((r) => setTimeout(r, 2));
          } finally {
            inside--;
          }
        }),
      ),
    );
    expect(most).toBeLessThanOrEqual(WRITES_AT_ONCE);
    expect(most).toBeGreaterThan(1);
    const all = await events(store);
    expect(all).toHaveLength(40);
    expect(await checkAuditChain(all)).toMatchObject({ ok: true, count: 40 });
  });

  it('hashes the same events to the same chain as the vault', async () => {
    const { store } = await fresh();
    const vault = vaultBeside('fd-pg-hash-');
    const inputs: AuditInput[] = [
      { action: 'signin', operator: 'anne', outcome: 'ok' },
      { action: 'user.view', operator: 'anne', userId: 7, userEmail: 'Kari@Example.no', checks: ['id-card', 'callback'], ticket: 'T-1', reason: 'lost phone', outcome: 'ok', details: { via: 'app', n: 2, nested: { ø: true } } },
      { action: 'code.verify', operator: null, outcome: 'refused', details: { text: 'æøå \u{1F600}' } },
    ];
    const append = (s: { write: Store['write'] }) => s.write(async (tx) => Promise.all(inputs.map((e, i) => tx.audit.append(e, 1_700_000_000_000 + i))));
    const fromPg = await append(store);
    const fromVault = await append(vault.store);
    expect(fromPg.map((e) => e.hash)).toEqual(fromVault.map((e) => e.hash));
    expect(await events(store)).toEqual(fromVault);
  });

  it('migrates once, records the version, and refuses a database from a newer build', async () => {
    const { store, url } = await fresh();
    const again = await openPostgresStore({ connectionString: url, ...TEST_VALUE_KEY });
    expect(again.storeId).toBe(store.storeId);
    await again.close();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      expect((await c.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
      await c.query("INSERT INTO schema_migrations (version, name) VALUES (999, 'from-the-future')");
    } finally {
      await c.end();
    }
    await expect(openPostgresStore({ connectionString: url, ...TEST_VALUE_KEY })).rejects.toThrow(/newer than this build/);
  });

  it('migrates a schema-1 database with users in it: the name-word index gets each user’s status', async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      await c.query(MIGRATIONS[0]!.sql);
      await c.query("INSERT INTO schema_migrations (version, name) VALUES (1, '0001-initial')");
      const people = [
        { email: 'kari.a@example.no', name: 'Anne Kari Nordmann', status: 'disabled' },
        { email: 'kari.b@example.no', name: 'Berit Kari Nordmann', status: 'active' },
        { email: 'ola@example.no', name: 'Ola Nordmann', status: 'active' },
      ];
      for (const p of people) {
        const nk = foldKey(p.name);
        const ek = foldKey(p.email);
        const r = await c.query<{ id: number }>('INSERT INTO users (email, email_key, name, name_key, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, 1) RETURNING id', [p.email, ek, p.name, nk, p.status]);
        for (const w of indexedNameWords(nk)) await c.query('INSERT INTO user_name_words (word, user_id, name_key, email_key) VALUES ($1, $2, $3, $4)', [w, r.rows[0]!.id, nk, ek]);
      }
    } finally {
      await c.end();
    }
    const store = await openPostgresStore({ connectionString: db.url, clock: new ManualClock(), ...TEST_VALUE_KEY });
    cleanup.push(() => store.close());
    const search = async (q: string) => (await store.read((tx) => tx.directory.search(q, { limit: 10, offset: 0 }))).items.map((u) => u.email);
    // The disabled Anne Kari Nordmann after the active Berit Kari, though her name sorts first.
    expect(await search('kari')).toEqual(['kari.b@example.no', 'kari.a@example.no']);
    expect(await search('nordmann')).toEqual(['kari.b@example.no', 'ola@example.no', 'kari.a@example.no']);
  });

  it('migrates a schema-10 database with users: each gets its identity key, the search key stays and is no longer unique', async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      for (const m of MIGRATIONS.filter((m) => m.version <= 10)) {
        await c.query(m.sql);
        await c.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      }
      for (const email of ['Gunnar.Straße@Example.no', 'ılker@example.no']) {
        await c.query("INSERT INTO users (email, email_key, name, name_key, phone, status, created_at, updated_at) VALUES ($1, $2, $3, $3, '+4791234567', 'active', 1, 1)", [email, foldKey(email), 'x']);
      }
    } finally {
      await c.end();
    }
    const store = await openPostgresStore({ connectionString: db.url, clock: new ManualClock(), ...TEST_VALUE_KEY });
    cleanup.push(() => store.close());
    expect(await store.read((tx) => tx.users.getByEmailKey(identityKey('gunnar.straße@example.no')))).toMatchObject({ email: 'Gunnar.Straße@Example.no', phone: '+4791234567' });
    expect(await store.read((tx) => tx.users.getByEmailKey(identityKey('ılker@example.no')))).toMatchObject({ email: 'ılker@example.no' });
    const user = (email: string) => ({ externalId: null, email, emailKey: identityKey(email), name: 'y', nameKey: 'y', phone: null, organization: null, status: 'active' as const });
    // The other spellings are other users now; the same address in other case is not.
    expect(await store.write((tx) => tx.users.insert(user('gunnar.strasse@example.no'), 2))).not.toBeNull();
    expect(await store.write((tx) => tx.users.insert(user('ilker@example.no'), 2))).not.toBeNull();
    expect(await store.write((tx) => tx.users.insert(user('GUNNAR.STRAßE@example.no'), 2))).toBeNull();
    expect((await store.read((tx) => tx.directory.search('gunnar.strasse', { limit: 10, offset: 0 }))).items).toHaveLength(2);
  });

  it('migrates a schema-14 database with verification counters: they become the legacy state every client starts from (0016)', async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      for (const m of MIGRATIONS.filter((m) => m.version <= 14)) {
        await c.query(m.sql);
        await m.run?.(c);
        await c.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      }
      await c.query("INSERT INTO users (id, email, email_key, email_identity, name, name_key, status, created_at, updated_at) VALUES (1, 'kari@example.no', 'kari@example.no', 'kari@example.no', 'Kari', 'kari', 'active', 1, 1)");
      await c.query('INSERT INTO verification_state (user_id, failures, locked_at, locked_until) VALUES (1, 100, 5, NULL)');
      await c.query("INSERT INTO verification_unknown (email_key, failures, locked_at, locked_until) VALUES ('nobody@example.no', 10, 5, 4000000000000)");
    } finally {
      await c.end();
    }
    const store = await openPostgresStore({ connectionString: db.url, clock: new ManualClock(), ...TEST_VALUE_KEY });
    cleanup.push(() => store.close());
    expect(await store.read((tx) => tx.verification.list(1))).toEqual([{ client: LEGACY_CLIENT, failures: 100, lockedAt: 5, lockedUntil: null }]);
    expect(await store.read((tx) => tx.verification.listUnknown('nobody@example.no'))).toEqual([{ client: LEGACY_CLIENT, failures: 10, lockedAt: 5, lockedUntil: 4_000_000_000_000 }]);
    // The hard lock from before holds for any client.
    const radius: Session = { operatorId: 'radius:r1', name: 'radius:vpn', displayName: 'vpn', role: 'service', emailKey: null, signedInAt: 0, via: 'radius' };
    expect(await verifyCode(store, radius, 1, '123456')).toEqual({ result: 'locked' });
    expect(await verifyCodeForEmail(store, radius, 'nobody@example.no', '123456')).toEqual({ result: 'locked' });
    await store.write((tx) => tx.verification.set(1, 'service:s1', { failures: 1, lockedAt: null, lockedUntil: null }));
    expect((await store.read((tx) => tx.verification.list(1))).map((r) => r.client)).toEqual([LEGACY_CLIENT, 'service:s1']);
  });

  it('a write whose statement failed does not commit, even when the callback caught the error', async () => {
    const { store } = await fresh();
    await expect(
      store.write(async (tx) => {
        await tx.meta.set('kept', 'no');
        // A foreign key violation aborts the transaction; the callback swallows it.
        await tx.verification.set(424242, 'service:x', { failures: 1, lockedAt: null, lockedUntil: null }).catch(() => {});
        return 'done';
      }),
    ).rejects.toThrow(/foreign key/);
    expect(await store.read((tx) => tx.meta.get('kept'))).toBeUndefined();
  });

  it('verifications sharing a commit go by the settings in the store (read with its BEGIN)', async () => {
    const { store } = await fresh();
    const clock = store.clock as ManualClock;
    const radius: Session = { operatorId: 'radius:r1', name: 'radius:vpn', displayName: 'vpn', role: 'service', emailKey: null, signedInAt: 0, via: 'radius' };
    await store.write(async (tx) => {
      await tx.settings.put('verification', JSON.stringify({ burnAfter: 5, lockAfter: 10, cooldownMinutes: 45 }), 1);
      await tx.verification.setUnknown('nobody@example.no', 'radius:r1', { failures: 9, lockedAt: null, lockedUntil: null });
      await tx.verification.setUnknown('other@example.no', 'radius:r1', { failures: 9, lockedAt: null, lockedUntil: null });
    });
    // Two at once: they share one commit.
    const answers = await Promise.all(['nobody@example.no', 'other@example.no'].map((a) => verifyCodeForEmail(store, radius, a, '123456')));
    expect(answers).toEqual([{ result: 'rejected' }, { result: 'rejected' }]);
    for (const a of ['nobody@example.no', 'other@example.no'])
      expect(await store.read((tx) => tx.verification.getUnknown(a, 'radius:r1'))).toEqual({ failures: 10, lockedAt: clock.now(), lockedUntil: clock.now() + 45 * 60_000 });
  });

  it('routine verifications do not wait for the chain head: answered while another transaction holds it, chained after it lets go', async () => {
    const { store, url } = await fresh();
    const radius: Session = { operatorId: 'radius:r1', name: 'radius:vpn', displayName: 'vpn', role: 'service', emailKey: null, signedInAt: 0, via: 'radius' };
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE');
      const addresses = ['a@example.no', 'b@example.no', 'c@example.no'];
      let timer: NodeJS.Timeout | undefined;
      const answers = await Promise.race([
        Promise.all(addresses.map((a) => verifyCodeForEmail(store, radius, a, '123456'))),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the verifications waited for the chain head')), 10_000))),
      ]).finally(() => clearTimeout(timer));
      expect(answers).toEqual(addresses.map(() => ({ result: 'rejected' })));
      // Committed beside the chain, waiting for the head.
      expect((await holder.query('SELECT count(*)::int AS n FROM audit_pending')).rows[0].n).toBe(3);
      await holder.query('COMMIT');
    } finally {
      await holder.end();
    }
    // This instance's next read sees them in the chain, and nothing is left pending.
    const all = await events(store);
    expect(all.map((e) => e.userEmail).sort()).toEqual(['a@example.no', 'b@example.no', 'c@example.no']);
    expect(await checkAuditChain(all)).toMatchObject({ ok: true, count: 3 });
    expect(await pendingCount(url)).toBe(0);
  });

  it(`a burst of routine verifications while every shared commit runs waits in commits of at most ${SHARED_MEMBERS_MAX}, not in one`, async () => {
    const { store } = await fresh();
    // The transaction a write runs in, read through the connection its repositories hold.
    const txid = async (tx: Parameters<Parameters<PostgresStore['write']>[0]>[0]) =>
      (await (tx.verification as unknown as { s: PgTxState }).s.row<{ x: string }>('SELECT txid_current()::text AS x'))!.x;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // Every shared commit of this instance is running (each waits here in its one write)…
    const holding = await holdSharedCommits(store, held);
    // …when a burst arrives.
    const burst = Array.from({ length: 3 * SHARED_MEMBERS_MAX }, () => store.write(txid, { coalesce: true }));
    release();
    await Promise.all(holding);
    const sizes = [...Map.groupBy(await Promise.all(burst), (x) => x).values()].map((g) => g.length);
    expect(sizes).toEqual([SHARED_MEMBERS_MAX, SHARED_MEMBERS_MAX, SHARED_MEMBERS_MAX]);
  });

  /** Runs `burst` while every shared commit of the store is held, so its writes share the next one; the statements sent meanwhile. */
  async function heldBurst<T>(store: PostgresStore, burst: () => Array<Promise<T>>): Promise<{ settled: Array<PromiseSettledResult<T>>; statements: string[] }> {
    const { statements, restore } = recordStatements();
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const holding = await holdSharedCommits(store, held);
      // Settled as they go (a write that fails early is not left unhandled while the holders finish).
      const settled = Promise.allSettled(burst());
      release();
      await Promise.all(holding);
      return { settled: await settled, statements };
    } finally {
      restore();
    }
  }

  it(`a shared commit of ${SHARED_MEMBERS_MAX} verifications sends no savepoint and their audit events in one statement`, async () => {
    const { store, url } = await fresh();
    const radius: Session = { operatorId: 'radius:r1', name: 'radius:vpn', displayName: 'vpn', role: 'service', emailKey: null, signedInAt: 0, via: 'radius' };
    const addresses = Array.from({ length: SHARED_MEMBERS_MAX }, (_, i) => `nobody${i}@example.no`);
    const { settled, statements } = await heldBurst(store, () => addresses.map((a) => verifyCodeForEmail(store, radius, a, '123456')));
    expect(settled.map((r) => r.status === 'fulfilled' && r.value.result)).toEqual(addresses.map(() => 'rejected'));
    expect(statements.filter((s) => /SAVEPOINT/.test(s))).toEqual([]);
    expect(statements.filter((s) => /INSERT INTO audit_pending/.test(s))).toHaveLength(1);
    // Each counted once, and each event chained once.
    for (const a of addresses) expect((await store.read((tx) => tx.verification.getUnknown(a, 'radius:r1'))).failures).toBe(1);
    const all = await events(store);
    expect(all.map((e) => e.userEmail).sort()).toEqual([...addresses].sort());
    expect(await checkAuditChain(all)).toMatchObject({ ok: true, count: SHARED_MEMBERS_MAX });
    expect(await pendingCount(url)).toBe(0);
  });

  it('a shared commit whose write fails runs again with savepoints: that write alone is undone, with its audit event', async () => {
    const { store } = await fresh();
    const write = (i: number) =>
      store.write(
        async (tx) => {
          await tx.verification.setUnknown(`nobody${i}@example.no`, 'radius:r1', { failures: 1, lockedAt: null, lockedUntil: null });
          await tx.audit.append({ action: 'code.verify', operator: `op${i}`, outcome: 'rejected' }, 1000 + i);
          if (i === 2) throw new Error('boom 2');
          return i;
        },
        { coalesce: true },
      );
    const { settled, statements } = await heldBurst(store, () => Array.from({ length: 5 }, (_, i) => write(i)));
    expect(settled.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual([0, 1, 'Error: boom 2', 3, 4]);
    // Once without savepoints (rolled back at the failure), then again with them.
    const rolledBack = statements.indexOf('ROLLBACK');
    expect(rolledBack).toBeGreaterThan(-1);
    expect(statements.slice(0, rolledBack).filter((s) => /SAVEPOINT/.test(s))).toEqual([]);
    expect(statements.slice(rolledBack).filter((s) => /ROLLBACK TO SAVEPOINT/.test(s))).toHaveLength(1);
    const left = await store.read(async (tx) => {
      const out: number[] = [];
      for (const i of [0, 1, 2, 3, 4]) out.push((await tx.verification.getUnknown(`nobody${i}@example.no`, 'radius:r1')).failures);
      return out;
    });
    expect(left).toEqual([1, 1, 0, 1, 1]);
    expect((await events(store)).map((e) => e.operator)).toEqual(['op0', 'op1', 'op3', 'op4']);
  });

  it("a login service's verifications confirm its client in their shared commit, read with the BEGIN; a revoked one is refused there", async () => {
    const { store } = await fresh();
    const admin: Session = { operatorId: 'op-admin', name: 'anne', displayName: 'Anne', role: 'admin', emailKey: null, signedInAt: 0, via: 'cli' };
    const { clientId, secret } = await createServiceClient(store, admin, 'vpn-gateway');
    const clients = new ServiceClientSessions(store);
    // The first request reads the client; the next ones come from memory and are confirmed in their transactions.
    expect((await clients.session(clientId, secret))?.remembered).toBe(false);
    const signedIn = (await clients.session(clientId, secret))!;
    expect(signedIn.remembered).toBe(true);
    expect(await clients.session(clientId, '0'.repeat(64))).toBeNull();
    const addresses = Array.from({ length: 4 }, (_, i) => `nobody${i}@example.no`);
    const verify = () => addresses.map((a) => verifyCodeForEmail(store, signedIn.session, a, '123456', signedIn.stillThere));
    const { settled, statements } = await heldBurst(store, verify);
    expect(settled.map((r) => r.status === 'fulfilled' && r.value.result)).toEqual(addresses.map(() => 'rejected'));
    // No look-up of its own: the clients came with the BEGIN.
    expect(statements.filter((s) => /FROM service_keys/.test(s) && !/^BEGIN .*SELECT key_id, label, verifier FROM service_keys/.test(s))).toEqual([]);
    expect(statements.filter((s) => /FROM service_keys/.test(s)).length).toBeGreaterThan(SHARED_AT_ONCE);
    await revokeServiceClient(store, admin, clientId);
    const refused = await Promise.allSettled(verify());
    expect(refused.map((r) => r.status === 'rejected' && (r.reason as { code?: string }).code)).toEqual(addresses.map(() => 'SIGNIN_FAILED'));
    // Nothing was counted or audited for the revoked client.
    for (const a of addresses) expect((await store.read((tx) => tx.verification.getUnknown(a, `service:${clientId}`))).failures).toBe(1);
    expect((await events(store)).filter((e) => e.action === 'code.verify')).toHaveLength(addresses.length);
    // It is forgotten: the next request reads the store, and is refused.
    expect(await clients.session(clientId, secret)).toBeNull();
  });

  it('routine verifications sent in separate callbacks of one turn of the event loop (requests read together) share one commit', async () => {
    const { store } = await fresh();
    const txid = async (tx: Parameters<Parameters<PostgresStore['write']>[0]>[0]) =>
      (await (tx.verification as unknown as { s: PgTxState }).s.row<{ x: string }>('SELECT txid_current()::text AS x'))!.x;
    // Each from a callback of its own, as the HTTP server calls one per request it read; every shared commit is free.
    const writes = await new Promise<Array<Promise<string>>>((resolve) => {
      const out: Array<Promise<string>> = [];
      for (let i = 0; i < SHARED_MEMBERS_MAX; i++)
        setImmediate(() => {
          out.push(store.write(txid, { coalesce: true }));
          if (out.length === SHARED_MEMBERS_MAX) resolve(out);
        });
    });
    expect(new Set(await Promise.all(writes)).size).toBe(1);
  });

  it('routine verifications queued just before close() are answered and chained before the pool ends', async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const store = await openPostgresStore({ connectionString: db.url, clock: new ManualClock(), ...TEST_VALUE_KEY });
    const radius: Session = { operatorId: 'radius:r1', name: 'radius:vpn', displayName: 'vpn', role: 'service', emailKey: null, signedInAt: 0, via: 'radius' };
    // Two turns of writes, the second queued while the first shared commits run.
    const first = Array.from({ length: SHARED_AT_ONCE + 3 }, (_, i) => verifyCodeForEmail(store, radius, `a${i}@example.no`, '123456'));
    await new Promise((r) => setImmediate(r));
    const second = Array.from({ length: 3 }, (_, i) => verifyCodeForEmail(store, radius, `b${i}@example.no`, '123456'));
    await store.close();
    expect(await Promise.all([...first, ...second])).toEqual([...first, ...second].map(() => ({ result: 'rejected' })));
    // Chained by this instance before its pool ended: none left for the next one to sweep up.
    expect(await pendingCount(db.url)).toBe(0);
    const again = await openPostgresStore({ connectionString: db.url, clock: new ManualClock(), ...TEST_VALUE_KEY });
    cleanup.push(() => again.close());
    expect((await events(again)).length).toBe(SHARED_AT_ONCE + 6);
  });

  it('keeps its idle connections open: a burst after a quiet spell does not wait for new ones', async () => {
    const { store } = await fresh();
    const pool = (store as unknown as { pool: pg.Pool }).pool;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      // Five reads at once, each holding its connection, then all of them idle for a minute.
      let inside = 0;
      const reads = Array.from({ length: 5 }, () => store.read(() => (inside++, held)));
      await vi.waitFor(() => expect(inside).toBe(5), { interval: 5 });
      const open = pool.totalCount;
      expect(open).toBeGreaterThanOrEqual(5);
      release();
      await Promise.all(reads);
      await vi.advanceTimersByTimeAsync(60_000);
      // None was closed (pg closes idle connections after 10 s unless told otherwise).
      expect(pool.totalCount).toBe(open);
      expect(pool.idleCount).toBeGreaterThanOrEqual(5);
    } finally {
      release();
      vi.useRealTimers();
    }
  });

  it("counts an operator's events since a time (the velocity limits) by the operator-and-time index", async () => {
    const { url } = await fresh();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      // No rows to weigh here: with scans off the planner shows which index the statement can use.
      await c.query('SET enable_seqscan = off');
      await c.query(`PREPARE velocity (text, text, bigint, text[]) AS ${COUNT_SINCE}`);
      const plan = (await c.query("EXPLAIN EXECUTE velocity('anne', 'ok', 0, ARRAY['user.reenroll'])")).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/audit_operator_at/);
      expect(plan).toMatch(/Index Cond: \(\(operator = 'anne'::text\) AND \(at >= '0'::bigint\)\)/);
    } finally {
      await c.end();
    }
  });

  it('ordinary writes and a stream of routine verifications share one chain: every event once, in commit order, none left pending', { timeout: 60_000 }, async () => {
    const { store, url } = await fresh();
    const radius: Session = { operatorId: 'radius:r1', name: 'radius:vpn', displayName: 'vpn', role: 'service', emailKey: null, signedInAt: 0, via: 'radius' };
    const verifications = Array.from({ length: 200 }, (_, i) => verifyCodeForEmail(store, radius, `nobody-${i}@example.no`, '123456'));
    const writes = Array.from({ length: 20 }, (_, i) => store.write((tx) => tx.audit.append({ action: 'user.update', operator: 'anne', outcome: 'ok', details: { i } }, 2_000 + i)));
    expect((await Promise.all(verifications)).every((r) => r.result === 'rejected')).toBe(true);
    const appended = await Promise.all(writes);
    const all = await events(store);
    expect(all).toHaveLength(220);
    expect(await checkAuditChain(all)).toMatchObject({ ok: true, count: 220 });
    expect(new Set(all.filter((e) => e.action === 'code.verify').map((e) => e.userEmail)).size).toBe(200);
    // Each ordinary write's event is where its append put it.
    for (const e of appended) expect(all[e.seq - 1]).toEqual(e);
    expect(await pendingCount(url)).toBe(0);
  });

  it('events an instance left pending (it stopped before chaining them) are chained by the next one to open the store', async () => {
    const { store, url } = await fresh();
    await store.write((tx) => tx.audit.append({ action: 'signin', operator: 'anne', outcome: 'ok' }, 1));
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const left = { action: 'code.verify', operator: 'service:login', userId: null, userEmail: 'x@example.no', checks: [], ticket: null, reason: null, outcome: 'rejected', details: { reason: 'unknown-user' } };
      await c.query('INSERT INTO audit_pending (at, event) VALUES ($1, $2), ($3, $4)', [2, JSON.stringify(left), 3, JSON.stringify({ ...left, userEmail: 'y@example.no' })]);
      const second = await openPostgresStore({ connectionString: url, clock: new ManualClock(), ...TEST_VALUE_KEY });
      cleanup.push(() => second.close());
      let all: AuditEvent[] = [];
      for (let i = 0; i < 100 && all.length < 3; i++) {
        await new Promise((r) => setTimeout(r, 20));
        all = await events(second);
      }
      expect(all.map((e) => [e.seq, e.at, e.userEmail])).toEqual([
        [1, 1, null],
        [2, 2, 'x@example.no'],
        [3, 3, 'y@example.no'],
      ]);
      expect(await checkAuditChain(all)).toMatchObject({ ok: true, count: 3 });
      expect(await pendingCount(url)).toBe(0);
    } finally {
      await c.end();
    }
  });

  it('a read is one snapshot though its BEGIN goes with its first statement; a read of one statement runs one and refuses a second', async () => {
    const { store, url } = await fresh();
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      const seen = await store.read(async (tx) => {
        const before = await tx.meta.get('late');
        await other.query("INSERT INTO meta (key, value) VALUES ('late', 'yes')");
        return [before, await tx.meta.get('late')];
      });
      expect(seen).toEqual([undefined, undefined]);
    } finally {
      await other.end();
    }
    expect(await store.read((tx) => tx.meta.get('late'), { single: true })).toBe('yes');
    await expect(
      store.read(
        async (tx) => {
          await tx.meta.get('late');
          return tx.meta.get('late');
        },
        { single: true },
      ),
    ).rejects.toThrow(/ReadOptions\.single/);
    // A callback that throws before any statement leaves no transaction behind: the pool still reads.
    await expect(store.write(async () => Promise.reject(new Error('before any statement')))).rejects.toThrow(/before any statement/);
    for (let i = 0; i < 12; i++) expect(await store.read((tx) => tx.meta.get('late'))).toBe('yes');
  });

  it('a directory read (perStatement) sends only its statements, on connections set once to plan generically and read only', async () => {
    const { store } = await fresh();
    await store.write(async (tx) => {
      for (const [email, name] of [['ann@example.no', 'Ann Berg'], ['bo@example.no', 'Anna Dahl'], ['cy@example.no', 'Bo Annesen']] as const)
        await tx.users.insert({ externalId: null, email, emailKey: foldKey(email), name, nameKey: foldKey(name), phone: null, organization: null, status: 'active' }, 1);
    });
    const search = (q: string, opts?: { perStatement: true }) => store.read((tx) => tx.directory.search(q, { limit: 20, offset: 0 }), opts);
    const inOneSnapshot = await search('ann');
    const { statements, restore } = recordStatements();
    try {
      // More at once than the directory has connections: each is set up once.
      const pages = await Promise.all(Array.from({ length: 10 }, () => search('ann', { perStatement: true })));
      for (const page of pages) expect(page).toEqual(inOneSnapshot);
      expect(inOneSnapshot.items.map((u) => u.name)).toEqual(['Ann Berg', 'Anna Dahl', 'Bo Annesen']);
      const setups = statements.filter((s) => s.includes('plan_cache_mode'));
      expect(setups.length).toBeGreaterThan(0);
      expect(setups.length).toBeLessThanOrEqual(4);
      expect(setups.every((s) => s === 'SET plan_cache_mode = force_generic_plan; SET default_transaction_read_only = on')).toBe(true);
      expect(statements.filter((s) => /^\s*(BEGIN|COMMIT|ROLLBACK)|SET LOCAL/.test(s))).toEqual([]);
      // Two statements a keystroke (PLAN, RANKED) once the connections are set.
      statements.length = 0;
      await search('anna', { perStatement: true });
      expect(statements).toHaveLength(2);
    } finally {
      restore();
    }
  });

  it('a directory read without one snapshot leaves out a user removed between its statements', async () => {
    const { store, url } = await fresh();
    const ids = await store.write(async (tx) => {
      const out: number[] = [];
      for (const [email, name] of [['ann@example.no', 'Zed Ohlsen'], ['bo@example.no', 'Ann Berg']] as const)
        out.push((await tx.users.insert({ externalId: null, email, emailKey: foldKey(email), name, nameKey: foldKey(name), phone: null, organization: null, status: 'active' }, 1))!);
      return out;
    });
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    const realQuery = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const q = args[0] as string | { text: string };
      const r = (realQuery as (...a: unknown[]) => unknown).apply(this, args);
      // After PLAN found the email's own user (ann@), that user goes before RANKED reads the page.
      if (typeof q === 'object' && q.text.startsWith('WITH RECURSIVE pw')) return (r as Promise<unknown>).then(async (res) => (await other.query('DELETE FROM users WHERE id = $1', [ids[0]]), res));
      return r;
    } as typeof realQuery;
    try {
      const page = await store.read((tx) => tx.directory.search('ann', { limit: 20, offset: 0 }), { perStatement: true });
      expect(page.items.map((u) => u.name)).toEqual(['Ann Berg']);
    } finally {
      pg.Client.prototype.query = realQuery;
      await other.end();
    }
  });

  it('audit events cannot be changed or deleted in the database', async () => {
    const { store, url } = await fresh();
    await store.write((tx) => tx.audit.append({ action: 'signin', operator: 'anne', outcome: 'ok' }, 1));
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await expect(c.query("UPDATE audit_events SET outcome = 'changed'")).rejects.toThrow(/append-only/);
      await expect(c.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
    } finally {
      await c.end();
    }
  });

  it('ranks the directory exactly as the vault on the same users, also past EMAIL_SORT_CAP', { timeout: 120_000 }, async () => {
    const { store } = await fresh();
    const vault = vaultBeside('fd-pg-rank-');
    // A deterministic mix of names with separators, non-ASCII letters and astral characters.
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const parts = ['an', 'ann', 'kari', 'nord', 'nordmann', 'o’brien', "o'b", 'øy', 'öz', 'a_b', 'a%', '\u{1F600}x', 'z', 'ab'];
    const seps = [' ', '-', ' ', '.', ' (', ', '];
    const users = Array.from({ length: EMAIL_SORT_CAP + 150 }, (_, i) => {
      const words = Array.from({ length: 1 + rnd(3) }, () => parts[rnd(parts.length)]!);
      const name = words.map((w, k) => (k === 0 ? w : seps[rnd(seps.length)] + w)).join('');
      const email = `${i < EMAIL_SORT_CAP + 20 ? 'a' : parts[rnd(parts.length)]}${rnd(1000)}.${i}@example.no`;
      return { email, name, status: rnd(6) === 0 ? ('disabled' as const) : ('active' as const) };
    });
    await addUsers([store, vault.store], users);
    const prefixes = [
      'a',
      'a1',
      'a12',
      'an',
      'ann',
      'n',
      'nord',
      'nordmann',
      'o',
      "o'",
      'o’b',
      'b',
      'br',
      'ø',
      'öz',
      'a_',
      'a%',
      '\u{1F600}',
      'z',
      'ab',
      'kari n',
      'x',
      users[5]!.email.toLowerCase(),
      foldKey(users[9]!.name),
      'kari',
      'nordmann n',
      users[7]!.email.toLowerCase().split('@')[0]!,
    ];
    const pages = [
      { limit: 20, offset: 0 },
      { limit: 7, offset: 13 },
      { limit: 100, offset: 900 },
    ];
    let hits = 0;
    for (const q of prefixes)
      for (const page of pages) {
        const a = await store.read((tx) => tx.directory.search(q, page));
        const b = await vault.store.read((tx) => tx.directory.search(q, page));
        expect({ q, page, ...a }).toEqual({ q, page, ...b });
        // A type-ahead's read (perStatement: no transaction, on the directory's connections) answers the same.
        const c = await store.read((tx) => tx.directory.search(q, page), { perStatement: true });
        expect({ q, page, ...c }).toEqual({ q, page, ...b });
        if (page.offset === 0 && a.items.length > 0) hits++;
      }
    // The comparison is over real answers, not two empty lists.
    expect(hits).toBeGreaterThan(prefixes.length - 4);
  });

  it('ranks as the vault when each user is found many times in one rank (a name that repeats its word)', { timeout: 60_000 }, async () => {
    const { store } = await fresh();
    const vault = vaultBeside('fd-pg-rank-');
    // "Ann Ann Ann Ann Ann" matches "ann" by its name and by each of its four later words: a
    // rank's first rows hold a fifth as many users as rows, fewer than a page.
    const users = Array.from({ length: 90 }, (_, i) => ({ email: `${i % 3 ? 'ann' : 'x'}.${i}@example.no`, name: i % 4 ? 'Ann Ann Ann Ann Ann' : `Ann-Ann Ann ${i}`, status: i % 5 ? ('active' as const) : ('disabled' as const) }));
    await addUsers([store, vault.store], users);
    for (const q of ['ann', 'ann ann', 'an'])
      for (const page of [
        { limit: 20, offset: 0 },
        { limit: 30, offset: 50 },
      ]) {
        const a = await store.read((tx) => tx.directory.search(q, page));
        const b = await vault.store.read((tx) => tx.directory.search(q, page));
        expect({ q, page, ...a }).toEqual({ q, page, ...b });
        expect(a.items.length).toBe(page.limit);
      }
  });

  it('counts a user found by two later words once, also when the first COUNT_CAP word rows hold users twice', { timeout: 60_000 }, async () => {
    const { store } = await fresh();
    const vault = vaultBeside('fd-pg-count-');
    // "Per Ann Ann" has the words "ann ann" and "ann": found only by them (not by name or email).
    // Word order puts every "ann" row, then every "ann ann" row, before "anna": the first rows hold users twice.
    const add = (from: number, to: number, rest: string) => addUsers([store, vault.store], Array.from({ length: to - from }, (_, k) => ({ email: `p${from + k}@example.no`, name: `Per${from + k} ${rest}` })));
    const both = async (q: string) => {
      const a = await store.read((tx) => tx.directory.search(q, { limit: 5, offset: 0 }));
      expect(a).toEqual(await vault.store.read((tx) => tx.directory.search(q, { limit: 5, offset: 0 })));
      return [a.total, a.totalCapped];
    };
    await add(0, 600, 'Ann Ann');
    expect(await both('ann')).toEqual([600, false]);
    expect(await both('ann a')).toEqual([600, false]);
    await add(600, 800, 'Anna');
    expect(await both('ann')).toEqual([800, false]);
    await add(800, 1100, 'Anna');
    expect(await both('ann')).toEqual([COUNT_CAP, true]);
  });

  it('takes a count past the cap from the email matches alone only when they pass it themselves', { timeout: 60_000 }, async () => {
    const { store } = await fresh();
    const vault = vaultBeside('fd-pg-count-');
    const add = (users: Array<{ email: string; name: string }>) => addUsers([store, vault.store], users);
    const both = async (q: string, page = { limit: 5, offset: 0 }) => {
      const a = await store.read((tx) => tx.directory.search(q, page), { perStatement: true });
      expect(a).toEqual(await vault.store.read((tx) => tx.directory.search(q, page)));
      return [a.total, a.totalCapped, a.hasMore];
    };
    // Exactly COUNT_CAP email matches ("zed…"), none by name: the count is theirs, not capped.
    await add(Array.from({ length: COUNT_CAP }, (_, i) => ({ email: `zed${i}@example.no`, name: `Per Olsen ${i}` })));
    expect(await both('zed')).toEqual([COUNT_CAP, false, true]);
    expect(await both('zed', { limit: 20, offset: 980 })).toEqual([COUNT_CAP, false, false]);
    // One more user, found by a later name word only: now more than the cap match in all.
    await add([{ email: 'kari@example.no', name: 'Kari Zedlitz' }]);
    expect(await both('zed')).toEqual([COUNT_CAP, true, true]);
    // One more email match instead would pass the cap on its own.
    await add([{ email: `zed${COUNT_CAP}@example.no`, name: 'Ola Hansen' }]);
    expect(await both('zed')).toEqual([COUNT_CAP, true, true]);
    expect(await both('zed1')).toEqual([1 + 10 + 100 + 1, false, true]); // zed1, zed10–19, zed100–199, zed1000
  });
});

describe('the user import over PostgreSQL', () => {
  it('sets SMS factors from the sms and sms_purpose columns; the page shows them and Remove SMS removes one', async () => {
    const { store } = await fresh();
    const admin = { operatorId: 'op-anne', name: 'anne', displayName: 'Anne Berg', role: 'admin' as const, emailKey: null, signedInAt: 0, via: 'cli' as const };
    const csv = 'email,name,phone,organization,sms,sms_purpose\nkari@example.no,Kari Nordmann,,X,912 34 567,\nola@example.no,Ola Nordmann,,X,912 34 568,approvals\n';
    expect(await importUsers(store, admin, Readable.from([csv]))).toMatchObject({ inserted: 2, rejected: [] });
    const kari = (await findUserByEmail(store, 'kari@example.no'))!;
    const ola = (await findUserByEmail(store, 'ola@example.no'))!;
    expect((await getUserFactors(store, admin, kari.id)).sms).toEqual({ masked: '••• •• •67', verified: false, usage: 'login-only' });
    expect((await getUserFactors(store, admin, ola.id)).sms).toEqual({ masked: '••• •• •68', verified: false, usage: 'login-and-approvals' });
    await removeSms(store, admin, ola.id, { checks: ['callback'], ticket: 'HD-17', reason: 'moved to an authenticator' });
    expect((await getUserFactors(store, admin, ola.id)).sms).toBeNull();
    // Imported again: the remaining factor is unchanged.
    expect(await importUsers(store, admin, Readable.from([csv.split('\n').slice(0, 2).join('\n') + '\n']))).toMatchObject({ unchanged: 1, updated: 0 });
  });
});
