// RADIUS beside HTTPS with the real client: `factordesk server init` and `serve --radius` as
// children on a fresh PostgreSQL database, a RADIUS client added with the command line over the
// server, a one-time code issued over the server, then FreeRADIUS's radclient (and raw datagrams
// from node:dgram for what radclient cannot send) against the RADIUS port.
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, oneJson, spawnCli } from '../fixtures/cli-harness.ts';
import { serverFixture, serverInit, startServe as startServeChild, type ServerFixture } from '../helpers/server.ts';
import { totpAt } from '../../main/core/totp.ts';
import { systemClock, systemRandom } from '../../main/core/clock.ts';
import { openKeyedStore } from '../../main/server/open.ts';
import { loadServerKeys } from '../../main/server/server-key.ts';
import { importUsers } from '../../main/core/import-users.ts';
import type { ServerStore } from '../../main/store/port.ts';
import { CODE, decodePacket, encodeAccessRequest, verifyResponse } from '../../main/server/radius/packet.ts';

const RADCLIENT = '/usr/bin/radclient';
const KARI = 'kari.nordmann@example.no';
let fx: ServerFixture;
let tmp = '';
let storeUrl = '';
let pgEnv: Record<string, string> = {};
let keyFile = '';
let cert = '';
let adminSecret: Buffer;
let store: ServerStore;

beforeAll(async () => {
  fx = await serverFixture('fd-radius-');
  ({ tmp, storeUrl, pgEnv, keyFile, cert } = fx);
  ({ adminSecret } = serverInit(fx, ADMIN));
  // Users come from an import (run on the server host): seeded straight into the store.
  process.env.PGPASSWORD = pgEnv.PGPASSWORD;
  store = await openKeyedStore(storeUrl, loadServerKeys(keyFile, {}), systemClock, systemRandom);
  const admin = { operatorId: 'x', name: ADMIN.name, displayName: ADMIN.displayName, role: 'admin' as const, emailKey: null, signedInAt: Date.now(), via: 'cli' as const };
  await importUsers(store, admin, Readable.from([`email,name,phone,organization\n${KARI},Kari Nordmann,+4791234567,IT\n`]));
}, 120_000);

afterAll(async () => {
  await store?.close();
  await fx?.cleanup();
});

/** `serve --radius 127.0.0.1:0` as a child; resolves once both ports are printed. */
const startServe = () => startServeChild(fx, { radius: true });

/** radclient with attribute lines on stdin; its exit status and output. */
function radclient(port: number, secret: string, attrs: string[], extra: string[] = []): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    const c = execFile(RADCLIENT, ['-x', '-r', '1', '-t', '2', ...extra, `127.0.0.1:${port}`, 'auth', secret], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
    c.stdin!.end(attrs.join(', ') + '\n');
  });
}

/** Sends `bytes` from one UDP socket (one source port) `times` times, collecting the answers. */
async function sendRaw(port: number, bytes: Buffer, times: number, waitMs = 1500): Promise<Buffer[]> {
  const s = createSocket('udp4');
  const got: Buffer[] = [];
  s.on('message', (m) => got.push(m));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  for (let i = 0; i < times; i++) {
    await new Promise<void>((r, j) => s.send(bytes, port, '127.0.0.1', (e) => (e ? j(e) : r())));
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, waitMs));
  s.close();
  return got;
}

const droppedInAll = (log: string) => Math.max(0, ...[...log.matchAll(/(\d+) dropped in all/g)].map((m) => Number(m[1])));

