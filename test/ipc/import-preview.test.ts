// The app's import preview (users:import-preview): the admin picks a file, main reads it off the
// main thread as the import would and answers the counts and rejected rows, writing nothing; then
// users:import with the preview's id imports that same file, with progress in bytes of the total.
import { afterEach, describe, expect, it } from 'vitest';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeApp } from '../helpers/app.ts';
import { AGENT } from '../helpers/vault.ts';
import type { Events, ImportPreviewView } from '../../contract/index.ts';

const apps: Array<ReturnType<typeof makeApp>> = [];
afterEach(() => {
  while (apps.length) apps.pop()!.cleanup();
});

/** The value of a call that must succeed. */
async function value(p: Promise<{ ok: boolean }>): Promise<any> {
  const r = (await p) as { ok: true; value: unknown } | { ok: false; error: { code: string } };
  if (!r.ok) throw new Error(`call failed: ${r.error.code}`);
  return r.value;
}

type App = ReturnType<typeof makeApp>;

/** Every row of every table of the app's open vault, in a stable order. */
function dump(app: App): Record<string, string[]> {
  const db = app.controller.vault().db;
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>;
  const out: Record<string, string[]> = {};
  const text = (row: unknown) => JSON.stringify(row, (_k, x: unknown) => (Buffer.isBuffer(x) ? x.toString('hex') : x));
  for (const { name } of tables) out[name] = (db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).all() as unknown[]).map(text).sort();
  return out;
}

/** An app with two users imported already (Kari, and Ola of an old organization). */
async function seeded(): Promise<App> {
  const app = makeApp();
  apps.push(app);
  await app.firstRun();
  const first = join(app.tmp, 'first.csv');
  writeFileSync(first, 'email,name,phone,organization\nkari@example.no,Kari Nordmann,,Acme\nola@example.no,Ola Hansen,,Old Org\n');
  app.opened.csv = first;
  const { jobId } = await value(app.call('users:import', {}));
  await app.controller.job(jobId)!.done;
  return app;
}

/** 2,999 rows after Kari and Ola: more than one batch, so progress comes more than once. */
function bigFile(app: App): string {
  const rows = ['email;name;phone;organization', 'kari@example.no;Kari Nordmann;;Acme', 'ola@example.no;Ola Hansen;;New Org', 'broken;No At;;Acme', 'x@example.no;;;Acme'];
  for (let i = 0; i < 2999; i++) rows.push(`user${i}@example.no;User ${i};;Acme`);
  const path = join(app.tmp, 'big.csv');
  writeFileSync(path, rows.join('\r\n') + '\r\n');
  return path;
}

describe('users:import-preview', () => {
  it('answers the counts and the rejected rows with codes, writes nothing, and the import of its file then does the same', async () => {
    const app = await seeded();
    const path = bigFile(app);
    app.opened.csv = path;
    const before = dump(app);
    const eventsBefore = app.events.length;
    const view = (await value(app.call('users:import-preview', {}))) as ImportPreviewView;
    expect(view).toMatchObject({ fileName: 'big.csv', totalBytes: statSync(path).size, previewId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(view.preview).toMatchObject({ rows: 3003, new: 2999, changed: 1, unchanged: 1, rejectedCount: 2, cancelled: false, stopped: null });
    expect(view.preview!.rejected.map((r) => [r.line, r.code])).toEqual([
      [4, 'email-at'],
      [5, 'missing'],
    ]);
    // Nothing written (every table as it was: no user, no audit event, no outbox), nothing announced.
    expect(dump(app)).toEqual(before);
    expect(app.events.slice(eventsBefore)).toEqual([]);

    // "Import": the same file, no second dialog, and the counts the preview gave.
    app.opened.csv = null;
    const { jobId } = await value(app.call('users:import', { previewId: view.previewId! }));
    expect(jobId).toEqual(expect.any(String));
    const report = (await app.controller.job(jobId)!.done) as { rows: number; inserted: number; updated: number; unchanged: number; rejected: Array<{ line: number }> };
    expect(report).toMatchObject({ rows: 3003, inserted: 2999, updated: 1, unchanged: 1 });
    expect(report.rejected.map((r) => r.line)).toEqual([4, 5]);
    expect(dump(app)).not.toEqual(before);
    // Progress is determinate: bytes read of the file's size, growing to all of it.
    const progress = app.events.filter((e) => e.event === 'import:progress' && (e.data as Events['import:progress']).jobId === jobId).map((e) => e.data as Events['import:progress']);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.map((p) => p.totalBytes)).toEqual(progress.map(() => view.totalBytes));
    expect(progress.every((p) => p.bytes <= p.totalBytes!)).toBe(true);
    expect(progress.at(-1)!.bytes).toBe(view.totalBytes);
    expect(progress.map((p) => p.bytes)).toEqual([...progress.map((p) => p.bytes)].sort((a, b) => a - b));

    // The preview was used up: importing by its id again is refused, and nothing starts.
    const again = await app.call('users:import', { previewId: view.previewId! });
    expect(again).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('a cancelled file dialog answers nulls; an unknown preview id, a bad encoding and an agent are refused', async () => {
    const app = await seeded();
    app.opened.csv = null;
    expect(await value(app.call('users:import-preview', {}))).toEqual({ previewId: null, fileName: null, totalBytes: null, preview: null });
    expect(await app.call('users:import', { previewId: 'feedfacefeedface' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await app.call('users:import-preview', { encoding: 'ebcdic' } as never)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await app.call('users:import-preview', { path: '/etc/passwd' } as never)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });

    // An agent may not preview, nor import another operator's preview.
    app.opened.csv = bigFile(app);
    const view = (await value(app.call('users:import-preview', {}))) as ImportPreviewView;
    expect((await app.call('operators:add', { ...AGENT, role: 'agent' })).ok).toBe(true);
    await app.call('session:lock', {});
    await value(app.call('session:sign-in', { name: AGENT.name, password: AGENT.password }));
    expect(await app.call('users:import-preview', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await app.call('users:import', { previewId: view.previewId! })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('a bad header is refused as the import refuses it, naming its columns', async () => {
    const app = await seeded();
    const bad = join(app.tmp, 'bad.csv');
    writeFileSync(bad, 'E-post,name,phone,organization\nkari@example.no,Kari,,Acme\n');
    app.opened.csv = bad;
    const before = dump(app);
    const r = await app.call('users:import-preview', {});
    // The columns cross IPC (from the worker, through the guard), so the screen words them in its language.
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST', message: expect.stringMatching(/unknown columns: "E-post"/), details: { field: 'header', kind: 'header', unknown: ['E-post'], missing: ['email'], columns: expect.arrayContaining(['email', 'sms_purpose']) } },
    });
    expect(dump(app)).toEqual(before);
  });
});
