// Users' TOTP seeds in a server's PostgreSQL store are sealed value by value under the server's
// data key: a pg_dump after a re-enrollment and its confirmation holds no seed in any spelling,
// and a store from before sealing has its clear seeds sealed at the first start with the right
// key file, never with a wrong one.
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, PG_TEST_ROLE, TEST_VALUE_KEY } from '../helpers/postgres.ts';
import { ManualClock, systemRandom } from '../../main/core/clock.ts';
import { openPostgresStore, type PostgresStore } from '../../main/store/postgres/pg-store.ts';
import { openKeyedStore } from '../../main/server/open.ts';
import { DATA_KEY_GENERATION, keyCheck, newServerKeys, signingPublicKey, valueSealer } from '../../main/server/server-key.ts';
import { initServerStore } from '../../main/core/server-auth.ts';
import { confirmEnrollment, forceReenrollment } from '../../main/core/enrollment.ts';
import { verifyCode } from '../../main/core/verify.ts';
import { totpAt } from '../../main/core/totp.ts';
import { base32Encode } from '../../main/core/base32.ts';
import { FactorDeskError } from '../../main/core/errors.ts';
import type { Session } from '../../main/core/session.ts';
import type { Store } from '../../main/store/port.ts';
import { ADMIN, CTX, secretFromUri } from '../helpers/suites.ts';

const AGENT: Session = { operatorId: 'op-per', name: 'per', displayName: 'Per Lie', role: 'agent', emailKey: 'per.lie@example.no', signedInAt: 0 };
const LOGIN_SERVICE: Session = { operatorId: 'service:login', name: 'login', displayName: 'Login service', role: 'service', emailKey: null, signedInAt: 0 };

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let noPasswordUrl = '';
const savedPgPassword = process.env.PGPASSWORD;

beforeAll(async () => {
  db = await createTestDatabase();
  const u = new URL(db.url);
  // The server doors refuse a password in --store: it comes from the environment, as in production.
  process.env.PGPASSWORD = decodeURIComponent(u.password);
  noPasswordUrl = `postgres://${PG_TEST_ROLE}@${u.host}${u.pathname}`;
}, 60_000);

afterAll(async () => {
  if (savedPgPassword === undefined) delete process.env.PGPASSWORD;
  else process.env.PGPASSWORD = savedPgPassword;
  await db?.drop();
});

async function addUser(store: Store, email: string, name: string): Promise<number> {
  return store.write(async (tx) => (await tx.users.insert({ externalId: null, email, emailKey: email, name, nameKey: name.toLowerCase(), phone: null, organization: null, status: 'active' }, store.clock.now()))!);
}

/** Every spelling of a seed a dump could show: hex (bytea's text form), base32 (the typed key), base64. */
function spellings(seed: Buffer): string[] {
  return [seed.toString('hex'), base32Encode(seed), seed.toString('base64'), seed.toString('base64').replace(/=+$/, '')];
}

describe('a PostgreSQL store keeps users’ seeds only sealed', () => {
  it('a pg_dump after a re-enrollment and its confirmation holds neither the hex nor the base32 of any seed', { timeout: 60_000 }, async () => {
    const clock = new ManualClock();
    const store = await openPostgresStore({ connectionString: db.url, clock, ...TEST_VALUE_KEY });
    const seeds: Buffer[] = [];
    try {
      const kari = await addUser(store, 'kari@example.no', 'Kari Nordmann');
      // Enrolled once, then re-enrolled (the first seed revoked and zeroed) and confirmed.
      for (let i = 0; i < 2; i++) {
        const issued = await forceReenrollment(store, AGENT, kari, CTX);
        const seed = secretFromUri(issued.uri);
        seeds.push(seed);
        expect(await confirmEnrollment(store, AGENT, kari, totpAt(seed, clock.now()))).toEqual({ status: 'active' });
        clock.advance(60_000);
      }
      expect((await verifyCode(store, LOGIN_SERVICE, kari, totpAt(seeds[1]!, clock.now()))).result).toBe('accepted');
    } finally {
      await store.close();
    }
    const dump = execFileSync('pg_dump', ['--data-only', noPasswordUrl], { env: { ...process.env }, maxBuffer: 64 * 1024 * 1024 }).toString();
    // The dump has the rows (so the checks below look at something): two authenticators of Kari.
    expect(dump).toMatch(/COPY public\.authenticators /);
    expect(dump).toContain('kari@example.no');
    for (const seed of seeds) for (const s of spellings(seed)) expect(dump, 'a seed in the dump').not.toContain(s);
    expect(dump).not.toContain(TEST_VALUE_KEY.valueKey.toString('hex'));
  });

  it('seeds a store kept in clear are sealed at the first start with the right key file, and a wrong key file seals nothing', { timeout: 60_000 }, async () => {
    const db2 = await createTestDatabase();
    const url = `postgres://${PG_TEST_ROLE}@${new URL(db2.url).host}${new URL(db2.url).pathname}`;
    const clock = new ManualClock();
    try {
      // A server store set up as `server init` does.
      const dataKey = systemRandom.bytes(32);
      const setup = await openPostgresStore({ connectionString: db2.url, clock, valueKey: dataKey, valueKeyGeneration: DATA_KEY_GENERATION });
      const keys = newServerKeys(setup.storeId, systemRandom, dataKey);
      await initServerStore(setup, valueSealer(keys, systemRandom), { keyCheck: keyCheck(keys, systemRandom), escrow: '{}', signingPublicKey: signingPublicKey(keys) }, { name: ADMIN.name, email: null, password: ADMIN.password });
      const kari = await addUser(setup, 'kari@example.no', 'Kari Nordmann');
      await setup.close();

      // What an earlier build left: a seed in clear, and the mark of a store from before sealing.
      const seed = Buffer.from('0123456789abcdefghij');
      const raw = new pg.Client({ connectionString: db2.url });
      await raw.connect();
      const secretOf = async () => (await raw.query<{ secret: Buffer }>('SELECT secret FROM authenticators WHERE user_id = $1', [kari])).rows[0]!.secret;
      try {
        await raw.query("INSERT INTO authenticators (user_id, status, secret, sheet_id, created_at, created_by, activated_at, last_step) VALUES ($1, 'active', $2, 'KARI-01', 1, 'anne', 1, 1)", [kari, seed]);
        await raw.query("INSERT INTO meta (key, value) VALUES ('authenticators.clear-secrets', 'x') ON CONFLICT (key) DO NOTHING");

        const wrong = newServerKeys(keys.storeId, systemRandom);
        const refused = await openKeyedStore(url, wrong, clock, systemRandom).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(FactorDeskError);
        expect((refused as FactorDeskError).code).toBe('WRONG_KEY');
        expect(await secretOf()).toEqual(seed);

        const store = await openKeyedStore(url, keys, clock, systemRandom);
        try {
          const box = await secretOf();
          expect(box.length).toBe(53);
          expect(box.includes(seed.subarray(0, 6))).toBe(false);
          expect((await raw.query("SELECT count(*)::int AS n FROM meta WHERE key = 'authenticators.clear-secrets'")).rows[0].n).toBe(0);
          expect((await verifyCode(store, LOGIN_SERVICE, kari, totpAt(seed, clock.now()))).result).toBe('accepted');
          // Once: a second start finds nothing to seal and leaves the box as it is.
          expect(await (store as PostgresStore).sealLegacySecrets()).toBe(0);
          expect(await secretOf()).toEqual(box);
        } finally {
          await store.close();
        }
      } finally {
        await raw.end();
      }
    } finally {
      await db2.drop();
    }
  });
});