describe('serve --radius with radclient', () => {
  it('PAP with Message-Authenticator: accept, reject; wrong secret and no Message-Authenticator dropped; CHAP rejected; a retransmission answered once', { timeout: 180_000 }, async () => {
    const { child, ports, exited, output } = await startServe();
    const env = { FACTORDESK_SERVER: `https://127.0.0.1:${ports.https}`, FACTORDESK_CA_CERT: cert, FACTORDESK_SESSION_FILE: join(tmp, 'session.json') };
    try {
      const login = spawnCli(['--json', '--operator', ADMIN.name, 'login'], { env: { ...env, FACTORDESK_PASSWORD: ADMIN.password, FACTORDESK_OTP: totpAt(adminSecret, Date.now()) } });
      expect(oneJson(login.stdout)).toMatchObject({ ok: true });
      // The client: its secret printed once.
      const add = oneJson(spawnCli(['--json', 'radius-client', 'add', '--label', 'vpn gateway', '--address', '127.0.0.1'], { env }).stdout);
      expect(add).toMatchObject({ ok: true, result: { client: { label: 'vpn gateway', address: '127.0.0.1' } } });
      const secret: string = add.result.secret;
      expect(secret.length).toBeGreaterThanOrEqual(32);
      const list = spawnCli(['radius-client', 'list'], { env });
      expect(list.stdout).toMatch(new RegExp(`^${add.result.client.id}\\t127\\.0\\.0\\.1\\tvpn gateway\\t`, 'm'));
      expect(list.stdout).not.toContain(secret);
      expect(spawnCli(['--json', 'radius-client', 'add', '--label', 'twin', '--address', '127.0.0.1'], { env }).status).toBe(2);

      const issue = oneJson(spawnCli(['--json', 'issue-code', KARI, '--checks', 'callback', '--ticket', 'HD-9', '--reason', 'vpn'], { env }).stdout);
      expect(issue.ok).toBe(true);
      const code = String(issue.result.code).replace(/\D/g, '');

      const pap = (password: string, s = secret, withMa = true) => radclient(ports.radius, s, [`User-Name = "${KARI}"`, `User-Password = "${password}"`, ...(withMa ? ['Message-Authenticator = 0x00'] : [])]);
      const accepted = await pap(code);
      expect(accepted.out).toMatch(/Received Access-Accept/);
      expect(accepted.status).toBe(0);
      // The answer's Message-Authenticator was checked by radclient (it prints it first).
      expect(accepted.out).toMatch(/Received Access-Accept[^\n]*\n\s*Message-Authenticator = 0x[0-9a-f]{32}/);

      const wrong = await pap('00000000');
      expect(wrong.out).toMatch(/Received Access-Reject/);

      const before = droppedInAll(output());
      const badSecret = await pap('00000000', 'not the shared secret at all 12345');
      expect(badSecret.out).not.toMatch(/Received Access-/);
      expect(badSecret.status).not.toBe(0);
      const noMa = await pap('00000000', secret, false);
      expect(noMa.out).not.toMatch(/Received Access-/);
      expect(noMa.status).not.toBe(0);
      expect(output()).toMatch(/dropped a request from 127\.0\.0\.1:\d+: wrong Message-Authenticator/);
      expect(output()).toMatch(/dropped a request from 127\.0\.0\.1:\d+: no Message-Authenticator/);
      // Each of the two was dropped (and counted) at least once.
      expect(droppedInAll(output()) - before).toBeGreaterThanOrEqual(2);

      const chap = await radclient(ports.radius, secret, [`User-Name = "${KARI}"`, 'CHAP-Password = "12345678"', 'Message-Authenticator = 0x00']);
      expect(chap.out).toMatch(/Received Access-Reject/);

      // A retransmission: the same datagram twice from one source port gets the same answer, verified once.
      const second = oneJson(spawnCli(['--json', 'issue-code', KARI, '--checks', 'callback', '--ticket', 'HD-10', '--reason', 'vpn'], { env }).stdout);
      const authenticator = randomBytes(16);
      const bytes = encodeAccessRequest({ identifier: 42, authenticator, userName: KARI, password: String(second.result.code).replace(/\D/g, '') }, Buffer.from(secret));
      const eventsBefore = (await store.read((tx) => tx.audit.list({ limit: 1000 }))).filter((e) => e.action === 'code.verify').length;
      const answers = await sendRaw(ports.radius, bytes, 2);
      expect(answers.length).toBe(2);
      expect(answers[1]).toEqual(answers[0]);
      expect(verifyResponse(answers[0]!, authenticator, 42, Buffer.from(secret))).toBe(true);
      const d = decodePacket(answers[0]!);
      expect(d.ok && d.packet.code).toBe(CODE.ACCESS_ACCEPT);
      const events = (await store.read((tx) => tx.audit.list({ limit: 1000 }))).filter((e) => e.action === 'code.verify');
      expect(events.length - eventsBefore).toBe(1);
      expect(events[0]).toMatchObject({ operator: 'radius:vpn gateway', outcome: 'accepted', details: { via: 'radius' } });

      // Junk never crashes the server: it still answers afterwards.
      await sendRaw(ports.radius, randomBytes(7), 1, 100);
      await sendRaw(ports.radius, Buffer.concat([bytes.subarray(0, 20), Buffer.from([1, 0])]), 1, 100);
      expect((await pap('00000000')).out).toMatch(/Received Access-Reject/);

      // Removed: the client's requests are dropped from then on.
      expect(spawnCli(['--json', 'radius-client', 'remove', add.result.client.id], { env }).status).toBe(0);
      expect((await pap('00000000')).out).not.toMatch(/Received Access-/);
      expect(output()).toMatch(/unknown client address/);
      expect(output()).not.toContain(secret);
      expect(output()).not.toContain(KARI);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output()).toMatch(/SIGTERM: finishing requests in flight[\s\S]*stopped/);
  });
});
