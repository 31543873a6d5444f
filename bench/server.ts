// `npm run bench -- --store postgres [--users N]`: server mode on PostgreSQL. Seeds N users
// through the store (the import service), starts `factordesk serve` as a child, and measures
// through HTTPS with a keep-alive client: type-ahead p95 and each action's p95, each beside the
// same kind of query run raw on the same database in the same run; TOTP verifications per second
// (one instance, then two, reported without a target: both instances, PostgreSQL and this load
// generator share the machine's cores) with their p95; the server's resident memory.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import https from 'node:https';
import pg from 'pg';
import { writeCsv, rows } from './data.ts';
import { figure, markdown, pct, timeManyAsync, type Figure } from './stats.ts';
import { createTestDatabase, PG_TEST_ROLE } from '../test/helpers/postgres.ts';
import { systemClock, systemRandom } from '../main/core/clock.ts';
import { openServerStore } from '../main/server/open.ts';
import { escrowKeys, keyCheck, newServerKeys, signingPublicKey, valueSealer, writeKeyFile } from '../main/server/server-key.ts';
import { initServerStore } from '../main/core/server-auth.ts';
import { importUsers } from '../main/core/import-users.ts';
import { inputFile } from '../main/platform/file-ports.ts';
import { ServerClient } from '../main/server/client.ts';
import { totpAt } from '../main/core/totp.ts';
import { base32Decode } from '../main/core/base32.ts';
import { foldKey, prefixUpperBound } from '../main/core/text.ts';

const argv = process.argv.slice(2);
const N = Math.max(1000, Number(argv[argv.indexOf('--users') + 1] ?? 1_000_000) || 1_000_000);
const VERIFY_USERS = Math.min(1000, Math.floor(N / 10));
const log = (s: string) => process.stderr.write(s + '\n');
const tmp = mkdtempSync(join(tmpdir(), 'fd-bench-server-'));
const BIN = fileURLToPath(new URL('../bin/factordesk.js', import.meta.url));
const ADMIN = { name: 'bench', displayName: 'Bench Admin', password: 'benchmark passphrase 2026 ok' };
const CTX = { checks: ['callback', 'photo-id'], ticket: 'HD-1', reason: 'benchmark' };
const figs: Figure[] = [];

const db = await createTestDatabase();
const u = new URL(db.url);
process.env.PGPASSWORD = decodeURIComponent(u.password);
const storeUrl = `postgres://${PG_TEST_ROLE}@${u.host}${u.pathname}`;
const children: Array<ReturnType<typeof spawn>> = [];
const cleanup = async () => {
  for (const c of children) c.kill('SIGTERM');
  await db.drop().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
};
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void cleanup().then(() => process.exit(130)));

async function serveChild(keyFile: string, cert: string, key: string): Promise<{ port: number; pid: number }> {
  // Thousands of timed lookups by one session: the search rate limit is not what this measures.
  const env = { ...process.env, FACTORDESK_SEARCHES_PER_MINUTE: '100000000' };
  const child = spawn(process.execPath, [BIN, 'serve', '--store', storeUrl, '--key-file', keyFile, '--listen', '127.0.0.1:0', '--tls-cert', cert, '--tls-key', key], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let err = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 60_000);
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m) {
        clearTimeout(t);
        resolve({ port: Number(m[1]), pid: child.pid! });
      }
    });
  });
}

function rssMb(pid: number): { rss: number; peak: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

function post(agent: https.Agent, port: number, path: string, body: unknown, headers: Record<string, string>): Promise<any> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    });
    req.on('error', reject);
    req.end(data);
  });
}

