// Printing a sheet is recorded before the print dialog opens, so a session that locks while the
// dialog is up leaves the event (and no failure); what did not come out is recorded after.
import { afterEach, describe, expect, it } from 'vitest';
import { makeApp } from '../helpers/app.ts';
import { ADMIN } from '../helpers/vault.ts';
import { upsertUser } from '../../main/core/users.ts';
import type { AppDeps } from '../../main/app/controller.ts';

const apps: Array<ReturnType<typeof makeApp>> = [];
afterEach(() => {
  while (apps.length) apps.pop()!.cleanup();
});
const CTX = { checks: ['callback'], ticket: 'HD-1', reason: 'new phone' };

async function withEnrollment(printer: AppDeps['printer']) {
  const app = makeApp({ printer });
  apps.push(app);
  await app.firstRun();
  const { user } = await upsertUser(app.controller.store(), app.controller.session!, { email: 'kari@example.no', name: 'Kari Nordmann' });
  const re = (await app.call('enrollment:reenroll', { userId: user.id, ...CTX, voidCodes: false, withBackupCodes: false })) as { ok: true; value: { enrollmentId: number } };
  expect(re.ok).toBe(true);
  return { app, userId: user.id, enrollmentId: re.value.enrollmentId };
}

async function sheetEvents(app: ReturnType<typeof makeApp>) {
  const events = await app.controller.store().read((tx) => tx.audit.list({ limit: 50 }));
  return events.filter((e) => e.action.startsWith('enrollment.sheet')).reverse().map((e) => ({ action: e.action, outcome: e.outcome, output: e.details.output, reason: e.details.reason }));
}

describe('printing a sheet', () => {
  it('a session that locks while the print dialog is open keeps the sheet event and reports no failure', async () => {
    let ctl: { lock(r: 'idle'): void } | null = null;
    const { app, userId, enrollmentId } = await withEnrollment({
      print: async () => {
        ctl!.lock('idle'); // the idle lock fires while the dialog is up
        return true;
      },
      savePdf: async () => {},
    });
    ctl = app.controller;
    const r = await app.call('enrollment:print-sheet', { userId, enrollmentId, mode: 'print', language: 'nb' });
    expect(r).toEqual({ ok: true, value: { done: true, file: null } });
    expect(app.controller.session).toBeNull();
    expect((await app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password })).ok).toBe(true);
    expect(await sheetEvents(app)).toEqual([{ action: 'enrollment.sheet', outcome: 'ok', output: 'printer', reason: undefined }]);
  });

  it('a cancelled print dialog and a failed PDF are recorded after the sheet event', async () => {
    let fail = false;
    const { app, userId, enrollmentId } = await withEnrollment({
      print: async () => false,
      savePdf: async () => {
        if (fail) throw new Error('disk full');
      },
    });
    expect(await app.call('enrollment:print-sheet', { userId, enrollmentId, mode: 'print', language: 'en' })).toEqual({ ok: true, value: { done: false, file: null } });
    app.saved['sheet-pdf'] = '/tmp/fd-sheet-test.pdf';
    fail = true;
    expect((await app.call('enrollment:print-sheet', { userId, enrollmentId, mode: 'pdf', language: 'en' })).ok).toBe(false);
    expect(await sheetEvents(app)).toEqual([
      { action: 'enrollment.sheet', outcome: 'ok', output: 'printer', reason: undefined },
      { action: 'enrollment.sheet.not-printed', outcome: 'cancelled', output: undefined, reason: 'cancelled' },
      { action: 'enrollment.sheet', outcome: 'ok', output: 'pdf', reason: undefined },
      { action: 'enrollment.sheet.not-printed', outcome: 'cancelled', output: undefined, reason: 'failed' },
    ]);
  });
});
