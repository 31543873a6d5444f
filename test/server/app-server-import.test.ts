// The desktop app's import while it is a server's client (embedded store, server in this process):
// the dry run and the import of the file chosen in main, streamed to the server; progress events
// from the job's status while the file still arrives (a FIFO the test writes in two halves); the
// report event and "Save report"; the renderer cannot begin a server job itself.
import { execFileSync } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN } from '../fixtures/cli-harness.ts';
import { serverFixture, serverInit, startInProcess, type ServerFixture } from '../helpers/server.ts';
import { makeApp } from '../helpers/app.ts';
import { memoryConnection } from '../../main/app/server-link.ts';
import { totpAt } from '../../main/core/totp.ts';
import { ManualClock } from '../../main/core/clock.ts';

let fx: ServerFixture;
let srv: Awaited<ReturnType<typeof startInProcess>>;
let adminSecret: Buffer;
const clock = new ManualClock(Date.now());

function csv(from: number, n: number, header = true): string {
  const rows = Array.from({ length: n }, (_, i) => `app${from + i}@example.no,Bruker ${from + i},+4792${String(from + i).padStart(6, '0')},Kommune`);
  return (header ? 'email,name,phone,organization\n' : '') + rows.join('\n') + '\n';
}

function val(r: { ok: boolean; value?: any; error?: unknown }): any {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value;
}

/** Waits (real time: the import runs on the server in this process) until `pred` holds. */
async function until(pred: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  fx = await serverFixture('fd-appimp-', { store: 'folder' });
  ({ adminSecret } = serverInit(fx, ADMIN));
  srv = await startInProcess(fx, clock);
}, 60_000);
afterAll(async () => {
  await srv?.close();
  await fx?.cleanup();
});

describe('import from the app connected to a server', () => {
  it('dry run, import with progress while the file arrives, the report event, save report; users:import-begin is not the renderer\'s', { timeout: 60_000 }, async () => {
    const app = makeApp({ clock, connection: memoryConnection({ url: srv.url, pin: srv.pin }) });
    try {
      clock.advance(31_000);
      val(await app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password, otp: totpAt(adminSecret, clock.now()) }));
      const begin = await app.call('users:import-begin', {});
      expect(begin.ok ? null : begin.error.code).toBe('NOT_IN_SERVER_MODE');

      const file = join(fx.tmp, 'people.csv');
      writeFileSync(file, csv(0, 30) + 'broken-row\n');
      app.opened.csv = file;
      const preview = val(await app.call('users:import-preview', {}));
      expect(preview).toMatchObject({ fileName: 'people.csv', totalBytes: readFileSync(file).length, preview: { new: 30, rejectedCount: 1 } });
      expect(await srv.store.read((tx) => tx.users.getByEmailKey('app0@example.no'))).toBeNull();
      const { jobId } = val(await app.call('users:import', { previewId: preview.previewId }));
      await until(() => app.events.some((e) => e.event === 'job:done'), 'the report');
      const done = app.events.find((e) => e.event === 'job:done')!.data as any;
      expect(done).toMatchObject({ jobId, kind: 'import', ok: true, result: { inserted: 30, rejected: [{ line: 32 }] } });
      expect(await srv.store.read((tx) => tx.users.getByEmailKey('app29@example.no'))).toMatchObject({ name: 'Bruker 29' });
      // The preview is used up; the report can be saved where the admin chooses.
      expect((await app.call('users:import', { previewId: preview.previewId })).ok).toBe(false);
      app.saved['import-report'] = join(fx.tmp, 'report.csv');
      expect(val(await app.call('users:import-save-report', { jobId }))).toEqual({ file: join(fx.tmp, 'report.csv') });
      expect(readFileSync(join(fx.tmp, 'report.csv'), 'utf8')).toMatch(/32/);
      expect(val(await app.call('jobs:status', { jobId }))).toMatchObject({ state: 'done', rows: 31 });

      // A file that is still being written: progress arrives before its end.
      const fifo = join(fx.tmp, 'growing.csv');
      execFileSync('mkfifo', [fifo]);
      app.opened.csv = fifo;
      app.events.length = 0;
      const started = app.call('users:import', {});
      const w = createWriteStream(fifo);
      w.write(csv(1000, 6000));
      const second = val(await started).jobId as string;
      await until(() => app.events.some((e) => e.event === 'import:progress' && (e.data as any).jobId === second && (e.data as any).accepted >= 2000), 'progress while the file arrives');
      expect(app.events.some((e) => e.event === 'job:done')).toBe(false);
      w.end(csv(7000, 10, false));
      await until(() => app.events.some((e) => e.event === 'job:done'), 'the second report');
      expect(app.events.find((e) => e.event === 'job:done')!.data).toMatchObject({ jobId: second, ok: true, result: { inserted: 6010, rejected: [] } });
      // Another operator's job id says nothing.
      expect((await app.call('users:import-save-report', { jobId: 'f'.repeat(32) })).ok).toBe(false);
    } finally {
      app.cleanup();
    }
  });
});
