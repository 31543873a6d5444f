// Printing a QR sheet from the desktop app while it is a client of a server (folder store): the
// server renders the sheet and records it as sent for the app's main process, which prints or
// saves it with its own printer and records what did not come out. The renderer cannot fetch a
// sheet itself (in either mode), and an operator cannot fetch or mark another operator's sheet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, AGENT, base32Decode } from '../fixtures/cli-harness.ts';
import { serverFixture, serverInit, startInProcess, type ServerFixture } from '../helpers/server.ts';
import { makeApp } from '../helpers/app.ts';
import { memoryConnection } from '../../main/app/server-link.ts';
import { ServerClient } from '../../main/server/client.ts';
import { totpAt } from '../../main/core/totp.ts';
import { ManualClock } from '../../main/core/clock.ts';
import type { RunningServer } from '../../main/server/http-api.ts';
import type { ServerStore } from '../../main/store/port.ts';

let fx: ServerFixture;
let store: ServerStore;
let server: RunningServer;
let clock: ManualClock;
let url = '';
let pin = '';
let adminSecret: Buffer;
let agentSecret: Buffer;
let kari = 0;

const CTX = { checks: ['callback'], ticket: 'HD-7', reason: 'new phone' };
/** What the fake printer does next, and what it was given. */
const printer = { answer: true as boolean | 'throw', printed: [] as string[], saved: [] as Array<{ html: string; file: string }> };
const fakePrinter = {
  print: async (html: string) => {
    printer.printed.push(html);
    if (printer.answer === 'throw') throw new Error('printer on fire');
    return printer.answer;
  },
  savePdf: async (html: string, file: string) => {
    if (printer.answer === 'throw') throw new Error('disk full');
    printer.saved.push({ html, file });
  },
};

function val(r: { ok: boolean; value?: any; error?: unknown }): any {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value;
}
const codeOf = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'OK' : r.error!.code);

function nextCode(secret: Buffer): string {
  clock.advance(30_000);
  return totpAt(secret, clock.now());
}

async function signedIn(who: 'admin' | 'agent') {
  const app = makeApp({ clock, connection: memoryConnection({ url, pin }), printer: fakePrinter });
  const op = who === 'admin' ? ADMIN : AGENT;
  val(await app.call('session:sign-in', { name: op.name, password: op.password, otp: nextCode(who === 'admin' ? adminSecret : agentSecret) }));
  return app;
}

async function sheetEvents() {
  const events = await store.read((tx) => tx.audit.list({ limit: 200 }));
  return events
    .filter((e) => e.action.startsWith('enrollment.sheet'))
    .reverse()
    .map((e) => ({ action: e.action, operator: e.operator, outcome: e.outcome, output: e.details.output, reason: e.details.reason, sheetId: e.details.sheetId }));
}

beforeAll(async () => {
  fx = await serverFixture('fd-appsheet-', { store: 'folder' });
  ({ adminSecret } = serverInit(fx, ADMIN));
  clock = new ManualClock(Date.now() + 5 * 60_000);
  ({ store, server, url, pin } = await startInProcess(fx, clock));
  kari = (await store.write((tx) => tx.users.insert({ externalId: null, email: 'kari@example.no', emailKey: 'kari@example.no', name: 'Kari Nordmann', nameKey: 'kari nordmann', phone: null, organization: null, status: 'active' }, clock.now())))!;
  // An agent with their own second factor, made through the app.
  const admin = await signedIn('admin');
  val(await admin.call('operators:add', { name: AGENT.name, displayName: AGENT.displayName, role: 'agent', password: AGENT.password }));
  admin.cleanup();
  const app = makeApp({ clock, connection: memoryConnection({ url, pin }) });
  expect(codeOf(await app.call('session:sign-in', { name: AGENT.name, password: AGENT.password }))).toBe('SECOND_FACTOR_ENROLL');
  agentSecret = base32Decode(new URL(val(await app.call('session:second-factor', {})).uri).searchParams.get('secret')!);
  app.cleanup();
}, 60_000);

