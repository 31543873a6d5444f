// `npm run bench -- --store postgres|folder [--users N]`: server mode on PostgreSQL or on the
// embedded store (a vault folder). Seeds N users through the store (the import service), starts
// `factordesk serve --radius` as a child, and measures through HTTPS with a keep-alive client:
// type-ahead p95 and each action's p95, each beside the same kind of query run raw on the same
// database in the same run (PostgreSQL: one pooled connection; the folder: the vault's SQLite
// database opened raw, read-only for the reads, a second handle for the one-row write);
// TOTP verifications per second with their p95 — in-process (verifyCodeForEmail on the same
// store, the baseline), over HTTPS (POST /api/v1/validate) and over RADIUS (Access-Requests with
// PAP and Message-Authenticator) on one instance, then over HTTPS on two instances (reported
// without a target: both instances, the store and this load generator share the machine's
// cores; on a folder only when a second server starts on it); the server's resident memory.
// Throughputs are at full load: 32 verifications in flight at once (BENCH_VERIFY_CONCURRENCY=N
// for another figure), where the p95 is mostly the queue. The latency target is checked at the
// target rate instead: HTTPS verifications sent at 500 per second (open loop), each timed from
// when it was due, over connections opened before (a login service's pool is warm) and after
// the server's first run at that rate on other users (reported too), beside one-row write
// transactions sent raw at the same rate on the same database (PostgreSQL: over a pool of as
// many connections as the server's). The type-ahead is timed after a warm-up of both sides and
// after the server's first 2,000 lookups (reported too).
// Written to bench/results-server.json (PostgreSQL) or bench/results-server-folder.json.
import { spawn, execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import pg from 'pg';
import { writeCsv, rows } from './data.ts';
import { cliFigures } from './cli-figure.ts';
import { figure, markdown, pct, timeMany, timeManyAsync, type Figure } from './stats.ts';
import { createTestDatabase, PG_TEST_ROLE } from '../test/helpers/postgres.ts';
import { systemClock, systemRandom } from '../main/core/clock.ts';
import { openKeyedStore, openServerStore } from '../main/server/open.ts';
import { escrowKeys, keyCheck, newServerKeys, signingPublicKey, valueSealer, writeKeyFile } from '../main/server/server-key.ts';
import { initServerStore, setUpServedVault } from '../main/core/server-auth.ts';
import { importUsers } from '../main/core/import-users.ts';
import { serviceClientSession } from '../main/core/service-clients.ts';
import { verifyCodeForEmail } from '../main/core/verify.ts';
import { inputFile } from '../main/platform/file-ports.ts';
import { ServerClient } from '../main/server/client.ts';
import { CODE, decodePacket, encodeAccessRequest, verifyResponse } from '../main/server/radius/packet.ts';
import { totpAt } from '../main/core/totp.ts';
import { base32Decode } from '../main/core/base32.ts';
import { foldKey, prefixUpperBound } from '../main/core/text.ts';
import { createVault } from '../main/store/sqlite/first-run.ts';
import { openDatabase, type Db } from '../main/store/sqlite/database.ts';
import { DB_FILE } from '../main/store/sqlite/paths.ts';
import { parseRawKey } from '../main/store/sqlite/key-slots.ts';
import { addServerSlot, writeEscrowFile } from '../main/store/sqlite/served.ts';
import { storeOf } from '../main/store/sqlite/sqlite-store.ts';
import type { Session } from '../main/core/session.ts';

const argv = process.argv.slice(2);
const KIND = argv[argv.indexOf('--store') + 1] === 'folder' ? 'folder' : 'postgres';
const N = Math.max(1000, Number(argv[argv.indexOf('--users') + 1] ?? 1_000_000) || 1_000_000);
/**
 * Users per verification figure (in-process, HTTPS one instance at full load and at a fixed rate,
 * RADIUS, HTTPS two instances): each code step is used once per user, except that the fixed-rate
 * run also takes the in-process and full-load users again, at a later step. At most 800: their
 * re-enrollments and the actions stay within the highest velocity limit an admin can set (10,000 an hour).
 */
const VERIFY_USERS = Math.min(800, Math.floor(N / 25));
/**
 * Users who verify twice at full load (at two steps) before the fixed-rate runs, so the server's
 * verification path is compiled by then. V8 optimizes those functions only after a few thousand
 * verifications: without these, a burst of compiles on V8's own threads at about the server's
 * 3,000th took the two cores for some 50 ms in the middle of the timed run (seen with
 * --trace-opt and per-thread CPU times), which a server that has been answering a login service
 * for a while does not do. 600: their enrollments keep the bench's factor changes within the
 * 10,000 an hour above. Fewer at a small --users, where there are not enough users left.
 */
const WARM_USERS = Math.max(0, Math.min(600, N - 800 - 5 * VERIFY_USERS));
/** Verifications in flight at once, for every door alike (BENCH_VERIFY_CONCURRENCY=N to change it, 1–256). */
/** The fixed rate of the paced verification figure (its target: ≤ 10 ms p95 at 500 per second). */
const RATE = 500;
const CONCURRENCY = Math.min(256, Math.max(1, Math.floor(Number(process.env.BENCH_VERIFY_CONCURRENCY ?? 32)) || 32));
const log = (s: string) => process.stderr.write(s + '\n');
const tmp = mkdtempSync(join(tmpdir(), 'fd-bench-server-'));
const BIN = fileURLToPath(new URL('../bin/factordesk.js', import.meta.url));
const ADMIN = { name: 'bench', displayName: 'Bench Admin', password: 'benchmark passphrase 2026 ok' };
const CTX = { checks: ['callback', 'photo-id'], ticket: 'HD-1', reason: 'benchmark' };
const figs: Figure[] = [];
const OUT = fileURLToPath(new URL(KIND === 'folder' ? './results-server-folder.json' : './results-server.json', import.meta.url));

const db = KIND === 'postgres' ? await createTestDatabase() : null;
const vaultDir = join(tmp, 'vault');
let storeArg = vaultDir;
if (db) {
  const u = new URL(db.url);
  process.env.PGPASSWORD = decodeURIComponent(u.password);
  storeArg = `postgres://${PG_TEST_ROLE}@${u.host}${u.pathname}`;
}
const children: Array<ReturnType<typeof spawn>> = [];
const cleanup = async () => {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const t = setTimeout(() => (c.kill('SIGKILL'), resolve()), 10_000);
          c.once('exit', () => (clearTimeout(t), resolve()));
          c.kill('SIGTERM');
        }),
    ),
  );
  await db?.drop().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
};
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void cleanup().then(() => process.exit(130)));

