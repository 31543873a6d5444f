import { Worker } from 'node:worker_threads';
import { FactorDeskError, type ErrorCode } from './errors.ts';
import type { Session } from './session.ts';
import type { Vault } from './vault.ts';

/** Where a job's vault is and the key to open it (a copy; wiped after it is handed to the worker). */
export interface JobVaultRef {
  dir: string;
  vaultId: string;
  generation: number;
  key: Buffer;
}

/** A reference to an open vault for a job. */
export function jobRef(vault: Vault): JobVaultRef {
  return { dir: vault.dir, vaultId: vault.vaultId, generation: vault.generation, key: vault.keyForWorker() };
}

export type JobKind = 'import' | 'backup' | 'integrity' | 'rekey';

/** What the worker receives (in-process memory; the key never leaves the process). */
export interface JobInput {
  kind: JobKind;
  dir: string;
  dek: Uint8Array;
  vaultId: string;
  generation: number;
  session: Session;
  params: Record<string, unknown>;
}

/** A running job: its result, a way to cancel it, and its progress. */
export interface RunningJob<T> {
  result: Promise<T>;
  cancel(): void;
}

/** Where the worker script is: the .ts source under Node, the built .js in the app bundle. */
export const DEFAULT_WORKER_URL = new URL('./jobs-worker.ts', import.meta.url);

/**
 * Runs a long job in a worker thread with its own connection to the vault. Progress messages
 * go to `onProgress`; errors come back as coded errors (never a stack).
 */
export function runJob<T>(ref: JobVaultRef, session: Session, kind: JobKind, params: Record<string, unknown>, opts: { onProgress?: (p: Record<string, number>) => void; workerUrl?: URL } = {}): RunningJob<T> {
  const input: JobInput = { kind, dir: ref.dir, dek: new Uint8Array(ref.key), vaultId: ref.vaultId, generation: ref.generation, session, params };
  ref.key.fill(0);
  const worker = new Worker(opts.workerUrl ?? DEFAULT_WORKER_URL, { workerData: input });
  input.dek.fill(0);
  const result = new Promise<T>((resolve, reject) => {
    let settled = false;
    worker.on('message', (m: { type: string; data?: Record<string, number>; result?: T; error?: { code: ErrorCode; message: string } }) => {
      if (m.type === 'progress' && m.data) opts.onProgress?.(m.data);
      else if (m.type === 'done') {
        settled = true;
        resolve(m.result as T);
      } else if (m.type === 'error' && m.error) {
        settled = true;
        reject(new FactorDeskError(m.error.code, m.error.message));
      }
    });
    worker.on('error', () => {
      if (!settled) reject(new FactorDeskError('INTERNAL', 'The background job failed.'));
      settled = true;
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new FactorDeskError('INTERNAL', `The background job stopped (${code}).`));
    });
  });
  return { result, cancel: () => worker.postMessage({ type: 'cancel' }) };
}
