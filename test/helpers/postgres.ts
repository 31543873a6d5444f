// PostgreSQL for tests: makes sure a server answers (starting the Debian cluster when this
// process is root and it is down), that the test role exists, and hands out fresh databases
// that are dropped afterwards. When no server can be reached it fails with the way to start
// one: a PostgreSQL suite never skips silently.
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { PgRaceOp } from '../fixtures/store-race-pg.ts';

/** The fixed value key test stores seal secrets with (a server passes its data key). */
export const TEST_VALUE_KEY = { valueKey: Buffer.alloc(32, 0x5e), valueKeyGeneration: 1 } as const;

/** The role the tests connect as (password login over TCP; CREATEDB to make their databases). */
export const PG_TEST_ROLE = 'factordesk_test';
const PG_TEST_PASSWORD = 'factordesk_test';
const HOST = process.env.PGHOST && !process.env.PGHOST.startsWith('/') ? process.env.PGHOST : '127.0.0.1';
const PORT = Number(process.env.PGPORT ?? 5432);

const HOW_TO_START = [
  `PostgreSQL is needed for the PostgreSQL store tests and did not answer on ${HOST}:${PORT} as role ${PG_TEST_ROLE}.`,
  'Install and start it, and create the test role, for example (Debian, as root):',
  '  apt-get install -y postgresql',
  '  pg_ctlcluster 15 main start',
  `  runuser -u postgres -- psql -c "CREATE ROLE ${PG_TEST_ROLE} LOGIN CREATEDB PASSWORD '${PG_TEST_PASSWORD}'"`,
  'When the tests run as root they do the last two steps themselves.',
].join('\n');

/** A connection string for `database` as the test role. */
export function testUrl(database: string): string {
  return `postgres://${PG_TEST_ROLE}:${PG_TEST_PASSWORD}@${HOST}:${PORT}/${database}`;
}

async function canConnect(): Promise<unknown> {
  const c = new pg.Client({ connectionString: testUrl('postgres'), connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return null;
  } catch (err) {
    return err;
  } finally {
    await c.end().catch(() => {});
  }
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** As root on Debian: starts every cluster that is down and creates the test role if missing. */
function startAsRoot(): void {
  const clusters = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 4);
  for (const [version, name, , status] of clusters) if (status === 'down') execFileSync('pg_ctlcluster', [version!, name!, 'start'], { stdio: 'pipe' });
  // The role name and password are constants of this file, not input.
  const sql = `DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PG_TEST_ROLE}') THEN CREATE ROLE ${PG_TEST_ROLE} LOGIN CREATEDB PASSWORD '${PG_TEST_PASSWORD}'; END IF;
  END $$`;
  for (let i = 0; ; i++) {
    try {
      execFileSync('runuser', ['-u', 'postgres', '--', 'psql', '-v', 'ON_ERROR_STOP=1', '-qc', sql], { stdio: 'pipe', cwd: '/' });
      return;
    } catch (err) {
      if (i >= 20) throw err;
      execFileSync('sleep', ['0.5']);
    }
  }
}

let ready: Promise<void> | null = null;

/** Resolves when the test role can connect; throws with instructions when it cannot. */
export function ensurePostgres(): Promise<void> {
  ready ??= (async () => {
    let err = await canConnect();
    if (err && isRoot()) {
      try {
        startAsRoot();
      } catch (e) {
        throw new Error(`${HOW_TO_START}\nStarting it as root failed: ${String(e)}`);
      }
      err = await canConnect();
    }
    if (err) throw new Error(`${HOW_TO_START}\nLast error: ${String(err)}`);
  })();
  return ready;
}

/** A fresh, empty database for one suite or test; `drop()` removes it (and ends its sessions). */
export async function createTestDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  await ensurePostgres();
  // Only hex from the random source goes into the identifier.
  const name = `fd_test_${randomBytes(8).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: testUrl('postgres') });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name} ENCODING 'UTF8' TEMPLATE template0`);
  // FORCE ends the suite's leftover sessions; it refuses when an autovacuum worker (not ours to
  // signal) is on the database, and a plain DROP then makes that worker stop and waits for it.
  const drop = async () => {
    for (let i = 0; ; i++) {
      try {
        await admin(i === 0 ? `DROP DATABASE IF EXISTS ${name} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${name}`);
        return;
      } catch (err) {
        if (i >= 10) throw err;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  };
  return { name, url: testUrl(name), drop };
}

const RACE_FIXTURE = fileURLToPath(new URL('../fixtures/store-race-pg.ts', import.meta.url));

/** Starts `n` processes on the database at `url`, releases them together, collects their answers. */
export async function racePg(url: string, n: number, op: PgRaceOp): Promise<unknown[]> {
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
