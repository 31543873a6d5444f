// The Vault screen's upkeep (vault:info): the latest backup, integrity check and audit
// verification as the audit log records them, and the outbox items not yet sent, through the
// guard like the screen asks for them.
import { afterEach, expect, it } from 'vitest';
import { join } from 'node:path';
import { makeApp } from '../helpers/app.ts';
import { ManualClock } from '../../main/core/clock.ts';
import { foldKey } from '../../main/core/text.ts';
import { CTX } from '../helpers/suites.ts';

const apps: Array<ReturnType<typeof makeApp>> = [];
afterEach(() => {
  while (apps.length) apps.pop()!.cleanup();
});

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);
const HOUR = 3_600_000;
/** A job's worker keeps the test clock's time but lets it run on while it works. */
const near = (t: number) => expect.toSatisfy((at: number) => at >= t && at < t + 60_000);

async function upkeep(app: ReturnType<typeof makeApp>) {
  const r = await app.call('vault:info', {});
  if (!r.ok) throw new Error(r.error.code);
  return r.value.upkeep;
}

it('shows the latest backup, integrity check, audit verification and the pending outbox', async () => {
  const app = makeApp({ clock: new ManualClock(T0) });
  apps.push(app);
  await app.firstRun();
  expect(await upkeep(app)).toEqual({ lastBackup: null, lastIntegrityCheck: null, lastAuditVerify: null, outboxPending: 0 });

  app.clock.advance(HOUR);
  app.saved.backup = join(app.tmp, 'first.fdbackup');
  expect((await app.call('vault:backup', {})).ok).toBe(true);
  app.clock.advance(HOUR);
  const backedUp = app.clock.now();
  app.saved.backup = join(app.tmp, 'second.fdbackup');
  const second = await app.call('vault:backup', {});
  expect(second.ok).toBe(true);
  // The latest backup counts, with its file name and size.
  expect((await upkeep(app)).lastBackup).toEqual({ at: near(backedUp), file: 'second.fdbackup', bytes: second.ok ? second.value.bytes : -1 });

  app.clock.advance(HOUR);
  const checked = app.clock.now();
  expect(await app.call('vault:integrity', {})).toMatchObject({ ok: true, value: { ok: true } });
  app.clock.advance(HOUR);
  const verified = app.clock.now();
  expect(await app.call('audit:verify', {})).toMatchObject({ ok: true, value: { ok: true } });
  const kari = await app.controller.store().write((tx) => tx.users.insert({ externalId: null, email: 'kari@example.no', emailKey: foldKey('kari@example.no'), name: 'Kari', nameKey: 'kari', phone: null, organization: null, status: 'active' }, app.clock.now()));
  expect((await app.call('codes:issue-one-time', { userId: kari!, ...CTX })).ok).toBe(true);
  expect(await upkeep(app)).toEqual({
    lastBackup: { at: near(backedUp), file: 'second.fdbackup', bytes: second.ok ? second.value.bytes : -1 },
    lastIntegrityCheck: { at: near(checked), ok: true },
    lastAuditVerify: { at: near(verified), ok: true },
    outboxPending: 1,
  });

  // Exported notifications are no longer waiting.
  app.saved['outbox-json'] = join(app.tmp, 'outbox.json');
  expect(await app.call('outbox:export', { format: 'json' })).toMatchObject({ ok: true, value: { count: 1 } });
  expect((await upkeep(app)).outboxPending).toBe(0);
});

it('says when the latest check or verification found problems', async () => {
  const app = makeApp({ clock: new ManualClock(T0) });
  apps.push(app);
  await app.firstRun();
  expect((await app.call('audit:verify', {})).ok).toBe(true);
  app.clock.advance(HOUR);
  // As the services record a failed verification and a check with problems.
  await app.controller.store().write(async (tx) => {
    await tx.audit.append({ action: 'audit.verify', operator: 'anne', outcome: 'broken', details: { count: 3, firstBroken: 2 } }, T0 + HOUR);
    await tx.audit.append({ action: 'vault.integrity-check', operator: 'anne', outcome: 'problems', details: { problems: 1 } }, T0 + HOUR);
  });
  expect(await upkeep(app)).toMatchObject({ lastIntegrityCheck: { at: T0 + HOUR, ok: false }, lastAuditVerify: { at: T0 + HOUR, ok: false } });
});

it('is for admins only', async () => {
  const app = makeApp();
  apps.push(app);
  await app.firstRun();
  await app.call('session:lock', {});
  expect(await app.call('vault:info', {})).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED' } });
});
