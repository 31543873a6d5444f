// Runs the store conformance suite against the PostgreSQL adapter, each store in a fresh
// database (dropped afterwards), with racing writers in separate processes.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll } from 'vitest';
import { ManualClock } from '../../main/core/clock.ts';
import { foldKey } from '../../main/core/text.ts';
import { openPostgresStore } from '../../main/store/postgres/pg-store.ts';
import { createTestDatabase, ensurePostgres } from '../helpers/postgres.ts';
import { storeConformance, type RaceOp, type SeedUser, type StoreUnderTest } from './conformance.ts';

const RACE_FIXTURE = fileURLToPath(new URL('../fixtures/store-race-pg.ts', import.meta.url));

/** Starts `n` processes on the same database, releases them together, collects their answers. */
async function race(url: string, n: number, op: RaceOp): Promise<unknown[]> {
  const racers = Array.from({ length: n }, () => {
    const child = spawn(process.execPath, ['--no-warnings', RACE_FIXTURE, JSON.stringify(op)], {
      env: { ...process.env, FD_PG_URL: url },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (err += d));
    const ready = new Promise<void>((resolve) => child.stdout.on('data', (d: string) => ((out += d), out.startsWith('ready\n') && resolve())));
    const done = new Promise<unknown>((resolve, reject) =>
      child.on('exit', (code) => {
        const lines = out.trim().split('\n');
        if (code !== 0 || lines.length < 2) reject(new Error(`racer exited ${code}: ${out} ${err}`));
        else resolve(JSON.parse(lines[1]!));
      }),
    );
    return { child, ready, done };
  });
  await Promise.all(racers.map((r) => Promise.race([r.ready, r.done])));
  for (const r of racers) r.child.stdin.write('go\n');
  return Promise.all(racers.map((r) => r.done));
}

// Fails the file (with how to start PostgreSQL) instead of skipping when no server answers.
beforeAll(() => ensurePostgres(), 60_000);

storeConformance('postgres', {
  async create(): Promise<StoreUnderTest> {
    const db = await createTestDatabase();
    const clock = new ManualClock();
    const store = await openPostgresStore({ connectionString: db.url, clock });
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
      race: (n, op) => race(db.url, n, op),
      async close() {
        await store.close();
        await db.drop();
      },
    };
  },
});
