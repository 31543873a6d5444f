// The RADIUS door in-process, on a fresh PostgreSQL store with a moved clock: datagrams go
// straight into the handler from a chosen source address, so every drop, the retransmission
// cache and its expiry, the lock's Reply-Message and the audit's door can be checked exactly.
import { randomBytes } from 'node:crypto';
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
import { issueOneTimeCode } from '../../main/core/one-time-codes.ts';
import { normalizeEmail } from '../../main/core/users.ts';
import { addRadiusClient, canonicalAddress, listRadiusClients, removeRadiusClient } from '../../main/core/radius-clients.ts';
import { createRadiusHandler } from '../../main/server/radius/server.ts';
import { ATTR, CODE, decodePacket, encodeAccessRequest, encodePacket, messageAuthenticator, verifyResponse } from '../../main/server/radius/packet.ts';

const KARI = 'kari.nordmann@example.no';
const ACT = { checks: ['callback'], ticket: 'HD-1', reason: 'lost phone' };
const NAS = { address: '127.0.0.1', port: 40_000 };

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let store: ServerStore;
let admin: Session;
let secret: string;
let clientId: string;
const clock = new ManualClock(Date.UTC(2026, 11, 3, 9, 0, 0));
const keys = newServerKeys('0'.repeat(32), systemRandom);
const sealer = valueSealer(keys, systemRandom);
const lines: string[] = [];
let h: ReturnType<typeof createRadiusHandler>;

beforeAll(async () => {
  db = await createTestDatabase();
  store = await openPostgresStore({ connectionString: db.url, clock, random: systemRandom, ...TEST_VALUE_KEY });
  const init = await initServerStore(store, sealer, { keyCheck: keyCheck(keys, systemRandom), escrow: '{}', signingPublicKey: 'x' }, { name: 'anne', email: 'anne@example.no', password: 'a long enough passphrase for anne 7' });
  admin = init.session;
  await importUsers(store, admin, Readable.from([`email,name,phone,organization\n${KARI},Kari Nordmann,+4791234567,IT\n`]));
  const added = await addRadiusClient(store, sealer, admin, { label: 'vpn gateway', address: '127.0.0.1' });
  secret = added.secret;
  clientId = added.client.id;
  h = createRadiusHandler({ store, sealer, clock, log: (l) => lines.push(l) });
}, 120_000);

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

async function kariId(): Promise<number> {
  const u = await store.read((tx) => tx.users.getByEmailKey(normalizeEmail(KARI).emailKey));
  return u!.id;
}

function request(password: string, opts: { userName?: string; secret?: string; messageAuthenticator?: boolean; identifier?: number } = {}) {
  const authenticator = randomBytes(16);
  const identifier = opts.identifier ?? Math.floor(Math.random() * 256);
  const bytes = encodeAccessRequest({ identifier, authenticator, userName: opts.userName ?? KARI, password, ...(opts.messageAuthenticator === false ? { messageAuthenticator: false } : {}) }, Buffer.from(opts.secret ?? secret));
  return { bytes, authenticator, identifier };
}

function answerCode(res: Buffer | null, req: { authenticator: Buffer; identifier: number }): number | null {
  if (!res) return null;
  expect(verifyResponse(res, req.authenticator, req.identifier, Buffer.from(secret))).toBe(true);
  const d = decodePacket(res);
  if (!d.ok) throw d.error;
  // Every answer: Message-Authenticator first.
  expect(d.packet.attributes[0]!.type).toBe(ATTR.MESSAGE_AUTHENTICATOR);
  return d.packet.code;
}

const verifyEvents = async () => (await store.read((tx) => tx.audit.list({ limit: 1000 }))).filter((e) => e.action === 'code.verify');