try {
  log(`FactorDesk server benchmark: ${N.toLocaleString('en')} users on PostgreSQL (${u.pathname.slice(1)})`);
  const cert = join(tmp, 'cert.pem');
  const tlsKey = join(tmp, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', tlsKey, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const ca = readFileSync(cert);

  // Set up as `server init` does, then seed the directory through the store.
  const dataKey = systemRandom.bytes(32);
  const store = await openServerStore(storeUrl, dataKey, systemClock, systemRandom);
  const keys = newServerKeys(store.storeId, systemRandom, dataKey);
  const keyFile = join(tmp, 'server.key');
  writeKeyFile(keyFile, keys);
  const { escrow } = escrowKeys(keys, systemRandom);
  const init = await initServerStore(store, valueSealer(keys, systemRandom), { keyCheck: keyCheck(keys, systemRandom), escrow, signingPublicKey: signingPublicKey(keys) }, { ...ADMIN, email: null });
  const adminSecret = base32Decode(new URL(init.operatorOtpUri).searchParams.get('secret')!)!;
  const csv = join(tmp, 'users.csv');
  await writeCsv(csv, N);
  const t0 = performance.now();
  const report = await importUsers(store, init.session, inputFile(csv), { onProgress: (p) => p.rows % 100_000 === 0 && p.rows > 0 && log(`  seeded ${p.rows.toLocaleString('en')}`) });
  log(`seeded ${report.inserted.toLocaleString('en')} users in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await store.close();

  const a = await serveChild(keyFile, cert, tlsKey);
  const admin = new ServerClient(`https://127.0.0.1:${a.port}`, { ca });
  const signIn = await admin.call<{ token: string }>('auth/sign-in', { name: ADMIN.name, password: ADMIN.password, otp: totpAt(adminSecret, Date.now()) });
  if (!signIn.ok) throw new Error(JSON.stringify(signIn));
  admin.token = signIn.value.token;
  const call = async (ch: string, req: unknown) => {
    const r = await admin.call<any>(ch, req);
    if (!r.ok) throw new Error(`${ch}: ${JSON.stringify(r.error)}`);
    return r.value;
  };
  // Hundreds of timed factor changes by one admin: the velocity limits (and their approvals) are not what this measures.
  await call('settings:update', { velocityPerHour: 10_000, velocityPerDay: 100_000 });

  // Raw baselines on the same database, one pooled connection, the same keep-alive-free path the server's pool takes.
  const raw = new pg.Client({ connectionString: db.url });
  await raw.connect();
  const sample = rows(N).filter((_, i) => i % Math.max(1, Math.floor(N / 5000)) === 0).slice(0, 5000);
  const prefixes = sample.map((r, i) => (i % 2 ? r.email.slice(0, 3 + (i % 4)) : (r.name.split(' ')[1] ?? r.name).slice(0, 3 + (i % 3))));
  const rawPrefix = await timeManyAsync(2000, (i) => {
    const q = foldKey(prefixes[i % prefixes.length]!);
    return raw.query('SELECT id, email, name, organization, status FROM users WHERE email_key >= $1 AND email_key < $2 ORDER BY email_key LIMIT 21', [q, prefixUpperBound(q)]);
  });
  const viaServer = await timeManyAsync(2000, (i) => call('users:find', { query: prefixes[i % prefixes.length]!, limit: 20 }));
  for (const p of [50, 95, 99] as const) figs.push(figure(`type-ahead through HTTPS p${p}`, pct(viaServer, p), 'ms', p === 95 ? '≤ 5 ms' : '—', (v) => p !== 95 || v <= 5, pct(rawPrefix, p)));

  // Actions through HTTPS on distinct users, against a raw one-row write transaction.
  const ids = (await raw.query<{ id: number }>('SELECT id::int AS id FROM users ORDER BY random() LIMIT 800')).rows.map((r) => r.id);
  const rawWrite = await timeManyAsync(200, async (i) => {
    await raw.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
    await raw.query('UPDATE users SET updated_at = updated_at WHERE id = $1', [ids[i]]);
    await raw.query('COMMIT');
  });
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
  log(`enrolling ${VERIFY_USERS} users for the verification figures`);
  const vIds = (await raw.query<{ id: number; email: string }>('SELECT id::int AS id, email FROM users ORDER BY random() LIMIT $1', [VERIFY_USERS])).rows;
  const secrets: Buffer[] = [];
  for (const v of vIds) {
    const r = await call('enrollment:reenroll', { userId: v.id, ...CTX, voidCodes: false, withBackupCodes: false });
    const secret = base32Decode(new URL(r.uri).searchParams.get('secret')!)!;
    await call('enrollment:confirm', { userId: v.id, code: totpAt(secret, Date.now()) });
    secrets.push(secret);
  }
  const sc = await call('service-clients:create', { label: 'bench' });
  const auth = { authorization: `Basic ${Buffer.from(`${sc.clientId}:${sc.secret}`).toString('base64')}` };
  const verifyRun = async (ports: number[], from: number, to: number, offsetMs: number) => {
    const agents = ports.map(() => new https.Agent({ keepAlive: true, ca, maxSockets: 8 }));
    const lat: number[] = [];
    let next = from;
    let accepted = 0;
    const t = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        while (next < to) {
          const i = next++;
          const s = process.hrtime.bigint();
          const r = await post(agents[w % ports.length]!, ports[w % ports.length]!, '/api/v1/validate', { user: vIds[i]!.email, code: totpAt(secrets[i]!, Date.now() + offsetMs) }, auth);
          lat.push(Number(process.hrtime.bigint() - s) / 1e6);
          if (r.result === 'accepted') accepted++;
        }
      }),
    );
    const secs = (performance.now() - t) / 1000;
    for (const ag of agents) ag.destroy();
    return { perSecond: (to - from) / secs, p95: pct(lat.sort((x, y) => x - y), 95), accepted };
  };
  const half = Math.floor(vIds.length / 2);
  const one = await verifyRun([a.port], 0, half, 30_000);
  figs.push(figure('TOTP verifications per second, one instance', one.perSecond, '/s', '≥ 500/s', (v) => v >= 500));
  figs.push(figure('TOTP verification p95, one instance', one.p95, 'ms', '≤ 10 ms', (v) => v <= 10));
  if (one.accepted !== half) log(`warning: ${half - one.accepted} of ${half} verifications were not accepted`);
  const b = await serveChild(keyFile, cert, tlsKey);
  const two = await verifyRun([a.port, b.port], half, vIds.length, 30_000);
  figs.push(figure('TOTP verifications per second, two instances (no target)', two.perSecond, '/s', '—', () => true));
  const mem = rssMb(a.pid);
  figs.push(figure('server resident memory after the run', mem.rss, 'MB', '—', () => true));
  figs.push(figure('server peak resident memory', mem.peak, 'MB', '—', () => true));
  await raw.end();
  admin.close();

  const table = markdown(figs);
  process.stdout.write(`\n${table}\n`);
  writeFileSync(fileURLToPath(new URL('./results-server.json', import.meta.url)), JSON.stringify({ users: N, at: new Date().toISOString(), figures: figs }, null, 2) + '\n');
} finally {
  await cleanup();
}
