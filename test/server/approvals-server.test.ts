// Two-person approval in server mode, over HTTPS with the project's client on PostgreSQL: the
// single admin's change on a privileged user cools down (no other admin to approve it), is
// listed and refused before its time, and runs once after it, with the code made only then.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN } from '../fixtures/cli-harness.ts';
import { serverFixture, serverInit, type ServerFixture } from '../helpers/server.ts';
import { ServerClient } from '../../main/server/client.ts';
import { totpAt } from '../../main/core/totp.ts';
import { ManualClock, systemRandom } from '../../main/core/clock.ts';
import { openKeyedStore } from '../../main/server/open.ts';
import { loadServerKeys, valueSealer } from '../../main/server/server-key.ts';
import { startApiServer, type RunningServer } from '../../main/server/http-api.ts';
import type { ServerStore } from '../../main/store/port.ts';

let fx: ServerFixture;
let store: ServerStore;
let server: RunningServer;
let clock: ManualClock;
let adminSecret: Buffer;
let url = '';

beforeAll(async () => {
  fx = await serverFixture('fd-approvals-');
  ({ adminSecret } = serverInit(fx, ADMIN));
  clock = new ManualClock(Date.now() + 5 * 60_000);
  const keys = loadServerKeys(fx.keyFile, {});
  process.env.PGPASSWORD = fx.pgEnv.PGPASSWORD;
  store = await openKeyedStore(fx.storeUrl, keys, clock, systemRandom);
  server = await startApiServer({ store, sealer: valueSealer(keys, systemRandom), tls: { cert: readFileSync(fx.cert), key: readFileSync(fx.tlsKey) } }, { host: '127.0.0.1', port: 0 });
  url = `https://127.0.0.1:${server.address.port}`;
  await store.write((tx) => tx.users.insert({ externalId: null, email: 'kari@example.no', emailKey: 'kari@example.no', name: 'Kari', nameKey: 'kari', phone: null, organization: null, status: 'active' }, clock.now()));
}, 60_000);

afterAll(async () => {
  await server?.close();
  await store?.close();
  await fx?.cleanup();
});

describe('approvals over the server', () => {
  it("a single admin's change on a privileged user cools down, then runs once", { timeout: 60_000 }, async () => {
    const c = new ServerClient(url, { ca: readFileSync(fx.cert) });
    const signIn = async () => {
      clock.advance(31_000); // a fresh TOTP step for each sign-in
      const r = await c.call<{ token: string }>('auth/sign-in', { name: ADMIN.name, password: ADMIN.password, otp: totpAt(adminSecret, clock.now()) });
      if (!r.ok) throw new Error(JSON.stringify(r));
      c.token = r.value.token;
    };
    await signIn();
    const found = await c.call<{ items: Array<{ id: number }> }>('users:find', { query: 'kari@example.no' });
    const userId = found.ok ? found.value.items[0]!.id : 0;
    expect(await c.call('users:set-privileged', { userId, privileged: true })).toMatchObject({ ok: true, value: { privileged: true, changed: true } });
    const asked = await c.call('codes:issue-one-time', { userId, checks: ['callback'], ticket: 'HD-3', reason: 'lost phone' });
    expect(asked).toMatchObject({ ok: false, error: { code: 'APPROVAL_PENDING', details: { status: 'cooling', approvalId: expect.any(Number) } } });
    const id = (asked as unknown as { error: { details: { approvalId: number } } }).error.details.approvalId;
    expect(await c.call('approvals:list', {})).toMatchObject({ ok: true, value: { approvals: [{ id, status: 'cooling', triggers: ['privileged-user'], ticket: 'HD-3' }] } });
    expect(await c.call('approvals:approve', { id })).toMatchObject({ ok: false, error: { code: 'OWN_APPROVAL' } });
    expect(await c.call('approvals:run', { id })).toMatchObject({ ok: false, error: { code: 'APPROVAL_PENDING' } });
    expect(await c.call('approvals:run', { id: 'one' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    clock.advance(60 * 60_000);
    await signIn(); // the session idled out meanwhile
    const run = await c.call<{ oneTimeCode: { code: string } }>('approvals:run', { id });
    expect(run.ok, JSON.stringify(run)).toBe(true);
    expect(run.ok && run.value.oneTimeCode.code).toMatch(/^\d{4} \d{4}$/);
    expect(await c.call('approvals:run', { id })).toMatchObject({ ok: false, error: { code: 'APPROVAL_CLOSED' } });
  });
});
