// The verification throttle through the server's doors, counted per calling client: a RADIUS
// client (datagrams straight into the in-process handler) and two service clients over HTTPS
// POST /api/v1/validate, on one PostgreSQL store with a moved clock. One client's guessing locks
// that client only; the others still verify the right code for the same user; an unknown user
// answers like a wrong code on each door; clear-lock lifts every client's lock.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_VALUE_KEY } from '../helpers/postgres.ts';
import { ManualClock, systemRandom } from '../../main/core/clock.ts';
import { openPostgresStore } from '../../main/store/postgres/pg-store.ts';
import type { ServerStore } from '../../main/store/port.ts';
import type { Session } from '../../main/core/session.ts';
import { initServerStore } from '../../main/core/server-auth.ts';
import { keyCheck, newServerKeys, valueSealer } from '../../main/server/server-key.ts';
import { importUsers } from '../../main/core/import-users.ts';
import { issueBackupCodes } from '../../main/core/backup-codes.ts';
import { getUserFactors } from '../../main/core/factors.ts';
import { clearVerificationLock } from '../../main/core/user-actions.ts';
import { createServiceClient } from '../../main/core/service-clients.ts';
import { normalizeEmail } from '../../main/core/users.ts';
import { addRadiusClient } from '../../main/core/radius-clients.ts';
import { createRadiusHandler } from '../../main/server/radius/server.ts';
import { startApiServer, type RunningServer } from '../../main/server/http-api.ts';
import { ATTR, CODE, decodePacket, encodeAccessRequest, verifyResponse } from '../../main/server/radius/packet.ts';

const KARI = 'kari.nordmann@example.no';
const NOBODY = 'nobody@example.no';
const ACT = { checks: ['callback'], ticket: 'HD-1', reason: 'lost phone' };
const NAS = { address: '127.0.0.1', port: 40_000 };

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let store: ServerStore;
let admin: Session;
let server: RunningServer;
let url = '';
let ca: Buffer;
let tmp = '';
let radiusSecret = '';
let radiusId = '';
const clients: Array<{ clientId: string; secret: string }> = [];
const clock = new ManualClock(Date.UTC(2026, 11, 4, 9, 0, 0));
const keys = newServerKeys('0'.repeat(32), systemRandom);
const sealer = valueSealer(keys, systemRandom);
let h: ReturnType<typeof createRadiusHandler>;