interface Served {
  port: number;
  radius: number;
  pid: number;
}

/** `factordesk serve` as a child on free ports; rejects with its output when it ends before listening. */
async function serveChild(keyFile: string, cert: string, key: string, radius: boolean): Promise<Served> {
  // Thousands of timed lookups by one session: the search rate limit is not what this measures.
  const env = { ...process.env, FACTORDESK_SEARCHES_PER_MINUTE: '100000000' };
  const child = spawn(process.execPath, [BIN, 'serve', '--store', storeArg, '--key-file', keyFile, '--listen', '127.0.0.1:0', '--tls-cert', cert, '--tls-key', key, ...(radius ? ['--radius', '127.0.0.1:0'] : [])], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 60_000);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`serve ended with ${code} before listening: ${out.trim().slice(0, 500)}`));
    });
    child.stderr!.on('data', (c: Buffer) => {
      out += c.toString();
      const h = /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      const r = /RADIUS on udp 127\.0\.0\.1:(\d+)/.exec(out);
      if (h && (r || !radius)) {
        clearTimeout(t);
        resolve({ port: Number(h[1]), radius: r ? Number(r[1]) : 0, pid: child.pid! });
      }
    });
  });
}

function rssMb(pid: number): { rss: number; peak: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** What a login service sends: POST a JSON body to the server, the JSON answer back. */
interface LoginService {
  post(path: string, body: unknown, headers: Record<string, string>): Promise<any>;
  close(): Promise<void>;
}

/**
 * A login service's keep-alive HTTPS connections to one server, at most `connections` of them.
 * The load generator shares the machine's two cores with the server and the database, so it
 * uses undici, whose client takes less CPU per request than node:https (with it, the server
 * answered about 15 % more verifications per second at full load here).
 */
function loginService(port: number, ca: Buffer, connections: number): LoginService {
  const pool = new Pool(`https://127.0.0.1:${port}`, { connections, connect: { ca }, headersTimeout: 30_000, bodyTimeout: 30_000 });
  return {
    post: async (path, body, headers) => {
      const r = await pool.request({ path, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      return r.body.json();
    },
    close: () => pool.close(),
  };
}

/** A CHECKPOINT of the bench's cluster: by the role itself when it may, else as the postgres user when this runs as root. */
async function checkpoint(c: pg.Client): Promise<boolean> {
  try {
    await c.query('CHECKPOINT');
    return true;
  } catch {
    if (process.getuid?.() !== 0) return false;
    try {
      execFileSync('runuser', ['-u', 'postgres', '--', 'psql', '-qc', 'CHECKPOINT'], { stdio: 'pipe', cwd: '/' });
      return true;
    } catch {
      return false;
    }
  }
}

/** The raw baselines on the store's own database, opened beside the server. */
interface Raw {
  /** Sorted durations of n prefix queries (the store's type-ahead query, 21 rows). */
  timePrefix(prefixes: string[], n: number): Promise<number[]>;
  /** Sorted durations of n one-row write transactions on the given users. */
  timeWrite(ids: number[], n: number): Promise<number[]>;
  /** One such write transaction, as requests at a fixed rate send them (over a pool of connections, as the server has). */
  writeOne(id: number): Promise<void>;
  /** The tables the database's autovacuum vacuumed or analyzed since `since` (none for a vault). */
  maintainedSince(since: Date): Promise<string[]>;
  /** VACUUM (ANALYZE) of every table written since its last one, as autovacuum would do it soon (nothing for a vault). */
  vacuumWritten(): Promise<string[]>;
  randomUsers(n: number): Promise<Array<{ id: number; email: string }>>;
  close(): Promise<void>;
}

async function rawPostgres(url: string): Promise<Raw> {
  const c = new pg.Client({ connectionString: url });
  // The database is dropped at the end while this client may still be open: not a crash.
  c.on('error', () => {});
  await c.connect();
  // As many connections as the server's pool (main/store/postgres/pg-store.ts), kept open as it
  // keeps them, and opened before they are timed (the server's are, by the warm-up requests).
  const pool = new pg.Pool({ connectionString: url, max: 10, idleTimeoutMillis: 0 });
  pool.on('error', () => {});
  await Promise.all(Array.from({ length: 10 }, () => pool.query('SELECT 1')));
  return {
    timePrefix: (prefixes, n) =>
      timeManyAsync(n, (i) => {
        const q = foldKey(prefixes[i % prefixes.length]!);
        return c.query('SELECT id, email, name, organization, status FROM users WHERE email_key >= $1 AND email_key < $2 ORDER BY email_key LIMIT 21', [q, prefixUpperBound(q)]);
      }),
    timeWrite: (ids, n) =>
      timeManyAsync(n, async (i) => {
        await c.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
        await c.query('UPDATE users SET updated_at = updated_at WHERE id = $1', [ids[i]]);
        await c.query('COMMIT');
      }),
    writeOne: async (id) => {
      const k = await pool.connect();
      try {
        await k.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        await k.query('UPDATE users SET updated_at = updated_at WHERE id = $1', [id]);
        await k.query('COMMIT');
      } finally {
        k.release();
      }
    },
    randomUsers: async (n) => (await c.query<{ id: number; email: string }>('SELECT id::int AS id, email FROM users ORDER BY random() LIMIT $1', [n])).rows,
    maintainedSince: async (since) =>
      (await c.query<{ relname: string }>('SELECT relname FROM pg_stat_user_tables WHERE last_autovacuum >= $1 OR last_autoanalyze >= $1 ORDER BY relname', [since])).rows.map((r) => r.relname),
    vacuumWritten: async () => {
      const names = (await c.query<{ relname: string }>('SELECT relname FROM pg_stat_user_tables WHERE n_dead_tup > 0 OR n_mod_since_analyze > 0 ORDER BY relname')).rows.map((r) => r.relname);
      if (names.length > 0) await c.query(`VACUUM (ANALYZE) ${names.map((n) => c.escapeIdentifier(n)).join(', ')}`);
      return names;
    },
    close: async () => {
      await pool.end();
      await c.end();
    },
  };
}

/** The vault's database opened raw with its key: read-only for the reads; the write baseline needs a writable handle of its own. */
function rawSqlite(dir: string, dek: Buffer): Raw {
  const path = join(dir, DB_FILE);
  const ro: Db = openDatabase(path, dek, { readonly: true });
  const rw: Db = openDatabase(path, dek);
  const prefix = ro.prepare('SELECT id, email, name, organization, status FROM users WHERE email_key >= ? AND email_key < ? ORDER BY email_key LIMIT 21');
  const touch = rw.prepare('UPDATE users SET updated_at = updated_at WHERE id = ?');
  const write = rw.transaction((id: number) => touch.run(id));
  return {
    timePrefix: async (prefixes, n) =>
      timeMany(n, (i) => {
        const q = foldKey(prefixes[i % prefixes.length]!);
        prefix.all(q, prefixUpperBound(q));
      }),
    timeWrite: async (ids, n) => timeMany(n, (i) => write.immediate(ids[i]!)),
    writeOne: async (id) => void write.immediate(id),
    randomUsers: async (n) => ro.prepare('SELECT id, email FROM users ORDER BY random() LIMIT ?').all(n) as Array<{ id: number; email: string }>,
    maintainedSince: async () => [],
    vacuumWritten: async () => [],
    close: async () => {
      ro.close();
      rw.close();
    },
  };
}

/** Runs fn(i) for i in [0, n) with `concurrency` in flight: throughput, p95, how many were accepted and what the others answered. */
async function verifyRun(n: number, concurrency: number, fn: (i: number, worker: number) => Promise<string>) {
  const lat: number[] = [];
  let next = 0;
  let accepted = 0;
  const others = new Map<string, number>();
  const t = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (next < n) {
        const i = next++;
        const s = process.hrtime.bigint();
        const r = await fn(i, w).catch((err: unknown) => `thrown ${(err as { code?: string }).code ?? (err as Error).message}`);
        lat.push(Number(process.hrtime.bigint() - s) / 1e6);
        if (r === 'accepted') accepted++;
        else others.set(r, (others.get(r) ?? 0) + 1);
      }
    }),
  );
  const secs = (performance.now() - t) / 1000;
  return {
    perSecond: n / secs,
    p95: pct(
      lat.sort((x, y) => x - y),
      95,
    ),
    accepted,
    n,
    others,
  };
}

