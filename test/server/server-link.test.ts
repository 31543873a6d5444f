// The app's link to a server against a scripted HTTPS server with the pinned key (a newer or a
// misbehaving server): an error code the app does not know is an INTERNAL Result, never a broken
// guard; a late "session ended" answer to an older session does not end the newer one; a sign-in
// still on its way when the computer locks does not leave the app signed in; kept-alive calls do
// not pile up key checks on their connection.
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spkiPin } from '../../main/server/client.ts';
import { memoryConnection } from '../../main/app/server-link.ts';
import { makeApp } from '../helpers/app.ts';

let tmp = '';
let server: https.Server;
let url = '';
let pin = '';
let tokens = 0;
/** What the scripted server does per path: an answer, after `delayMs`. */
const script = new Map<string, (auth: string) => { delayMs?: number; body: unknown }>();
const held: Array<() => void> = [];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'fd-link-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(tmp, 'k.pem'), '-out', join(tmp, 'c.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const cert = readFileSync(join(tmp, 'c.pem'));
  pin = spkiPin(cert);
  server = https.createServer({ cert, key: readFileSync(join(tmp, 'k.pem')) }, (req, res) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '').replace('/api/v1/', '');
      const step = script.get(path)?.(req.headers.authorization ?? '') ?? { body: { ok: true, value: {} } };
      const send = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(step.body));
      };
      if (step.delayMs === -1) held.push(send);
      else setTimeout(send, step.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  script.set('auth/sign-in', () => ({ body: { ok: true, value: { status: 'signed-in', token: `token-${++tokens}-${'x'.repeat(30)}`, expiresAt: Date.now() + 3600_000, session: { operatorId: 'op1', name: 'anne', displayName: 'Anne', role: 'admin' } } } }));
  script.set('settings:get', () => ({ body: { ok: true, value: { idleLockMinutes: 5 } } }));
});

afterAll(() => {
  server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the app against a scripted server', () => {
  it('an error code the app does not know (a newer server) is an INTERNAL answer, with no details passed on', async () => {
    script.set('users:find', () => ({ body: { ok: false, error: { code: 'TOTALLY_UNKNOWN', message: 'new', details: { secret: 'x' } } } }));
    const app = makeApp({ connection: memoryConnection({ url, pin }) });
    try {
      expect((await app.call('session:sign-in', { name: 'anne', password: 'pw', otp: '123456' })).ok).toBe(true);
      const r = await app.call('users:find', { query: 'kari' });
      expect(r.ok).toBe(false);
      expect(r.ok ? null : r.error).toMatchObject({ code: 'INTERNAL' });
      expect(JSON.stringify(r)).not.toContain('secret');
    } finally {
      app.cleanup();
    }
  });

  it('a late "session ended" to the session before a lock does not end the session signed in since', async () => {
    script.set('users:find', (auth) => (auth.includes('token-') && held.length === 0 && !auth.endsWith('LATE') ? { delayMs: -1, body: { ok: false, error: { code: 'SESSION_LOCKED', message: 'ended' } } } : { body: { ok: true, value: { items: [], hasMore: false, total: 0, totalCapped: false } } }));
    const app = makeApp({ connection: memoryConnection({ url, pin }) });
    try {
      await app.call('session:sign-in', { name: 'anne', password: 'pw', otp: '123456' });
      const late = app.call('users:find', { query: 'kari' });
      await expect.poll(() => held.length).toBe(1);
      await app.call('session:lock', {});
      expect((await app.call('session:sign-in', { name: 'anne', password: 'pw', otp: '123456' })).ok).toBe(true);
      const locksBefore = app.events.filter((e) => e.event === 'session:locked').length;
      held.shift()!();
      expect((await late).ok).toBe(false);
      expect(app.controller.link!.session).not.toBeNull();
      expect(app.events.filter((e) => e.event === 'session:locked').length).toBe(locksBefore);
    } finally {
      app.cleanup();
    }
  });

  it('a sign-in still on its way when the computer locks ends as SESSION_LOCKED, not signed in', async () => {
    const signIn = script.get('auth/sign-in')!;
    script.set('auth/sign-in', (a) => ({ ...signIn(a), delayMs: 150 }));
    const app = makeApp({ connection: memoryConnection({ url, pin }) });
    try {
      const pending = app.call('session:sign-in', { name: 'anne', password: 'pw', otp: '123456' });
      await new Promise((r) => setTimeout(r, 50));
      app.controller.lock('suspend');
      const r = await pending;
      expect(r.ok ? null : r.error.code).toBe('SESSION_LOCKED');
      expect(app.controller.link!.session).toBeNull();
    } finally {
      script.set('auth/sign-in', signIn);
      app.cleanup();
    }
  });

  it('many calls on one kept-alive connection add no key-check listener each (no MaxListeners warning)', async () => {
    script.set('users:find', () => ({ body: { ok: true, value: { items: [], hasMore: false, total: 0, totalCapped: false } } }));
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const app = makeApp({ connection: memoryConnection({ url, pin }) });
    try {
      await app.call('session:sign-in', { name: 'anne', password: 'pw', otp: '123456' });
      for (let i = 0; i < 20; i++) expect((await app.call('users:find', { query: 'k' })).ok).toBe(true);
      await new Promise((r) => setTimeout(r, 20));
      expect(warnings.filter((w) => w === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      app.cleanup();
    }
  });
});
