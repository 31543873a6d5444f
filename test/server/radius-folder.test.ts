// The RADIUS door on the embedded store: a vault folder set up for a server (server slot, key
// records, the admin's verifier) answers Access-Requests from its RADIUS client exactly as the
// PostgreSQL store does (test/server/radius-server.test.ts), in-process with a manual clock.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemRandom } from '../../main/core/clock.ts';
import { setUpServedVault } from '../../main/core/server-auth.ts';
import { keyCheck, newServerKeys, valueSealer } from '../../main/server/server-key.ts';
import { importUsers } from '../../main/core/import-users.ts';
import { issueOneTimeCode } from '../../main/core/one-time-codes.ts';
import { normalizeEmail } from '../../main/core/users.ts';
import { addRadiusClient } from '../../main/core/radius-clients.ts';
import { createRadiusHandler } from '../../main/server/radius/server.ts';
import { CODE, decodePacket, encodeAccessRequest, verifyResponse } from '../../main/server/radius/packet.ts';
import { addServerSlot, openServedVault } from '../../main/store/sqlite/served.ts';
import { storeOf, type SqliteStore } from '../../main/store/sqlite/sqlite-store.ts';
import { ADMIN, makeVault } from '../helpers/vault.ts';

const KARI = 'kari.nordmann@example.no';
const NAS = { address: '127.0.0.1', port: 40_000 };
let v: Awaited<ReturnType<typeof makeVault>>;
let served: SqliteStore;
let secret: string;
let h: ReturnType<typeof createRadiusHandler>;

beforeAll(async () => {
  v = await makeVault();
  const keys = newServerKeys(v.vault.vaultId, systemRandom);
  const sealer = valueSealer(keys, systemRandom);
  addServerSlot(v.vault, keys.dataKey);
  await setUpServedVault(storeOf(v.vault), sealer, { keyCheck: keyCheck(keys, systemRandom), escrow: '{}', signingPublicKey: 'x' }, { session: v.admin, password: ADMIN.password });
  v.vault.close();
  // As `serve` opens it: with the server slot, no operator password.
  served = (await openServedVault(v.vaultDir, keys, v.clock, systemRandom)).store;
  await importUsers(served, v.admin, Readable.from([`email,name,phone,organization\n${KARI},Kari Nordmann,+4791234567,IT\n`]));
  secret = (await addRadiusClient(served, sealer, v.admin, { label: 'vpn gateway', address: '127.0.0.1' })).secret;
  h = createRadiusHandler({ store: served, sealer, clock: v.clock, log: () => {} });
}, 60_000);

afterAll(async () => {
  await served?.close();
  v?.cleanup();
});

function ask(password: string): Promise<number | null> {
  const authenticator = randomBytes(16);
  const identifier = Math.floor(Math.random() * 256);
  return h.handle(encodeAccessRequest({ identifier, authenticator, userName: KARI, password }, Buffer.from(secret)), NAS).then((res) => {
    if (!res) return null;
    expect(verifyResponse(res, authenticator, identifier, Buffer.from(secret))).toBe(true);
    const d = decodePacket(res);
    if (!d.ok) throw d.error;
    return d.packet.code;
  });
}

describe('RADIUS on a served vault folder', () => {
  it('a one-time code: Access-Accept once; a wrong code and the same code again: Access-Reject', async () => {
    const kari = (await served.read((tx) => tx.users.getByEmailKey(normalizeEmail(KARI).emailKey)))!;
    const { code } = await issueOneTimeCode(served, v.admin, kari.id, { checks: ['callback'], ticket: 'HD-1', reason: 'lost phone' });
    expect(await ask('12345678')).toBe(CODE.ACCESS_REJECT);
    expect(await ask(code.replace(/\D/g, ''))).toBe(CODE.ACCESS_ACCEPT);
    expect(await ask(code.replace(/\D/g, ''))).toBe(CODE.ACCESS_REJECT);
    // The client's secret is kept sealed only.
    const [row] = await served.read((tx) => tx.radiusClients.list());
    expect(row!.sealedSecret).not.toContain(secret);
  });
});
