/**
 * Imports over a server: an operator (or an automation client with the scope) begins a job
 * (`users:import-begin`), streams the CSV to `POST /api/v1/import/JOB_ID`, and follows it with
 * `jobs:status` from any connection of the same caller. The rows go through the same import
 * service as on a vault: each committed batch with its audit event. Jobs live in the instance
 * that began them, for an hour after they end (each caller's latest few).
 */
import type { Readable } from 'node:stream';
import type { ImportEncoding } from '../../contract/index.ts';
import type { ImportReportView, JobStatusView } from '../../contract/views.ts';
import type { ImportPreview } from '../../contract/imports.ts';
import type { ServerStore, WriteOptions, WriteTx } from '../store/port.ts';
import type { Session } from '../core/session.ts';
import type { ImportProgress } from '../core/import-users.ts';
import { requireRole } from '../core/roles.ts';
import { FactorDeskError, fail, toFactorDeskError } from '../core/errors.ts';

/** The largest CSV an import takes over a server (a million users is about 100 MB). */
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024 * 1024;
/** Imports reading at once on one instance; another waits for its turn to begin. */
export const IMPORTS_AT_ONCE = 2;
/** How long a begun job waits for its upload, and how long a finished job's status is kept. */
const WAIT_MS = 5 * 60_000;
const KEEP_MS = 60 * 60_000;
const MAX_JOBS = 200;
/** Finished jobs kept per caller (the latest): one caller's many imports never fill the table for the others. */
const KEEP_FINISHED_PER_CALLER = 10;

interface Job {
  view: JobStatusView;
  /** The caller it belongs to: only they follow, upload or cancel it. */
  owner: string;
  dryRun: boolean;
  encoding: ImportEncoding | 'auto';
  abort: AbortController;
  uploading: boolean;
  /** The file streaming in, while it does (stopping the server ends it). */
  body: Readable | null;
}

/**
 * The store as an upload's import sees it: each write (a batch with its event) first asks
 * `signedIn` whether the caller's session still holds, so a session that ended (signed out,
 * disabled, role changed, timed out) writes nothing more, even while its file streams on.
 */
