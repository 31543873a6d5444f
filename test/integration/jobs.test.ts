// Background jobs in worker threads: each worker ends with its job (done, coded error, crash or
// early exit), none is left idle, and the worker's audit events carry the injected clock's time.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { makeVault, errorCode } from '../helpers/vault.ts';
import { activeJobWorkers, jobRef, runJob } from '../../main/app/jobs.ts';
import { FactorDeskError } from '../../main/core/errors.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** Resolves with `p`'s value, or rejects when it takes longer than `ms` (a hang is a failure, not a timeout of the suite). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** A worker script as a data: URL (an ES module), for workers that misbehave on purpose. */
const script = (code: string) => new URL(`data:text/javascript,${encodeURIComponent(code)}`);

describe('job workers end with their job', () => {
  it('an integrity check resolves, then its worker thread exits by itself (exit code 0)', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    const job = runJob<{ ok: boolean }>(jobRef(v.vault), v.admin, 'integrity', {});
    expect(await within(job.result, 20_000, 'result')).toEqual({ ok: true, problems: [] });
    expect(await within(job.exited, 5_000, 'worker exit')).toBe(0);
    expect(activeJobWorkers()).toBe(0);
  });

  it('five integrity checks leave no live worker', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    const before = activeJobWorkers();
    const jobs = Array.from({ length: 5 }, () => runJob(jobRef(v.vault), v.admin, 'integrity', {}));
    const results = within(Promise.all(jobs.map((j) => j.result)), 30_000, 'results');
    expect(activeJobWorkers()).toBe(before + 5);
    await results;
    const codes = await within(Promise.all(jobs.map((j) => j.exited)), 5_000, 'worker exits');
    expect(codes).toEqual([0, 0, 0, 0, 0]);
    expect(activeJobWorkers()).toBe(0);
  });

  it('a job that fails with a coded error rejects with that code, and its worker exits', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    // The folder for the backup does not exist: the service throws NOT_FOUND inside the worker.
    const job = runJob(jobRef(v.vault), v.admin, 'backup', { dest: join(v.dir, 'no-such-folder', 'b.fdb') });
    expect(await within(errorCode(job.result), 20_000, 'result')).toBe('NOT_FOUND');
    expect(await within(job.exited, 5_000, 'worker exit')).toBe(0);
    expect(activeJobWorkers()).toBe(0);
  });

  it('cancelling after the end is harmless', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    const job = runJob(jobRef(v.vault), v.admin, 'integrity', {});
    await within(job.result, 20_000, 'result');
    await within(job.exited, 5_000, 'worker exit');
    expect(() => job.cancel()).not.toThrow();
  });

  it('a worker that throws rejects the job with INTERNAL (no stack), never hangs', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    const job = runJob(jobRef(v.vault), v.admin, 'integrity', {}, { workerUrl: script('throw new Error("boom at /secret/path")') });
    const err = await within(job.result.then(() => null, (e: unknown) => e), 10_000, 'result');
    expect(err).toBeInstanceOf(FactorDeskError);
    expect((err as FactorDeskError).code).toBe('INTERNAL');
    expect((err as FactorDeskError).message).not.toMatch(/boom|secret/);
    await within(job.exited, 5_000, 'worker exit');
    expect(activeJobWorkers()).toBe(0);
  });

  it('a worker that exits early without a message rejects the job with INTERNAL, never hangs', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    const job = runJob(jobRef(v.vault), v.admin, 'integrity', {}, { workerUrl: script('process.exit(3)') });
    expect(await within(errorCode(job.result), 10_000, 'result')).toBe('INTERNAL');
    expect(await within(job.exited, 5_000, 'worker exit')).toBe(3);
    expect(activeJobWorkers()).toBe(0);
  });

  it('a worker that answers and then stays alive is ended by the main thread', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    // Answers, then keeps a listener and a timer: it would never exit by itself.
    const stubborn = script(
      'import { parentPort } from "node:worker_threads"; parentPort.on("message", () => {}); setInterval(() => {}, 1000); parentPort.postMessage({ type: "done", result: 7 });',
    );
    const job = runJob<number>(jobRef(v.vault), v.admin, 'integrity', {}, { workerUrl: stubborn });
    expect(await within(job.result, 10_000, 'result')).toBe(7);
    await within(job.exited, 10_000, 'worker exit');
    expect(activeJobWorkers()).toBe(0);
  });
});

describe('job workers use the injected clock', () => {
  it("the worker's integrity-check audit event is at the manual clock's time, not the wall clock's", async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    const manual = Date.UTC(2031, 4, 17, 12, 0, 0);
    v.clock.set(manual);
    const job = runJob(jobRef(v.vault), v.admin, 'integrity', {});
    await within(job.result, 20_000, 'result');
    const ev = v.vault.db.prepare("SELECT at FROM audit_events WHERE action = 'vault.integrity-check' ORDER BY seq DESC LIMIT 1").get() as { at: number };
    // The worker's time runs on from the main thread's clock as the job starts (it cannot call
    // back for every reading): the event is at the manual time plus the job's few milliseconds.
    expect(ev.at).toBeGreaterThanOrEqual(manual);
    expect(ev.at - manual).toBeLessThan(10_000);
    await within(job.exited, 5_000, 'worker exit');
  });

  it("an import job's audit and progress rates come from the injected clock", async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    const manual = Date.UTC(2030, 0, 2, 8, 0, 0);
    v.clock.set(manual);
    const csv = join(v.dir, 'users.csv');
    const lines = ['email,name,phone,organization'];
    for (let i = 0; i < 3000; i++) lines.push(`user${i}@example.no,User ${i},,Nordlys AS`);
    writeFileSync(csv, lines.join('\n') + '\n');
    const rates: number[] = [];
    const job = runJob<{ inserted: number }>(jobRef(v.vault), v.admin, 'import', { path: csv }, { onProgress: (p) => rates.push(p.rowsPerSecond ?? NaN) });
    expect((await within(job.result, 30_000, 'result')).inserted).toBe(3000);
    expect(rates.length).toBeGreaterThan(0);
    for (const r of rates) expect(Number.isFinite(r) && r > 0).toBe(true);
    const at = v.vault.db.prepare("SELECT at FROM audit_events WHERE action = 'user.import' ORDER BY seq DESC LIMIT 1").get() as { at: number } | undefined;
    expect(at, 'an import audit event').toBeDefined();
    expect(at!.at - manual).toBeGreaterThanOrEqual(0);
    expect(at!.at - manual).toBeLessThan(20_000);
    await within(job.exited, 5_000, 'worker exit');
  });
});
