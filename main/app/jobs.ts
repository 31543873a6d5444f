import { Worker } from 'node:worker_threads';
import type { Clock } from '../core/clock.ts';
import { FactorDeskError, type ErrorCode } from '../core/errors.ts';
import type { Session } from '../core/session.ts';
import type { Vault } from '../store/sqlite/vault.ts';

/** Where a job's vault is, the key to open it (a copy; wiped after it is handed to the worker), and the clock it runs on. */
export interface JobVaultRef {
  dir: string;
  vaultId: string;
  generation: number;
  key: Buffer;
  clock: Clock;
}

/** A reference to an open vault for a job, on that vault's clock. */
export function jobRef(vault: Vault): JobVaultRef {
  return { dir: vault.dir, vaultId: vault.vaultId, generation: vault.generation, key: vault.keyForWorker(), clock: vault.clock };
}

export type JobKind = 'import' | 'import-preview' | 'backup' | 'integrity' | 'rekey' | 'audit-verify' | 'audit-export';

/** What the worker receives (in-process memory; the key never leaves the process). */
export interface JobInput {
  kind: JobKind;
  dir: string;
  dek: Uint8Array;
  vaultId: string;
  generation: number;
  session: Session;
  params: Record<string, unknown>;
  /**
   * The main thread's clock minus the wall clock as the job starts: a Clock cannot cross into
   * the worker, so the worker's time runs on from the main thread's reading (a manual clock in
   * tests, a corrected one in the app) instead of reading the wall clock on its own.
   */
  clockOffsetMs: number;
}

/** A running job: its result, a way to cancel it, and the end of its worker thread. */
export interface RunningJob<T> {
  result: Promise<T>;
  cancel(): void;
  /** Resolves with the worker's exit code once its thread has ended (always, after the result). */
  exited: Promise<number>;
}

/** How long a worker may take to end by itself after its answer before it is terminated. */
const EXIT_GRACE_MS = 2000;

let liveWorkers = 0;

/** How many job worker threads are still alive (started and not yet exited). */
export function activeJobWorkers(): number {
  return liveWorkers;
}

/** Where the worker script is: the .ts source under Node, the built .js in the app bundle. */
export const DEFAULT_WORKER_URL = new URL('./jobs-worker.ts', import.meta.url);

/**
 * Runs a long job in a worker thread with its own connection to the vault. Progress messages
 * go to `onProgress`; errors come back as coded errors (never a stack). The worker ends with its
 * job: it exits by itself after its answer, and is terminated if it has not within a short grace.
 * A worker that crashes or exits without answering rejects the job with INTERNAL.
 */
export function runJob<T>(ref: JobVaultRef, session: Session, kind: JobKind, params: Record<string, unknown>, opts: { onProgress?: (p: Record<string, number>) => void; workerUrl?: URL } = {}): RunningJob<T> {
  const clockOffsetMs = ref.clock.now() - Date.now();
  const input: JobInput = { kind, dir: ref.dir, dek: new Uint8Array(ref.key), vaultId: ref.vaultId, generation: ref.generation, session, params, clockOffsetMs };
  ref.key.fill(0);
  let worker: Worker;
  try {
    worker = new Worker(opts.workerUrl ?? DEFAULT_WORKER_URL, { workerData: input });
  } finally {
    input.dek.fill(0);
  }
  liveWorkers++;
  let alive = true;
  let grace: NodeJS.Timeout | undefined;
  const exited = new Promise<number>((resolve) => {
    worker.once('exit', (code) => {
      alive = false;
      liveWorkers--;
      clearTimeout(grace);
      resolve(code);
    });
  });
  // After the answer the worker has nothing left to do; if something keeps its thread alive, end it.
  const endSoon = (): void => {
    if (!alive || grace) return;
    grace = setTimeout(() => void worker.terminate(), EXIT_GRACE_MS);
    grace.unref();
  };
  const result = new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      f();
      endSoon();
    };
    worker.on('message', (m: { type: string; data?: Record<string, number>; result?: T; error?: { code: ErrorCode; message: string; details?: Record<string, unknown> } }) => {
      if (settled) return;
      if (m.type === 'progress' && m.data) opts.onProgress?.(m.data);
      else if (m.type === 'done') settle(() => resolve(m.result as T));
      else if (m.type === 'error' && m.error) settle(() => reject(new FactorDeskError(m.error!.code, m.error!.message, m.error!.details)));
    });
    // The worker's own error (an uncaught exception) never reaches the caller: it may name paths.
    worker.on('error', () => settle(() => reject(new FactorDeskError('INTERNAL', 'The background job failed.'))));
    worker.on('messageerror', () => settle(() => reject(new FactorDeskError('INTERNAL', 'The background job sent an unreadable answer.'))));
    worker.once('exit', (code) => settle(() => reject(new FactorDeskError('INTERNAL', `The background job stopped (${code}).`))));
  });
  return {
    result,
    exited,
    cancel: () => {
      if (alive) worker.postMessage({ type: 'cancel' });
    },
  };
}