/**
 * Runs fn(i) for i in [0, n), started at `perSecond` whatever the answers do (open loop: a slow
 * answer does not hold back the next request, as a login service's users do not wait for each
 * other); each latency is from when its request was due, so a queue that builds up is counted.
 */
async function verifyAtRate(n: number, perSecond: number, fn: (i: number) => Promise<string>) {
  const lat: number[] = [];
  let accepted = 0;
  const others = new Map<string, number>();
  const running: Array<Promise<void>> = [];
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    const due = t + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    running.push(
      fn(i)
        .catch((err: unknown) => `thrown ${(err as { code?: string }).code ?? (err as Error).message}`)
        .then((r) => {
          lat.push(performance.now() - due);
          if (r === 'accepted') accepted++;
          else others.set(r, (others.get(r) ?? 0) + 1);
        }),
    );
  }
  await Promise.all(running);
  lat.sort((x, y) => x - y);
  return {
    perSecond: n / ((performance.now() - t) / 1000),
    p95: pct(lat, 95),
    p99: pct(lat, 99),
    max: lat[lat.length - 1] ?? NaN,
    accepted,
    n,
    others,
  };
}

/** One UDP socket per worker (one request in flight each); a lost datagram is sent again after 2 s, at most twice. */
function radiusWorkers(port: number, secret: Buffer, count: number) {
  const sockets = Array.from({ length: count }, () => dgram.createSocket('udp4'));
  let ids = 0;
  const ready = Promise.all(sockets.map((s) => new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))));
  let lost = 0;
  const ask = (w: number, userName: string, password: string): Promise<string> => {
    const s = sockets[w]!;
    const identifier = ids++ & 0xff;
    const authenticator = randomBytes(16);
    const packet = encodeAccessRequest({ identifier, authenticator, userName, password }, secret);
    return new Promise((resolve) => {
      let tries = 0;
      let timer: NodeJS.Timeout;
      const onMessage = (msg: Buffer) => {
        if (!verifyResponse(msg, authenticator, identifier, secret)) return;
        clearTimeout(timer);
        s.off('message', onMessage);
        const d = decodePacket(msg);
        resolve(d.ok && d.packet.code === CODE.ACCESS_ACCEPT ? 'accepted' : d.ok && d.packet.code === CODE.ACCESS_REJECT ? 'Access-Reject' : 'other answer');
      };
      const send = () => {
        if (tries++ > 2) {
          s.off('message', onMessage);
          lost++;
          return resolve('no answer');
        }
        s.send(packet, port, '127.0.0.1');
        timer = setTimeout(send, 2000);
      };
      s.on('message', onMessage);
      send();
    });
  };
  return { ready, ask, lost: () => lost, close: () => sockets.forEach((s) => s.close()) };
}