function whileSignedIn(store: ServerStore, signedIn: () => Promise<unknown>, dryRun = false): ServerStore {
  const holds = async (): Promise<void> => {
    try {
      await signedIn();
    } catch (err) {
      if (toFactorDeskError(err).code !== 'SESSION_LOCKED') throw err;
      if (dryRun) throw new FactorDeskError('SESSION_LOCKED', 'Your session ended during the dry run (signed out, disabled or timed out): it stopped there. Nothing was written; sign in again.');
      throw new FactorDeskError('SESSION_LOCKED', 'Your session ended during the import (signed out, disabled or timed out): it stopped there. The batches before are imported, each in the audit; sign in again and import the same file (the rows already in are left unchanged).');
    }
  };
  const write = async <T>(fn: (tx: WriteTx) => Promise<T>, opts?: WriteOptions): Promise<T> => {
    await holds();
    return store.write(fn, opts);
  };
  // A dry run writes nothing: its reads (one per batch) are where it stops.
  const read: ServerStore['read'] = async (fn) => {
    await holds();
    return store.read(fn);
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'write') return write;
      if (prop === 'read' && dryRun) return read;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export class ImportJobs {
  private readonly jobs = new Map<string, Job>();
  private readonly store: ServerStore;

  constructor(store: ServerStore) {
    this.store = store;
  }

  /** Begins a job for `session`; its file follows on the upload route. */
  begin(session: Session, req: { dryRun?: boolean; encoding?: ImportEncoding; totalBytes?: number }): { jobId: string } {
    requireRole(session, 'users:import');
    this.sweep();
    if (req.totalBytes !== undefined && req.totalBytes > MAX_IMPORT_BYTES) fail('BAD_REQUEST', `The file is larger than ${MAX_IMPORT_BYTES / 1024 ** 3} GB: split it.`, { field: 'totalBytes' });
    const mine = [...this.jobs.values()].filter((j) => j.owner === session.operatorId && (j.view.state === 'waiting' || j.view.state === 'running'));
    if (mine.length > 0) fail('CONFLICT', 'An import of yours is already running on this server: wait for it or cancel it.');
    this.dropFinished((j) => j.owner === session.operatorId, KEEP_FINISHED_PER_CALLER - 1);
    // Still full: the oldest finished reports give way before a new import is refused.
    if (this.jobs.size >= MAX_JOBS) this.dropFinished(() => true, Math.max(0, MAX_JOBS - 1 - (this.jobs.size - this.finishedCount())));
    if (this.jobs.size >= MAX_JOBS) fail('RATE_LIMITED', 'Too many imports on this server right now: try again in a few minutes.', { seconds: 60 });
    const jobId = this.store.random.bytes(16).toString('hex');
    const now = this.store.clock.now();
    this.jobs.set(jobId, {
      owner: session.operatorId,
      dryRun: req.dryRun === true,
      encoding: req.encoding ?? 'auto',
      abort: new AbortController(),
      uploading: false,
      body: null,
      view: {
        jobId,
        kind: req.dryRun ? 'import-preview' : 'import',
        state: 'waiting',
        rows: 0,
        bytes: 0,
        totalBytes: req.totalBytes ?? null,
        accepted: 0,
        rejected: 0,
        rowsPerSecond: 0,
        startedAt: now,
        finishedAt: null,
        error: null,
        result: null,
      },
    });
    return { jobId };
  }

  /** The job's status, for the caller who began it (another caller is told it does not exist). */
  status(session: Session, jobId: string): JobStatusView {
    return { ...this.own(session, jobId).view };
  }

  /** Asks a running job to stop between batches (what was imported stays, the report says cancelled); a waiting one is dropped. */
  cancel(session: Session, jobId: string): { ok: true } {
    const job = this.own(session, jobId);
    job.abort.abort();
    // Nothing was read yet: the job is gone.
    if (job.view.state === 'waiting' && !job.uploading) this.jobs.delete(jobId);
    return { ok: true };
  }

  /**
   * Reads the uploaded file `body` into the job (the import, or its dry run) and answers its
   * report or preview. A body that ends before its declared length (the client went away) stops
   * the import where it broke off; the rows committed before stay, each batch with its event.
   * `signedIn` is asked before each write whether the caller's session still holds.
   */
  async upload(session: Session, jobId: string, body: Readable, totalBytes: number | null, signedIn: () => Promise<unknown>): Promise<ImportReportView | ImportPreview> {
    const job = this.own(session, jobId);
    if (job.view.state !== 'waiting' || job.uploading) fail('CONFLICT', 'This import already has its file: begin a new one.');
    if (this.running() >= IMPORTS_AT_ONCE) {
      // Nothing of the file was read: the job goes, so the caller can begin again in a minute.
      this.jobs.delete(jobId);
      fail('RATE_LIMITED', 'Other imports are running on this server: try again in a minute.', { seconds: 60 });
    }
    job.uploading = true;
    job.body = body;
    job.view.state = 'running';
    if (totalBytes !== null) job.view.totalBytes = totalBytes;
    const started = this.store.clock.now();
    const options = {
      encoding: job.encoding,
      signal: job.abort.signal,
      onProgress: (p: ImportProgress) => {
        const secs = Math.max((this.store.clock.now() - started) / 1000, 0.001);
        Object.assign(job.view, { rows: p.rows, bytes: p.bytes, accepted: p.accepted, rejected: p.rejected, rowsPerSecond: Math.round(p.rows / secs) });
      },
    };
    const size = job.view.totalBytes;
    const source = { size: () => size, stream: () => body };
    try {
      // Loaded on demand: the CSV reader is only needed here.
      const result = job.dryRun
        ? await (await import('../core/import-preview.ts')).previewImport(whileSignedIn(this.store, signedIn, true), session, source, options)
        : await (await import('../core/import-users.ts')).importUsers(whileSignedIn(this.store, signedIn), session, source, options);
      this.finish(job, null, result);
      return result;
    } catch (err) {
      const e = toFactorDeskError(err);
      this.finish(job, { code: e.code, message: e.message }, null);
      throw err;
    }
  }

  /**
   * The server is stopping: each running upload's file is ended where it is, so its import
   * stops at the last whole line that arrived (the rows before stay, each batch with its event)
   * and its client is answered with that report, instead of the server waiting for the rest.
   */
  stopAll(): void {
    for (const job of this.jobs.values()) {
      if (job.view.state !== 'running' || !job.body) continue;
      job.body.destroy(new FactorDeskError('IO_ERROR', 'The server is stopping: the rest of the file was not imported. Import the same file again when the server is back (the rows already in are left unchanged).'));
    }
  }

  private finish(job: Job, error: JobStatusView['error'], result: JobStatusView['result']): void {
    job.body = null;
    if (result && 'rows' in result) job.view.rows = result.rows;
    Object.assign(job.view, { state: error ? 'failed' : 'done', finishedAt: this.store.clock.now(), error, result });
  }

  private own(session: Session, jobId: string): Job {
    const job = this.jobs.get(jobId);
    if (!job || job.owner !== session.operatorId) fail('NOT_FOUND', 'There is no such import on this server (a job is followed on the server instance that began it, for an hour after it ends).');
    return job;
  }

  /** Drops the oldest finished jobs that `which` picks, keeping the latest `keep` of them. */
  private dropFinished(which: (j: Job) => boolean, keep: number): void {
    const done = [...this.jobs].filter(([, j]) => j.view.finishedAt !== null && which(j)).sort((a, b) => a[1].view.finishedAt! - b[1].view.finishedAt!);
    for (const [id] of done.slice(0, Math.max(0, done.length - keep))) this.jobs.delete(id);
  }

  private finishedCount(): number {
    let n = 0;
    for (const j of this.jobs.values()) if (j.view.finishedAt !== null) n++;
    return n;
  }

  private running(): number {
    let n = 0;
    for (const j of this.jobs.values()) if (j.view.state === 'running') n++;
    return n;
  }

  /** Drops finished jobs after an hour and begun ones whose file never came. */
  private sweep(): void {
    const now = this.store.clock.now();
    for (const [id, j] of this.jobs) {
      if (j.view.finishedAt !== null && now - j.view.finishedAt > KEEP_MS) this.jobs.delete(id);
      else if (j.view.state === 'waiting' && now - j.view.startedAt > WAIT_MS) this.jobs.delete(id);
    }
  }
}