afterAll(async () => {
  await server?.close();
  await store?.close();
  await fx?.cleanup();
});

describe('the enrollment sheet from an app connected to a server', () => {
  it('re-enroll, then print: the app prints the server’s sheet; the server audits it; a cancelled dialog and a failed PDF are recorded', async () => {
    const app = await signedIn('admin');
    try {
      const re = val(await app.call('enrollment:reenroll', { userId: kari, ...CTX, voidCodes: false, withBackupCodes: true }));
      const ref = { userId: kari, enrollmentId: re.enrollmentId as number };
      const before = (await sheetEvents()).length;

      printer.answer = true;
      expect(val(await app.call('enrollment:print-sheet', { ...ref, mode: 'print', language: 'nb' }))).toEqual({ done: true, file: null });
      const html = printer.printed.at(-1)!;
      // The sheet holds the same secret as the screen (QR and typed key agree), with page 2's backup codes.
      expect(html).toContain(re.key);
      expect(html).toContain(re.sheetId);
      expect(html).toContain(re.backupCodes[0]);

      printer.answer = false;
      expect(val(await app.call('enrollment:print-sheet', { ...ref, mode: 'print', language: 'en' }))).toEqual({ done: false, file: null });

      // PDF: the file is chosen first; no file chosen, nothing fetched or recorded.
      const countBefore = (await sheetEvents()).length;
      expect(val(await app.call('enrollment:print-sheet', { ...ref, mode: 'pdf', language: 'en' }))).toEqual({ done: false, file: null });
      expect((await sheetEvents()).length).toBe(countBefore);
      app.saved['sheet-pdf'] = '/tmp/fd-server-sheet.pdf';
      printer.answer = true;
      expect(val(await app.call('enrollment:print-sheet', { ...ref, mode: 'pdf', language: 'en' }))).toEqual({ done: true, file: '/tmp/fd-server-sheet.pdf' });
      expect(printer.saved.at(-1)!.file).toBe('/tmp/fd-server-sheet.pdf');
      expect(printer.saved.at(-1)!.html).toContain(re.key);
      printer.answer = 'throw';
      expect(codeOf(await app.call('enrollment:print-sheet', { ...ref, mode: 'pdf', language: 'en' }))).not.toBe('OK');

      const events = (await sheetEvents()).slice(before);
      expect(events).toEqual([
        { action: 'enrollment.sheet', operator: ADMIN.name, outcome: 'ok', output: 'printer', reason: undefined, sheetId: re.sheetId },
        { action: 'enrollment.sheet', operator: ADMIN.name, outcome: 'ok', output: 'printer', reason: undefined, sheetId: re.sheetId },
        { action: 'enrollment.sheet.not-printed', operator: ADMIN.name, outcome: 'cancelled', output: undefined, reason: 'cancelled', sheetId: re.sheetId },
        { action: 'enrollment.sheet', operator: ADMIN.name, outcome: 'ok', output: 'pdf', reason: undefined, sheetId: re.sheetId },
        { action: 'enrollment.sheet', operator: ADMIN.name, outcome: 'ok', output: 'pdf', reason: undefined, sheetId: re.sheetId },
        { action: 'enrollment.sheet.not-printed', operator: ADMIN.name, outcome: 'cancelled', output: undefined, reason: 'failed', sheetId: re.sheetId },
      ]);
      // Nothing of the sheet in the audit.
      const all = JSON.stringify(await store.read((tx) => tx.audit.list({ limit: 200 })));
      expect(all).not.toContain(re.key.replace(/ /g, ''));
      expect(all).not.toContain(re.key);
    } finally {
      printer.answer = true;
      app.cleanup();
    }
  });

  it('the renderer cannot fetch a sheet or mark one not printed, in server mode or in a solo app', async () => {
    const app = await signedIn('admin');
    try {
      const re = val(await app.call('enrollment:reenroll', { userId: kari, ...CTX, voidCodes: false, withBackupCodes: false }));
      const before = (await sheetEvents()).length;
      const render = await app.call('enrollment:sheet-render', { userId: kari, enrollmentId: re.enrollmentId, language: 'nb', output: 'html' });
      expect(codeOf(render)).toBe('NOT_IN_SERVER_MODE');
      expect(JSON.stringify(render)).not.toContain(re.key);
      expect(codeOf(await app.call('enrollment:sheet-not-printed', { userId: kari, enrollmentId: re.enrollmentId, sheetId: re.sheetId, reason: 'cancelled' }))).toBe('NOT_IN_SERVER_MODE');
      expect((await sheetEvents()).length).toBe(before);
    } finally {
      app.cleanup();
    }
    const solo = makeApp();
    try {
      await solo.firstRun();
      const { upsertUser } = await import('../../main/core/users.ts');
      const { user } = await upsertUser(solo.controller.store(), solo.controller.session!, { email: 'kari@example.no', name: 'Kari Nordmann' });
      const re = val(await solo.call('enrollment:reenroll', { userId: user.id, ...CTX, voidCodes: false, withBackupCodes: false }));
      const render = await solo.call('enrollment:sheet-render', { userId: user.id, enrollmentId: re.enrollmentId, language: 'nb', output: 'html' });
      expect(codeOf(render)).toBe('SERVER_ONLY');
      expect(JSON.stringify(render)).not.toContain(re.key);
      expect(codeOf(await solo.call('enrollment:sheet-not-printed', { userId: user.id, enrollmentId: re.enrollmentId, sheetId: re.sheetId, reason: 'cancelled' }))).toBe('SERVER_ONLY');
    } finally {
      solo.cleanup();
    }
  });

  it('another operator cannot fetch the sheet of a re-enrollment they did not start, nor mark it not printed', async () => {
    const admin = await signedIn('admin');
    const re = val(await admin.call('enrollment:reenroll', { userId: kari, ...CTX, voidCodes: false, withBackupCodes: false }));
    admin.cleanup();
    const agent = await signedIn('agent');
    try {
      const before = await sheetEvents();
      const printedBefore = printer.printed.length;
      expect(codeOf(await agent.call('enrollment:print-sheet', { userId: kari, enrollmentId: re.enrollmentId, mode: 'print', language: 'nb' }))).toBe('FORBIDDEN');
      expect(printer.printed.length).toBe(printedBefore);
      // Straight to the server with the agent's own token: the same refusals.
      const token = (agent.controller.link as unknown as { token: string }).token;
      const direct = new ServerClient(url, { pin }, token);
      try {
        const r = await direct.call('enrollment:sheet-render', { userId: kari, enrollmentId: re.enrollmentId, language: 'nb', output: 'html' });
        expect(codeOf(r as never)).toBe('FORBIDDEN');
        expect(JSON.stringify(r)).not.toContain(re.key);
        const np = await direct.call('enrollment:sheet-not-printed', { userId: kari, enrollmentId: re.enrollmentId, sheetId: re.sheetId, reason: 'cancelled' });
        expect(codeOf(np as never)).toBe('NOT_FOUND');
      } finally {
        direct.close();
      }
      expect(await sheetEvents()).toEqual(before);
    } finally {
      agent.cleanup();
    }
    // The operator who started it may, but only with the sheet's own id.
    const again = await signedIn('admin');
    const token = (again.controller.link as unknown as { token: string }).token;
    const direct = new ServerClient(url, { pin }, token);
    try {
      expect(codeOf((await direct.call('enrollment:sheet-not-printed', { userId: kari, enrollmentId: re.enrollmentId, sheetId: 'AAAA-AA', reason: 'cancelled' })) as never)).toBe('NOT_FOUND');
      const r = await direct.call<{ html: string; sheetId: string; input: { key: string } }>('enrollment:sheet-render', { userId: kari, language: 'nb', output: 'html' });
      expect(r.ok && r.value.sheetId).toBe(re.sheetId);
      expect(r.ok && r.value.input.key).toBe(re.key);
    } finally {
      direct.close();
      again.cleanup();
    }
  });
});