try {
  log(`FactorDesk server benchmark: ${N.toLocaleString('en')} users on ${db ? `PostgreSQL (${new URL(db.url).pathname.slice(1)})` : `a vault folder (${vaultDir})`}`);
  const cert = join(tmp, 'cert.pem');
  const tlsKey = join(tmp, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', tlsKey, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], {
    stdio: 'ignore',
  });
  const ca = readFileSync(cert);

  // Set up as `server init` does (main/cli/commands/server.ts, server-folder.ts), then seed the directory through the store.
  const keyFile = join(tmp, 'server.key');
  let keys: ReturnType<typeof newServerKeys>;
  let seed: { store: { close(): Promise<void> }; session: Session; adminSecret: Buffer; import: (csv: string) => ReturnType<typeof importUsers> };
  /** The folder's database key, for the raw baselines. */
  let dek: Buffer | null = null;
  if (KIND === 'postgres') {
    const dataKey = systemRandom.bytes(32);
    const store = await openServerStore(storeArg, dataKey, systemClock, systemRandom);
    keys = newServerKeys(store.storeId, systemRandom, dataKey);
    writeKeyFile(keyFile, keys);
    const { escrow } = escrowKeys(keys, systemRandom);
    const init = await initServerStore(store, valueSealer(keys, systemRandom), { keyCheck: keyCheck(keys, systemRandom), escrow, signingPublicKey: signingPublicKey(keys) }, { ...ADMIN, email: null });
    seed = { store, session: init.session, adminSecret: base32Decode(new URL(init.operatorOtpUri).searchParams.get('secret')!)!, import: (csv) => importUsers(store, init.session, inputFile(csv), { onProgress }) };
  } else {
    const created = await createVault({ dir: vaultDir, clock: systemClock, random: systemRandom }, { ...ADMIN, email: null });
    const store = storeOf(created.vault);
    keys = newServerKeys(created.vault.vaultId, systemRandom);
    const recovery = parseRawKey(created.recoveryKey)!;
    const { escrow } = escrowKeys(keys, systemRandom, recovery);
    recovery.fill(0);
    writeKeyFile(keyFile, keys);
    addServerSlot(created.vault, keys.dataKey);
    writeEscrowFile(vaultDir, escrow);
    const init = await setUpServedVault(
      store,
      valueSealer(keys, systemRandom),
      { keyCheck: keyCheck(keys, systemRandom), escrow, signingPublicKey: signingPublicKey(keys) },
      { session: { ...created.session, via: 'cli' }, password: ADMIN.password },
    );
    dek = created.vault.keyForWorker();
    seed = { store, session: init.session, adminSecret: base32Decode(new URL(init.operatorOtpUri).searchParams.get('secret')!)!, import: (csv) => importUsers(store, init.session, inputFile(csv), { onProgress }) };
  }
  function onProgress(p: { rows: number }) {
    if (p.rows % 100_000 === 0 && p.rows > 0) log(`  seeded ${p.rows.toLocaleString('en')}`);
  }
  const csv = join(tmp, 'users.csv');
  await writeCsv(csv, N);
  const t0 = performance.now();
  const report = await seed.import(csv);
  log(`seeded ${report.inserted.toLocaleString('en')} users in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await seed.store.close();
  if (db) {
    // What autovacuum does some time after a bulk load (statistics, the visibility map that lets
    // index-only scans skip the table), done now so the figures do not depend on when it wakes.
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('VACUUM (ANALYZE) users, user_name_words');
    // The bulk load's and the vacuum's pages written to disk now (a checkpoint, then the
    // kernel's own write-back), not by the checkpointer and the kernel while the figures are
    // timed: measured right after the seeding, the same searches took up to twice as long as
    // minutes later. A role that may not checkpoint (not root, no pg_checkpoint) is said so.
    const checkpointed = await checkpoint(c);
    await c.end();
    execFileSync('sync');
    if (!checkpointed) log('warning: could not run CHECKPOINT (run the bench as root, or grant pg_checkpoint to the role): the first figures may overlap the checkpoint of the seeding');
  }

  const a = await serveChild(keyFile, cert, tlsKey, true);
  const admin = new ServerClient(`https://127.0.0.1:${a.port}`, { ca });
  const signIn = await admin.call<{ token: string }>('auth/sign-in', { name: ADMIN.name, password: ADMIN.password, otp: totpAt(seed.adminSecret, Date.now()) });
  if (!signIn.ok) throw new Error(JSON.stringify(signIn));
  admin.token = signIn.value.token;
  const call = async (ch: string, req: unknown) => {
    const r = await admin.call<any>(ch, req);
    if (!r.ok) throw new Error(`${ch}: ${JSON.stringify(r.error)}`);
    return r.value;
  };
  // Hundreds of timed factor changes by one admin: the velocity limits (and their approvals) are not what this measures.
  await call('settings:update', { velocityPerHour: 10_000, velocityPerDay: 100_000 });

  // Raw baselines on the same database: PostgreSQL over one connection; the folder's SQLite file opened raw beside the server.
  const raw = db ? await rawPostgres(db.url) : rawSqlite(vaultDir, dek!);
  const sample = rows(N)
    .filter((_, i) => i % Math.max(1, Math.floor(N / 8000)) === 0)
    .slice(0, 8000);
  const prefixes = sample.map((r, i) => (i % 2 ? r.email.slice(0, 3 + (i % 4)) : (r.name.split(' ')[1] ?? r.name).slice(0, 3 + (i % 3))));
  // Each side warmed up first on other prefixes (the server's code compiled, each pooled
  // connection's statements planned once, the store's pages read in): the figures are a working
  // server's, not its first minute's.
  // The server's first LOOKUPS after that are reported on their own: at 1,000,000 users the
  // index and table pages they read are still coming into PostgreSQL's shared buffers (128 MB
  // by default) from the kernel's cache. Measured after a restart of PostgreSQL: warm-up and
  // first run read 6,089 pages in and that run's p95 was 5.5 ms; the same again, 31 and 3.3 ms. The
  // target is checked on the LOOKUPS after them (the next prefixes of the sample, beside the
  // same prefixes run raw), as the 500/s figure is on the run after the server's first.
  // The warm-up is long because V8 optimizes the server's search path only over its first few
  // thousand lookups: after 500, its own threads still compiled 145 functions during the first
  // run and 95 during the checked one (--trace-opt, 20,000 users; p95 4.0 and 3.0 ms); after
  // 4,000, 20 and 5 (2.6 and 2.3 ms). Its prefixes are the sample's last, none of the timed ones.
  const WARM = 4000;
  const LOOKUPS = 2000;
  const later = Array.from({ length: LOOKUPS }, (_, i) => prefixes[(LOOKUPS + i) % prefixes.length]!);
  await raw.timePrefix(prefixes.slice(-WARM), WARM);
  const rawPrefix = await raw.timePrefix(later, LOOKUPS);
  await timeManyAsync(WARM, (i) => call('users:find', { query: prefixes[prefixes.length - 1 - i]!, limit: 20 }));
  const firstLookups = await timeManyAsync(LOOKUPS, (i) => call('users:find', { query: prefixes[i % prefixes.length]!, limit: 20 }));
  const viaServer = await timeManyAsync(LOOKUPS, (i) => call('users:find', { query: later[i]!, limit: 20 }));
  figs.push(figure(`type-ahead through HTTPS p95, the server's first ${LOOKUPS} lookups after its warm-up`, pct(firstLookups, 95), 'ms', 'reported', () => true, pct(rawPrefix, 95)));
  for (const p of [50, 95, 99] as const) figs.push(figure(`type-ahead through HTTPS p${p}`, pct(viaServer, p), 'ms', p === 95 ? '≤ 5 ms' : '—', (v) => p !== 95 || v <= 5, pct(rawPrefix, p)));

  // Distinct users: 800 for the actions, then VERIFY_USERS for each verification figure, then WARM_USERS.
  const picked = await raw.randomUsers(800 + 5 * VERIFY_USERS + WARM_USERS);
  const ids = picked.slice(0, 800).map((r) => r.id);
  const vUsers = picked.slice(800);
  // Actions through HTTPS on distinct users, against a raw one-row write transaction.
  const rawWrite = await raw.timeWrite(ids, 200);
  const actions: Array<[string, (i: number) => Promise<unknown>]> = [
    ['issue one-time code', (i) => call('codes:issue-one-time', { userId: ids[i]!, ...CTX })],
    ['new backup codes', (i) => call('codes:backup', { userId: ids[200 + i]!, ...CTX })],
    ['force re-enrollment', (i) => call('enrollment:reenroll', { userId: ids[400 + i]!, ...CTX, voidCodes: false, withBackupCodes: false })],
    ['open a user (view)', (i) => call('users:view', { userId: ids[600 + i]! })],
  ];
  for (const [name, fn] of actions) {
    const t = await timeManyAsync(200, fn);
    figs.push(figure(`${name} through HTTPS p95`, pct(t, 95), 'ms', '< 250 ms', (v) => v < 250, pct(rawWrite, 95)));
  }

  // TOTP verifications: users with a confirmed authenticator, one code each (the step after the confirm's).
  log(`enrolling ${vUsers.length} users for the verification figures`);
  const secrets: Buffer[] = [];
  for (const v of vUsers) {
    const r = await call('enrollment:reenroll', { userId: v.id, ...CTX, voidCodes: false, withBackupCodes: false });
    const secret = base32Decode(new URL(r.uri).searchParams.get('secret')!)!;
    await call('enrollment:confirm', { userId: v.id, code: totpAt(secret, Date.now()) });
    secrets.push(secret);
  }
  const group = (g: number) => ({ users: vUsers.slice(g * VERIFY_USERS, (g + 1) * VERIFY_USERS), secrets: secrets.slice(g * VERIFY_USERS, (g + 1) * VERIFY_USERS) });
  const codeOf = (secret: Buffer) => totpAt(secret, Date.now() + 30_000);
  const checkAll = (what: string, r: { accepted: number; n: number; others: Map<string, number> }) =>
    r.accepted !== r.n && log(`warning: ${r.n - r.accepted} of ${r.n} verifications ${what} were not accepted (${[...r.others].map(([k, v]) => `${v} ${k}`).join(', ')})`);
  const sc = await call('service-clients:create', { label: 'bench' });
  const auth = { authorization: `Basic ${Buffer.from(`${sc.clientId}:${sc.secret}`).toString('base64')}` };
  const rc = await call('radius-clients:add', { label: 'bench nas', address: '127.0.0.1' });

  // In-process: verifyCodeForEmail on the same store, opened in this process with the key file's keys, as the service client's session.
  log('verifications: in-process');
  const inStore = await openKeyedStore(storeArg, keys, systemClock, systemRandom);
  const g0 = group(0);
  const serviceSession = (await serviceClientSession(inStore, sc.clientId, sc.secret))!;
  const inProc = await verifyRun(g0.users.length, CONCURRENCY, async (i) => (await verifyCodeForEmail(inStore, serviceSession, g0.users[i]!.email, codeOf(g0.secrets[i]!))).result);
  await inStore.close();
  checkAll('in-process', inProc);
  figs.push(figure('TOTP verifications per second in-process (verifyCodeForEmail)', inProc.perSecond, '/s', 'reported', () => true));
  figs.push(figure('TOTP verification p95 in-process (verifyCodeForEmail)', inProc.p95, 'ms', 'reported', () => true));

  /** A throughput beside the in-process one: the ratio is time per verification against in-process (as the import's is against its baseline). */
  const throughput = (name: string, perSecond: number, target: string, pass: (v: number) => boolean) => {
    const f = figure(name, perSecond, '/s', target, pass, inProc.perSecond);
    f.ratio = Math.round((inProc.perSecond / perSecond) * 1000) / 1000;
    return f;
  };
  const httpRun = async (ports: number[], g: ReturnType<typeof group>) => {
    const services = ports.map((port) => loginService(port, ca, Math.ceil(CONCURRENCY / ports.length)));
    const r = await verifyRun(g.users.length, CONCURRENCY, async (i, w) => {
      const r = await services[w % ports.length]!.post('/api/v1/validate', { user: g.users[i]!.email, code: codeOf(g.secrets[i]!) }, auth);
      return String(r.ok ? r.result : r.error?.code);
    });
    await Promise.all(services.map((x) => x.close()));
    return r;
  };

  log('verifications: HTTPS, one instance');
  const one = await httpRun([a.port], group(1));
  checkAll('over HTTPS', one);
  figs.push(throughput('TOTP verifications per second over HTTPS, one instance', one.perSecond, '≥ 500/s', (v) => v >= 500));
  // At full load the p95 is the queue: CONCURRENCY in flight over a throughput T wait about CONCURRENCY / T each (Little's law).
  figs.push(figure(`TOTP verification p95 over HTTPS, one instance, ${CONCURRENCY} in flight`, one.p95, 'ms', 'reported', () => true, inProc.p95));

  // The latency a login service sees at the target rate: requests sent at RATE per second
  // whatever the answers do (open loop), each timed from when it was due.
  log(`verifications: HTTPS, one instance, ${RATE} per second`);
  const stepOfCode = () => Math.floor((Date.now() + 30_000) / 30_000); // the step codeOf uses
  const nextStep = async (after: number) => {
    while (stepOfCode() <= after) await new Promise((r) => setTimeout(r, 250));
  };
  let warmStep = 0;
  const paced = await (async () => {
    // A p95 needs a phase long enough that one pause (a garbage collection, a checkpoint) is not
    // the 5 %: the users of the in-process and full-load runs verify again here, with the code of
    // a later step than the one they used (a wait for the next 30-second step, at most).
    // The WARM_USERS verify once before that wait and once after it, at full load.
    const service = loginService(a.port, ca, CONCURRENCY);
    const warm = { users: vUsers.slice(5 * VERIFY_USERS), secrets: secrets.slice(5 * VERIFY_USERS) };
    const warmUp = async () =>
      checkAll(
        'to warm the server up',
        await verifyRun(warm.users.length, CONCURRENCY, async (i) => {
          const r = await service.post('/api/v1/validate', { user: warm.users[i]!.email, code: codeOf(warm.secrets[i]!) }, auth);
          return String(r.ok ? r.result : r.error?.code);
        }),
      );
    await warmUp();
    await nextStep(stepOfCode());
    await warmUp();
    // Their writes (and the earlier runs') would soon have autovacuum at the tables of verifications: done now, before the timed runs.
    await raw.vacuumWritten();
    const gs = [group(4), group(0), group(1)];
    const g = { users: gs.flatMap((x) => x.users), secrets: gs.flatMap((x) => x.secrets) };
    // A login service's connections are open before its users arrive: the TLS handshakes of its
    // pool are made first (by as many at once as the run may use), on addresses that are no user.
    await verifyRun(2 * CONCURRENCY, CONCURRENCY, async (i) => {
      const r = await service.post('/api/v1/validate', { user: `warm-up-${i}@bench.invalid`, code: '000000' }, auth);
      return String(r.ok ? r.result : r.error?.code);
    });
    // The baseline: the same number of one-row write transactions, at the same rate, raw on the same database.
    const base = await verifyAtRate(g.users.length, RATE, async (i) => (await raw.writeOne(g.users[i]!.id), 'accepted'));
    // The server's first run at this rate, on the users of the RADIUS and two-instance runs (they
    // verify again later, at a later step): reported beside the figure. The first paced run on a
    // server varied widely between bench runs (7 to 30 ms p95 at 1,000,000 users on PostgreSQL)
    // where the runs after it stayed near 4 ms; the target is checked on the run after it, as
    // the type-ahead is timed after a warm-up: a working login service's latency.
    const ws = [group(2), group(3)];
    const wg = { users: ws.flatMap((x) => x.users), secrets: ws.flatMap((x) => x.secrets) };
    const first = await verifyAtRate(wg.users.length, RATE, async (i) => {
      const r = await service.post('/api/v1/validate', { user: wg.users[i]!.email, code: codeOf(wg.secrets[i]!) }, auth);
      return String(r.ok ? r.result : r.error?.code);
    });
    warmStep = stepOfCode();
    const since = new Date();
    const r = await verifyAtRate(g.users.length, RATE, async (i) => {
      const r = await service.post('/api/v1/validate', { user: g.users[i]!.email, code: codeOf(g.secrets[i]!) }, auth);
      return String(r.ok ? r.result : r.error?.code);
    });
    await service.close();
    // The database's own upkeep takes a CPU for a few hundred milliseconds; said when it fell in this phase.
    const maintained = await raw.maintainedSince(since);
    if (maintained.length > 0) log(`PostgreSQL's autovacuum ran during the ${RATE}/s phase (${maintained.join(', ')})`);
    return { ...r, base, first, maintained };
  })();
  checkAll(`over HTTPS at ${RATE}/s (the first run)`, paced.first);
  checkAll(`over HTTPS at ${RATE}/s`, paced);
  figs.push(figure(`TOTP verification p95 over HTTPS, one instance, ${RATE} per second, the server's first run at that rate (${paced.first.n} other users)`, paced.first.p95, 'ms', 'reported', () => true, paced.base.p95));
  // Beside raw write transactions sent at the same rate: what the machine and the database do at that rate without FactorDesk.
  figs.push(figure(`TOTP verification p95 over HTTPS, one instance, ${RATE} per second`, paced.p95, 'ms', '≤ 10 ms', (v) => v <= 10, paced.base.p95));
  figs.push(figure(`TOTP verification p99 over HTTPS, one instance, ${RATE} per second`, paced.p99, 'ms', 'reported', () => true, paced.base.p99));
  figs.push(figure(`TOTP verification slowest over HTTPS, one instance, ${RATE} per second (${paced.n} requests)`, paced.max, 'ms', 'reported', () => true, paced.base.max));
  if (KIND === 'postgres') figs.push(figure(`tables autovacuum vacuumed or analyzed during the ${RATE}/s phase`, paced.maintained.length, 'tables', 'reported', () => true));
  // The RADIUS and two-instance users verified in the first paced run: their next codes are of a later step.
  await nextStep(warmStep);

  log('verifications: RADIUS, one instance');
  const nas = radiusWorkers(a.radius, Buffer.from(rc.secret), CONCURRENCY);
  await nas.ready;
  const g2 = group(2);
  const rad = await verifyRun(g2.users.length, CONCURRENCY, (i, w) => nas.ask(w, g2.users[i]!.email, codeOf(g2.secrets[i]!)));
  nas.close();
  checkAll('over RADIUS', rad);
  if (nas.lost() > 0) log(`warning: ${nas.lost()} RADIUS requests got no answer after three sends`);
  figs.push(throughput('TOTP verifications per second over RADIUS, one instance', rad.perSecond, 'reported', () => true));
  figs.push(figure('TOTP verification p95 over RADIUS, one instance', rad.p95, 'ms', 'reported', () => true, inProc.p95));

  // Two instances on one store. A vault folder is for one server: if a second one does not start on it, say so.
  let b: Served | null = null;
  let refused = '';
  try {
    b = await serveChild(keyFile, cert, tlsKey, false);
  } catch (err) {
    refused = (err as Error).message;
  }
  if (b) {
    log('verifications: HTTPS, two instances');
    const two = await httpRun([a.port, b.port], group(3));
    checkAll('over HTTPS on two instances', two);
    figs.push(throughput('TOTP verifications per second over HTTPS, two instances', two.perSecond, 'reported', () => true));
    figs.push(figure('TOTP verification p95 over HTTPS, two instances', two.p95, 'ms', 'reported', () => true, inProc.p95));
  } else {
    log(`a second server on the same store did not start: ${refused}`);
    const na = figure('TOTP verifications per second over HTTPS, two instances', NaN, '/s', '—', () => true);
    na.note = 'not applicable to the embedded store (one folder is for one server)';
    figs.push(na);
  }
  // 100 commands (and as many bare Node starts): a p95 of 30 was their second slowest, and moved by 70 ms between runs of the same code.
  log('timing the command line over HTTPS');
  figs.push(...(await cliFigures({ url: `https://127.0.0.1:${a.port}`, caFile: cert, tmp, operator: { name: ADMIN.name, password: ADMIN.password, secret: seed.adminSecret }, queries: prefixes.slice(0, 30) }, 100, log)));
  const mem = rssMb(a.pid);
  figs.push(figure('server resident memory after the run', mem.rss, 'MB', 'reported', () => true));
  figs.push(figure('server peak resident memory', mem.peak, 'MB', 'reported', () => true));
  await raw.close();
  dek?.fill(0);
  admin.close();

  const table = markdown(figs);
  process.stdout.write(`\n## FactorDesk server benchmark — ${KIND === 'folder' ? 'vault folder' : 'PostgreSQL'}, ${N.toLocaleString('en')} users\n\n${table}\n\nWritten to bench/${OUT.split('/').pop()}\n`);
  writeFileSync(OUT, JSON.stringify({ store: KIND, users: N, at: new Date().toISOString(), verifyConcurrency: CONCURRENCY, figures: figs }, null, 2) + '\n');
} finally {
  await cleanup();
}
