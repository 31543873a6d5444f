// A server for a test file: a fresh PostgreSQL database reached without a password in the URL
// (PGPASSWORD instead, as the README asks) or, with `{ store: 'folder' }`, a vault folder (the
// embedded store), an openssl test certificate, `factordesk server init` run as a child, and
// `factordesk serve` children started on free ports.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { systemRandom, type Clock } from '../../main/core/clock.ts';
import { openKeyedStore } from '../../main/server/open.ts';
import { loadServerKeys, signingPublicKey, valueSealer } from '../../main/server/server-key.ts';
import { HeadSigner } from '../../main/server/head-signer.ts';
import { startApiServer } from '../../main/server/http-api.ts';
import { spkiPin } from '../../main/server/client.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base32Decode, oneJson, spawnCli, spawnCliAsync } from '../fixtures/cli-harness.ts';
import { createTestDatabase, PG_TEST_ROLE } from './postgres.ts';

export interface ServerFixture {
  tmp: string;
  keyFile: string;
  cert: string;
  tlsKey: string;
  /** What --store names: postgres://ROLE@HOST:PORT/DB without the password, or the vault folder. */
  storeUrl: string;
  /** The environment that gives the database password (PGPASSWORD). */
  pgEnv: Record<string, string>;
  /** Removes the database and the temporary folder. */
  cleanup(): Promise<void>;
}

/** A database (or, with `store: 'folder'`, a vault folder not yet made), a folder and a TLS certificate for 127.0.0.1 and localhost. */
export async function serverFixture(prefix: string, opts: { store?: 'postgres' | 'folder' } = {}): Promise<ServerFixture> {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const cert = join(tmp, 'cert.pem');
  const tlsKey = join(tmp, 'key.pem');
  testCertificate(tlsKey, cert);
  if (opts.store === 'folder') {
    return { tmp, keyFile: join(tmp, 'server.key'), cert, tlsKey, storeUrl: join(tmp, 'vault'), pgEnv: {}, cleanup: async () => rmSync(tmp, { recursive: true, force: true }) };
  }
  const db = await createTestDatabase();
  const u = new URL(db.url);
  return {
    tmp,
    keyFile: join(tmp, 'server.key'),
    cert,
    tlsKey,
    storeUrl: `postgres://${PG_TEST_ROLE}@${u.host}${u.pathname}`,
    pgEnv: { PGPASSWORD: decodeURIComponent(u.password) },
    cleanup: async () => {
      await db.drop();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** A self-signed test certificate for 127.0.0.1 and localhost. */
function testCertificate(tlsKey: string, cert: string): void {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', tlsKey, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
}

/** `factordesk server init` as a child with the first admin; its JSON result (throws when it failed). */
export function serverInit(f: ServerFixture, admin: { name: string; password: string; email?: string }): { result: Record<string, any>; adminSecret: Buffer } {
  const r = spawnCli(['--json', 'server', 'init', '--store', f.storeUrl, '--key-file', f.keyFile, '--name', admin.name, ...(admin.email ? ['--email', admin.email] : [])], { env: { ...f.pgEnv, FACTORDESK_PASSWORD: admin.password } });
  const out = oneJson(r.stdout);
  if (!out.ok) throw new Error(`server init failed: ${r.stdout}${r.stderr}`);
  return { result: out.result, adminSecret: base32Decode(new URL(out.result.operatorOtpUri).searchParams.get('secret')!) };
}

/** `factordesk serve` as a child on free ports; resolves once the HTTPS port (and the RADIUS one, with `radius`) is printed. */
export async function startServe(f: ServerFixture, opts: { radius?: boolean } = {}) {
  const child = spawnCliAsync(['serve', '--store', f.storeUrl, '--key-file', f.keyFile, '--listen', '127.0.0.1:0', '--tls-cert', f.cert, '--tls-key', f.tlsKey, ...(opts.radius ? ['--radius', '127.0.0.1:0'] : [])], { env: f.pgEnv });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const ports = await new Promise<{ https: number; radius: number }>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 60_000);
    child.stderr.on('data', () => {
      const h = /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      const r = /RADIUS on udp 127\.0\.0\.1:(\d+)/.exec(stderr);
      if (h && (r || !opts.radius)) {
        clearTimeout(t);
        resolve({ https: Number(h[1]), radius: r ? Number(r[1]) : 0 });
      }
    });
  });
  return { child, port: ports.https, ports, exited, output: () => stderr };
}

/**
 * The fixture's store opened in this process with its key file (on `clock`) and the HTTPS API
 * started on a free port: what tests that move the server's clock use instead of a child.
 */
export async function startInProcess(f: ServerFixture, clock: Clock) {
  const keys = loadServerKeys(f.keyFile, {});
  if (f.pgEnv.PGPASSWORD) process.env.PGPASSWORD = f.pgEnv.PGPASSWORD;
  const store = await openKeyedStore(f.storeUrl, keys, clock, systemRandom);
  const headsFile = join(f.tmp, 'heads.jsonl');
  const audit = { publicKey: signingPublicKey(keys), headsFile };
  const server = await startApiServer({ store, sealer: valueSealer(keys, systemRandom), tls: { cert: readFileSync(f.cert), key: readFileSync(f.tlsKey) }, audit }, { host: '127.0.0.1', port: 0 });
  return {
    store,
    server,
    /** The audit public key and the file of signed heads kept outside the database. */
    audit,
    /** Signs the chain head now, as `serve` does every few seconds (into the store and the heads file). */
    signHeads: () => new HeadSigner(store, keys.signingKey, headsFile).signNow(),
    url: `https://127.0.0.1:${server.address.port}`,
    pin: spkiPin(readFileSync(f.cert)),
    async close() {
      await server.close();
      await store.close();
    },
  };
}

/** The command line as a child (never spawnSync: the server runs in this process). */
export function cliAsync(args: string[], env: Record<string, string>, input?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawnCliAsync(args, { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

