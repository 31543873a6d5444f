// Runs the store conformance suite against the PostgreSQL adapter, each store in a fresh
// database (dropped afterwards), with racing writers in separate processes.
import { beforeAll } from 'vitest';
import pg from 'pg';
import { ManualClock } from '../../main/core/clock.ts';
import { foldKey } from '../../main/core/text.ts';
import { openPostgresStore } from '../../main/store/postgres/pg-store.ts';
import { createTestDatabase, ensurePostgres, racePg, TEST_VALUE_KEY } from '../helpers/postgres.ts';
import { storeConformance, type SeedUser, type StoreUnderTest } from './conformance.ts';

// Fails the file (with how to start PostgreSQL) instead of skipping when no server answers.
beforeAll(() => ensurePostgres(), 60_000);

storeConformance('postgres', {
  async create(): Promise<StoreUnderTest> {
    const db = await createTestDatabase();
    const clock = new ManualClock();
    const store = await openPostgresStore({ connectionString: db.url, clock, ...TEST_VALUE_KEY });
    return {
      store,
      clock,
      async seedUsers(users: SeedUser[]) {
        // Through the port: the adapter's users.insert keeps the name-word index in step.
        return store.write(async (tx) => {
          const ids: number[] = [];
          for (const u of users) {
            const id = await tx.users.insert({ externalId: null, email: u.email, emailKey: foldKey(u.email), name: u.name, nameKey: foldKey(u.name), phone: null, organization: null, status: u.status ?? 'active' }, 1);
            ids.push(id!);
          }
          return ids;
        });
      },
      race: (n, op) => racePg(db.url, n, op),
      async swapSecrets(a, b) {
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        try {
          await c.query('UPDATE authenticators x SET secret = y.secret FROM authenticators y WHERE (x.id, y.id) IN (($1::bigint, $2::bigint), ($2, $1))', [a, b]);
        } finally {
          await c.end();
        }
      },
      async close() {
        await store.close();
        await db.drop();
      },
    };
  },
});
