// The enrollment sheet from the command line over a server (folder store, server in this
// process): `reenroll --sheet FILE.pdf` and `reprint-sheet --sheet FILE` write the sheet the
// server rendered (the PDF drawn here, as in a vault) as a new 0600 file; the server audits each
// sheet; another operator cannot fetch it.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, AGENT, base32Decode, oneJson, runCli } from '../fixtures/cli-harness.ts';
import { serverFixture, serverInit, startInProcess, type ServerFixture } from '../helpers/server.ts';
import { totpAt } from '../../main/core/totp.ts';
import { ManualClock } from '../../main/core/clock.ts';
import { ServerClient } from '../../main/server/client.ts';
import type { RunningServer } from '../../main/server/http-api.ts';
import type { ServerStore } from '../../main/store/port.ts';

const KARI = 'kari@example.no';
const ACT = ['--checks', 'callback', '--ticket', 'HD-9', '--reason', 'new phone'];
let fx: ServerFixture;
let store: ServerStore;
let server: RunningServer;
let clock: ManualClock;
let url = '';
let adminSecret: Buffer;

const envFor = (who: string) => ({ FACTORDESK_SERVER: url, FACTORDESK_CA_CERT: fx.cert, FACTORDESK_SESSION_FILE: join(fx.tmp, `${who}-session.json`) });

function nextCode(secret: Buffer): string {
  clock.advance(30_000);
  return totpAt(secret, clock.now());
}

async function sheetEvents() {
  const events = await store.read((tx) => tx.audit.list({ limit: 500 }));
  return events
    .filter((e) => e.action.startsWith('enrollment.sheet'))
    .reverse()
    .map((e) => ({ action: e.action, operator: e.operator, output: e.details.output, sheetId: e.details.sheetId }));
}

beforeAll(async () => {
  fx = await serverFixture('fd-clisheet-', { store: 'folder' });
  ({ adminSecret } = serverInit(fx, ADMIN));
  clock = new ManualClock(Date.now() + 5 * 60_000);
  ({ store, server, url } = await startInProcess(fx, clock));
  await store.write((tx) => tx.users.insert({ externalId: null, email: KARI, emailKey: KARI, name: 'Kari Nordmann', nameKey: 'kari nordmann', phone: null, organization: null, status: 'active' }, clock.now()));
}, 60_000);

afterAll(async () => {
  await server?.close();
  await store?.close();
  await fx?.cleanup();
});

describe('the enrollment sheet over --server', () => {
  it('reenroll --sheet FILE.pdf and reprint-sheet --sheet FILE.html write the server’s sheet; each is audited on the server; another operator is refused', { timeout: 120_000 }, async () => {
    const admin = envFor('admin');
    const login = await runCli(['--json', '--operator', ADMIN.name, 'login'], { ...admin, FACTORDESK_PASSWORD: ADMIN.password, FACTORDESK_OTP: nextCode(adminSecret) });
    expect(oneJson(login.stdout).ok, login.stdout).toBe(true);

    const pdf = join(fx.tmp, 'kari.pdf');
    const re = await runCli(['--json', 'reenroll', KARI, ...ACT, '--backup-codes', '--sheet', pdf, '--language', 'en'], admin);
    const out = oneJson(re.stdout);
    expect(out.ok, re.stdout).toBe(true);
    expect(out.result.sheet).toBe(pdf);
    expect(statSync(pdf).mode & 0o777).toBe(0o600);
    expect(readFileSync(pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const html = join(fx.tmp, 'kari-again.html');
    const again = await runCli(['--json', 'reprint-sheet', KARI, '--sheet', html], admin);
    expect(oneJson(again.stdout), again.stdout).toMatchObject({ ok: true, result: { sheet: html } });
    const text = readFileSync(html, 'utf8');
    // The same secret as the re-enrollment answered, with the backup codes on page 2.
    expect(text).toContain(out.result.key);
    expect(text).toContain(out.result.sheetId);
    expect(text).toContain(out.result.codes[0]);
    expect(statSync(html).mode & 0o777).toBe(0o600);

    // A file that exists already is refused before the server is asked (nothing recorded).
    const before = await sheetEvents();
    writeFileSync(join(fx.tmp, 'exists.pdf'), 'x');
    const exists = await runCli(['--json', 'reprint-sheet', KARI, '--sheet', join(fx.tmp, 'exists.pdf')], admin);
    expect(exists.status).toBe(2);
    expect(readFileSync(join(fx.tmp, 'exists.pdf'), 'utf8')).toBe('x');
    expect(await sheetEvents()).toEqual(before);

    expect(before).toEqual([
      { action: 'enrollment.sheet', operator: ADMIN.name, output: 'pdf', sheetId: out.result.sheetId },
      { action: 'enrollment.sheet', operator: ADMIN.name, output: 'html', sheetId: out.result.sheetId },
    ]);
    // No secret in the audit.
    const all = JSON.stringify(await store.read((tx) => tx.audit.list({ limit: 500 })));
    expect(all).not.toContain(out.result.key);
    expect(all).not.toContain(out.result.codes[0]);

    // An agent (with their own second factor) cannot fetch the sheet of the admin's re-enrollment.
    const token = (JSON.parse(readFileSync(admin.FACTORDESK_SESSION_FILE, 'utf8')) as { token: string }).token;
    const c = new ServerClient(url, { ca: readFileSync(fx.cert) }, token);
    try {
      expect((await c.call('operators:add', { name: AGENT.name, displayName: AGENT.displayName, role: 'agent', password: AGENT.password })).ok).toBe(true);
    } finally {
      c.close();
    }
    const agent = envFor('agent');
    const first = oneJson((await runCli(['--json', '--operator', AGENT.name, 'login'], { ...agent, FACTORDESK_PASSWORD: AGENT.password })).stdout);
    expect(first.result.status).toBe('enroll-second-factor');
    const agentSecret = base32Decode(new URL(first.result.otpUri).searchParams.get('secret')!);
    const agentLogin = await runCli(['--json', '--operator', AGENT.name, 'login'], { ...agent, FACTORDESK_PASSWORD: AGENT.password, FACTORDESK_OTP: nextCode(agentSecret) });
    expect(oneJson(agentLogin.stdout).ok, agentLogin.stdout).toBe(true);
    const stolen = join(fx.tmp, 'per.pdf');
    const refused = await runCli(['--json', 'reprint-sheet', KARI, '--sheet', stolen], agent);
    expect(oneJson(refused.stdout).error?.code).toBe('FORBIDDEN');
    expect(existsSync(stolen)).toBe(false);
    expect(await sheetEvents()).toEqual(before);
  });
});