describe('RADIUS clients (admin)', () => {
  it('the secret is 40 random characters, shown once and stored only sealed; one client per address; list and remove are audited', async () => {
    expect(secret).toMatch(/^[A-Za-z0-9]{40}$/);
    const row = await store.read((tx) => tx.radiusClients.get(clientId));
    expect(row!.sealedSecret).not.toContain(secret);
    expect(await listRadiusClients(store, admin)).toEqual([{ id: clientId, label: 'vpn gateway', address: '127.0.0.1', createdAt: clock.now() }]);
    await expect(addRadiusClient(store, sealer, admin, { label: 'again', address: '127.0.0.1' })).rejects.toMatchObject({ code: 'CONFLICT' });
    for (const address of ['vpn.example.no', '127.0.0.256', 'fe80::1%eth0', '']) await expect(addRadiusClient(store, sealer, admin, { label: 'x', address })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(addRadiusClient(store, sealer, admin, { label: 'a\u001b[2Jb', address: '192.0.2.1' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(canonicalAddress('::FFFF:192.0.2.7')).toBe('192.0.2.7');
    expect(canonicalAddress('2001:DB8:0:0::1')).toBe('2001:db8::1');
    const agent: Session = { ...admin, role: 'agent' };
    await expect(listRadiusClients(store, agent)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const audit = await store.read((tx) => tx.audit.list({ limit: 100 }));
    const add = audit.find((e) => e.action === 'radius-client.add')!;
    expect(add.details).toMatchObject({ clientId, label: 'vpn gateway', address: '127.0.0.1' });
    expect(JSON.stringify(audit)).not.toContain(secret);
  });
});

describe('RADIUS requests', () => {
  it('a one-time code over PAP: Access-Accept; the retransmission gets the same bytes without a second verification; after the cache it is a replay', async () => {
    const { code } = await issueOneTimeCode(store, admin, await kariId(), ACT);
    const before = (await verifyEvents()).length;
    const req = request(code.replace(/\D/g, ''));
    const first = await h.handle(req.bytes, NAS);
    expect(answerCode(first, req)).toBe(CODE.ACCESS_ACCEPT);
    const again = await h.handle(req.bytes, NAS);
    expect(again).toEqual(first);
    expect(h.counters.retransmissions).toBe(1);
    const events = await verifyEvents();
    expect(events.length - before).toBe(1);
    expect(events[0]!).toMatchObject({ operator: 'radius:vpn gateway', outcome: 'accepted', details: { via: 'radius', factor: 'one-time' } });
    // The same datagram from another source port is another request (RFC 5080: source, identifier, authenticator).
    expect(answerCode(await h.handle(req.bytes, { ...NAS, port: NAS.port + 1 }), req)).toBe(CODE.ACCESS_REJECT);
    // After the cache time the same packet is verified again: the code is used, a replay.
    clock.advance(31_000);
    expect(answerCode(await h.handle(req.bytes, NAS), req)).toBe(CODE.ACCESS_REJECT);
    expect((await verifyEvents())[0]!.details).toMatchObject({ reason: 'replay' });
  });

  it('a retransmission that arrives while the first is still being verified waits for the same answer', async () => {
    const { code } = await issueOneTimeCode(store, admin, await kariId(), ACT);
    const before = (await verifyEvents()).length;
    const req = request(code.replace(/\D/g, ''));
    const [a, b, c] = await Promise.all([h.handle(req.bytes, NAS), h.handle(req.bytes, NAS), h.handle(req.bytes, NAS)]);
    expect(answerCode(a, req)).toBe(CODE.ACCESS_ACCEPT);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect((await verifyEvents()).length - before).toBe(1);
  });

  it('a flood of junk is logged at most 30 lines a minute, then summed up', async () => {
    const logged: string[] = [];
    const quiet = createRadiusHandler({ store, sealer, clock, log: (l) => logged.push(l) });
    for (let i = 0; i < 40; i++) await quiet.handle(randomBytes(10), NAS);
    expect(quiet.counters.dropped.malformed).toBe(40);
    expect(logged.length).toBe(30);
    clock.advance(61_000);
    await quiet.handle(randomBytes(10), NAS);
    expect(logged.slice(30)).toEqual(['radius: 10 more drops were not logged', expect.stringMatching(/41 dropped in all$/)]);
  });

  it('a wrong code or an unknown address: Access-Reject alike; a malformed code too, counting nothing', async () => {
    const wrong = request('00000000');
    expect(answerCode(await h.handle(wrong.bytes, NAS), wrong)).toBe(CODE.ACCESS_REJECT);
    const nobody = request('00000000', { userName: 'nobody@example.no' });
    const a = await h.handle(nobody.bytes, NAS);
    expect(answerCode(a, nobody)).toBe(CODE.ACCESS_REJECT);
    expect(decodePacket(a!).ok && decodePacket(a!)).toMatchObject({ packet: { attributes: [{ type: ATTR.MESSAGE_AUTHENTICATOR }] } });
    const junk = request('not a code', { userName: 'not an address' });
    expect(answerCode(await h.handle(junk.bytes, NAS), junk)).toBe(CODE.ACCESS_REJECT);
  });

  it('drops unknown sources, a wrong secret, a missing Message-Authenticator, junk and other codes, counting each', async () => {
    const d0 = { ...h.counters.dropped };
    const ok = request('12345678');
    expect(await h.handle(ok.bytes, { address: '192.0.2.99', port: 1812 })).toBeNull();
    expect(await h.handle(request('12345678', { secret: 'not the secret' }).bytes, NAS)).toBeNull();
    expect(await h.handle(request('12345678', { messageAuthenticator: false }).bytes, NAS)).toBeNull();
    expect(await h.handle(randomBytes(50), NAS)).toBeNull();
    expect(await h.handle(Buffer.alloc(3), NAS)).toBeNull();
    const acct = Buffer.from(ok.bytes);
    acct[0] = CODE.ACCOUNTING_REQUEST;
    expect(await h.handle(acct, NAS)).toBeNull();
    const d = h.counters.dropped;
    expect(d['unknown-client'] - d0['unknown-client']).toBe(1);
    expect(d['bad-message-authenticator'] - d0['bad-message-authenticator']).toBe(1);
    expect(d['no-message-authenticator'] - d0['no-message-authenticator']).toBe(1);
    expect(d.malformed - d0.malformed).toBeGreaterThanOrEqual(1);
    expect(d['unsupported-code'] - d0['unsupported-code']).toBe(1);
    // One log line per drop, with the source and the reason, never the secret, user or password.
    expect(lines.some((l) => /dropped a request from 127\.0\.0\.1:40000: wrong Message-Authenticator/.test(l))).toBe(true);
    expect(lines.some((l) => /from 192\.0\.2\.99:1812: unknown client address/.test(l))).toBe(true);
    for (const l of lines) for (const s of [secret, KARI, '12345678']) expect(l).not.toContain(s);
  });

  it('CHAP and EAP requests get Access-Reject', async () => {
    for (const type of [ATTR.CHAP_PASSWORD, ATTR.EAP_MESSAGE]) {
      const authenticator = randomBytes(16);
      const bytes = encodePacket({
        code: CODE.ACCESS_REQUEST,
        identifier: 5,
        authenticator,
        attributes: [
          { type: ATTR.MESSAGE_AUTHENTICATOR, value: Buffer.alloc(16) },
          { type: ATTR.USER_NAME, value: Buffer.from(KARI) },
          { type, value: randomBytes(17) },
        ],
      });
      messageAuthenticator(bytes, Buffer.from(secret)).copy(bytes, 22);
      expect(answerCode(await h.handle(bytes, NAS), { authenticator, identifier: 5 }), String(type)).toBe(CODE.ACCESS_REJECT);
    }
  });

  it('a locked user gets Access-Reject with a Reply-Message', async () => {
    let res: Buffer | null = null;
    let req = request('00000000');
    for (let i = 0; i < 12; i++) {
      req = request('11111111');
      res = await h.handle(req.bytes, NAS);
    }
    expect(answerCode(res, req)).toBe(CODE.ACCESS_REJECT);
    const d = decodePacket(res!);
    if (!d.ok) throw d.error;
    expect(d.packet.attributes.find((a) => a.type === ATTR.REPLY_MESSAGE)?.value.toString()).toMatch(/try again later/);
  });

  it('a removed client is an unknown source', async () => {
    await removeRadiusClient(store, admin, clientId);
    await expect(removeRadiusClient(store, admin, clientId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const before = h.counters.dropped['unknown-client'];
    expect(await h.handle(request('12345678').bytes, NAS)).toBeNull();
    expect(h.counters.dropped['unknown-client']).toBe(before + 1);
    expect((await store.read((tx) => tx.audit.list({ limit: 10 }))).some((e) => e.action === 'radius-client.remove')).toBe(true);
  });
});