beforeAll(async () => {
  db = await createTestDatabase();
  store = await openPostgresStore({ connectionString: db.url, clock, random: systemRandom, ...TEST_VALUE_KEY });
  const init = await initServerStore(store, sealer, { keyCheck: keyCheck(keys, systemRandom), escrow: '{}', signingPublicKey: 'x' }, { name: 'anne', email: 'anne@example.no', password: 'a long enough passphrase for anne 7' });
  admin = init.session;
  await importUsers(store, admin, Readable.from([`email,name,phone,organization\n${KARI},Kari Nordmann,+4791234567,IT\n`]));
  const added = await addRadiusClient(store, sealer, admin, { label: 'vpn gateway', address: '127.0.0.1' });
  radiusSecret = added.secret;
  radiusId = added.client.id;
  for (const label of ['web-portal', 'pam']) clients.push(await createServiceClient(store, admin, label));
  h = createRadiusHandler({ store, sealer, clock, log: () => {} });
  tmp = mkdtempSync(join(tmpdir(), 'fd-throttle-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(tmp, 'key.pem'), '-out', join(tmp, 'cert.pem'), '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  ca = readFileSync(join(tmp, 'cert.pem'));
  server = await startApiServer({ store, sealer, tls: { cert: ca, key: readFileSync(join(tmp, 'key.pem')) } }, { host: '127.0.0.1', port: 0 });
  url = `https://127.0.0.1:${server.address.port}`;
}, 120_000);

afterAll(async () => {
  await server?.close();
  await store?.close();
  await db?.drop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function kariId(): Promise<number> {
  return (await store.read((tx) => tx.users.getByEmailKey(normalizeEmail(KARI).emailKey)))!.id;
}

/** One Access-Request from the RADIUS client: 'accept', 'reject' or 'reject: <Reply-Message>'. */
async function radius(user: string, password: string): Promise<string> {
  const authenticator = randomBytes(16);
  const identifier = Math.floor(Math.random() * 256);
  const bytes = encodeAccessRequest({ identifier, authenticator, userName: user, password }, Buffer.from(radiusSecret));
  const res = await h.handle(bytes, NAS);
  expect(res).not.toBeNull();
  expect(verifyResponse(res!, authenticator, identifier, Buffer.from(radiusSecret))).toBe(true);
  const d = decodePacket(res!);
  if (!d.ok) throw d.error;
  if (d.packet.code === CODE.ACCESS_ACCEPT) return 'accept';
  const msg = d.packet.attributes.find((a) => a.type === ATTR.REPLY_MESSAGE)?.value.toString();
  return msg ? `reject: ${msg}` : 'reject';
}

/** POST /api/v1/validate as service client `i`: its HTTP status and body. */
function validate(i: number, user: string, code: string): Promise<{ status: number; body: unknown }> {
  const { clientId, secret } = clients[i]!;
  const body = JSON.stringify({ user, code });
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${url}/api/v1/validate`, { method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const result = async (i: number, user: string, code: string) => {
  const r = await validate(i, user, code);
  expect(r.status).toBe(200);
  return (r.body as { result: string }).result;
};

describe('the verification throttle per calling client, through the server doors', () => {
  it("a RADIUS client's wrong guesses lock that client only; service clients still verify the right code; clear-lock lifts it", { timeout: 60_000 }, async () => {
    const { codes } = await issueBackupCodes(store, admin, await kariId(), ACT);
    const answers: string[] = [];
    for (let i = 0; i < 12; i++) answers.push(await radius(KARI, '11111111'));
    expect(answers.slice(0, 10)).toEqual(Array<string>(10).fill('reject'));
    expect(answers[10]).toMatch(/^reject: .*try again later/);
    expect(answers[11]).toBe(answers[10]);
    // The right code through the locked RADIUS client: still locked.
    expect(await radius(KARI, codes[0]!)).toBe(answers[10]);
    // The same user's other ways in: both service clients verify the right code.
    expect(await result(0, KARI, codes[1]!)).toBe('accepted');
    expect(await result(1, KARI, codes[2]!)).toBe('accepted');
    // Each door's audit event names its client.
    const events = (await store.read((tx) => tx.audit.list({ action: 'code.verify', limit: 3 }))).map((e) => [e.operator, e.outcome]);
    expect(events).toEqual([
      ['service:pam', 'accepted'],
      ['service:web-portal', 'accepted'],
      ['radius:vpn gateway', 'locked'],
    ]);
    // The page shows the worst client: locked.
    expect((await getUserFactors(store, admin, await kariId())).verification).toMatchObject({ failures: 10, locked: true });
    const id = await kariId();
    // Only the guessing client has a state: the service clients' accepted codes found theirs clear and wrote none.
    expect((await store.read((tx) => tx.verification.list(id))).map((r) => [r.client, r.failures] as [string, number])).toEqual([[`radius:${radiusId}`, 10]]);
    await clearVerificationLock(store, admin, await kariId(), ACT);
    expect(await radius(KARI, codes[3]!)).toBe('accept');
    expect((await getUserFactors(store, admin, await kariId())).verification).toEqual({ failures: 0, locked: false, lockedUntil: null });
  });

  it('a service client guessing locks itself only; the other service client and the RADIUS client still verify', { timeout: 60_000 }, async () => {
    const { codes } = await issueBackupCodes(store, admin, await kariId(), ACT);
    const answers: string[] = [];
    for (let i = 0; i < 11; i++) answers.push(await result(1, KARI, '11111111'));
    expect(answers).toEqual([...Array<string>(10).fill('rejected'), 'locked']);
    expect(await result(1, KARI, codes[0]!)).toBe('locked');
    expect(await result(0, KARI, codes[1]!)).toBe('accepted');
    expect(await radius(KARI, codes[2]!)).toBe('accept');
    await clearVerificationLock(store, admin, await kariId(), ACT);
    expect(await result(1, KARI, codes[3]!)).toBe('accepted');
  });

  it('an unknown user and a wrong code give the same answers on each door, from throttles of their own', { timeout: 60_000 }, async () => {
    clock.advance(24 * 60 * 60_000);
    await clearVerificationLock(store, admin, await kariId(), ACT);
    const known: string[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < 11; i++) {
      known.push(await radius(KARI, '22222222'));
      unknown.push(await radius(NOBODY, '22222222'));
    }
    expect(unknown).toEqual(known);
    expect(unknown[10]).toMatch(/try again later/);
    // Over HTTPS, on a service client that has not guessed yet: the whole answer is the same too.
    const wrong: Array<{ status: number; body: unknown }> = [];
    const none: Array<{ status: number; body: unknown }> = [];
    for (let i = 0; i < 11; i++) {
      wrong.push(await validate(0, KARI, '22222222'));
      none.push(await validate(0, NOBODY, '22222222'));
    }
    expect(none).toEqual(wrong);
    expect(none.map((r) => (r.body as { result: string }).result)).toEqual([...Array<string>(10).fill('rejected'), 'locked']);
    // The unknown address's lock is per client as well: the second service client is not locked.
    expect(await validate(1, NOBODY, '22222222')).toEqual(await validate(1, KARI, '22222222'));
    expect((await validate(1, NOBODY, '22222222')).body).toEqual({ ok: true, result: 'rejected' });
  });
});
