// The app's audit verify and export run in a worker thread with progress events (the window
// stays responsive at 100,000 events), and the export holds exactly what the list shows.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { makeApp } from '../helpers/app.ts';
import type { AuditExportFile } from '../../main/core/audit-export.ts';

const apps: Array<ReturnType<typeof makeApp>> = [];
afterEach(() => {
  while (apps.length) apps.pop()!.cleanup();
});

async function appWithEvents(n: number) {
  const app = makeApp();
  apps.push(app);
  await app.firstRun();
  const vault = app.controller.vault();
  vault.write(() => {
    for (let i = 0; i < n; i++) vault.audit({ action: 'user.view', operator: i % 2 ? 'anne' : 'per', userEmail: `u${i}@example.no`, ticket: i % 100 === 0 ? `HD-${i}` : null, outcome: 'ok' });
  });
  return app;
}

/** The value of a Result that must be ok. */
function ok<T = any>(r: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!r.ok) throw new Error(`not ok: ${JSON.stringify(r.error)}`);
  return r.value;
}

const progressOf = (app: ReturnType<typeof makeApp>, kind: string) =>
  app.events.filter((e) => e.event === 'job:progress' && (e.data as { kind: string }).kind === kind).map((e) => e.data as { done: number; total: number });

describe('audit verify and export run as background jobs', () => {
  it('verify reports progress from its worker and answers with the chain report', async () => {
    const app = await appWithEvents(2500);
    const r = await app.call('audit:verify', {});
    expect(r).toMatchObject({ ok: true, value: { ok: true } });
    const p = progressOf(app, 'audit-verify');
    const total = ok(r).count as number;
    expect(total).toBeGreaterThan(2500);
    expect(p.length).toBeGreaterThanOrEqual(3);
    expect(p.every((x) => x.total === total)).toBe(true);
    expect(p.map((x) => x.done)).toEqual([...p.map((x) => x.done)].sort((a, b) => a - b));
    expect(p[p.length - 1]!.done).toBe(total);
    // The worker wrote the check's audit event.
    const last = await app.call('audit:list', { action: 'audit.verify' });
    expect(last.ok && last.value.length).toBe(1);
  });

  it('export with a filter writes exactly the events the list shows for it, in a worker with progress', async () => {
    const app = await appWithEvents(1500);
    const filter = { operator: 'PE', ticket: 'hd-' };
    const listed = await app.call('audit:list', { ...filter, limit: 1000 });
    expect(ok(listed).length).toBe(15);
    const file = join(app.tmp, 'audit.json');
    app.saved['audit-json'] = file;
    const r = await app.call('audit:export', { format: 'json', filter });
    expect(r).toMatchObject({ ok: true, value: { file, count: 15 } });
    const doc = JSON.parse(readFileSync(file, 'utf8')) as AuditExportFile;
    expect(doc.events.map((e) => e.seq)).toEqual(ok(listed).map((e: { seq: number }) => e.seq).reverse());
    expect(doc.complete).toBe(false);
    expect(progressOf(app, 'audit-export').length).toBeGreaterThan(0);
    // No toast-worthy leftovers: the job reported once, to this operator.
    expect(app.events.filter((e) => e.event === 'job:done' && (e.data as { kind: string }).kind === 'audit-export')).toHaveLength(1);
  });

  it('export without a filter holds the whole chain', async () => {
    const app = await appWithEvents(10);
    const file = join(app.tmp, 'audit.csv');
    app.saved['audit-csv'] = file;
    const r = await app.call('audit:export', { format: 'csv' });
    expect(r.ok).toBe(true);
    const rows = readFileSync(file, 'utf8').trim().split('\r\n');
    // Header, one row per event, and the comment line with the head.
    expect(rows.length - 2).toBe(ok(r).count);
    expect(rows[rows.length - 1]).toContain('complete=true');
  });
});
