// Worker thread for work that takes seconds (import, backup, integrity check, rekey, audit
// verify and export), so the
// main process stays responsive. It opens its own connection to the vault with a copy of the key
// handed over in memory by the main thread of the same process.
import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { openDatabase } from '../store/sqlite/database.ts';
import { Vault, type VaultEnv } from '../store/sqlite/vault.ts';
import { systemClock, systemRandom, type Clock } from '../core/clock.ts';
import { DB_FILE } from '../store/sqlite/paths.ts';
import { toFactorDeskError } from '../core/errors.ts';
import type { JobInput } from './jobs.ts';
import { importUsers } from '../core/import-users.ts';
import { previewImport } from '../core/import-preview.ts';
import type { ImportEncoding } from '../core/import-decode.ts';
import { backupVault, checkVaultIntegrity, rotateAfterRevocation, rotateVaultKey } from '../core/vault-maintenance.ts';
import { storeOf } from '../store/sqlite/sqlite-store.ts';
import { fileSink, inputFile } from '../platform/file-ports.ts';
import { exportAudit, verifyAuditForReport, type AuditQuery } from '../core/audit-export.ts';
import { fileRef, vaultAdminOf } from '../store/sqlite/vault-admin.ts';

const input = workerData as JobInput;
const controller = new AbortController();
const onMessage = (m: { type: string }): void => {
  if (m.type === 'cancel') controller.abort();
};
parentPort!.on('message', onMessage);

// The one place this thread's time and randomness are chosen: the main thread's clock carried
// over as an offset from the wall clock (a Clock cannot be sent to a thread), and the OS CSPRNG.
const clock: Clock = { now: () => systemClock.now() + input.clockOffsetMs };
const env: VaultEnv = { dir: input.dir, clock, random: systemRandom };

/** Answers the main thread once, then lets this thread end (nothing may keep it alive). */
function answer(message: unknown): void {
  parentPort!.postMessage(message);
  parentPort!.off('message', onMessage);
}

/** Progress of a job that walks the audit chain (events done of total) or rotates the key (bytes of the copy of total). */
const progress = (p: { done: number; total: number }): void => parentPort!.postMessage({ type: 'progress', data: p });

async function run(): Promise<unknown> {
  const dek = Buffer.from(input.dek);
  input.dek.fill(0); // the copy handed over in workerData
  const vault = new Vault(env, openDatabase(join(input.dir, DB_FILE), dek), dek, input.vaultId, input.generation);
  try {
    switch (input.kind) {
      case 'import': {
        const started = clock.now();
        return await importUsers(storeOf(vault), input.session, inputFile(input.params.path as string), {
          encoding: (input.params.encoding as ImportEncoding | undefined) ?? 'auto',
          signal: controller.signal,
          onProgress: (p) => {
            const secs = Math.max((clock.now() - started) / 1000, 0.001);
            parentPort!.postMessage({ type: 'progress', data: { ...p, rowsPerSecond: Math.round(p.rows / secs) } });
          },
        });
      }
      case 'import-preview':
        // A dry run: reads the vault, writes nothing.
        return await previewImport(storeOf(vault), input.session, inputFile(input.params.path as string), {
          encoding: (input.params.encoding as ImportEncoding | undefined) ?? 'auto',
          signal: controller.signal,
        });
      case 'backup':
        return await backupVault(storeOf(vault), vaultAdminOf(vault), input.session, fileRef(input.params.dest as string));
      case 'integrity':
        return await checkVaultIntegrity(storeOf(vault), vaultAdminOf(vault), input.session);
      case 'audit-verify':
        return await verifyAuditForReport(storeOf(vault), vaultAdminOf(vault), input.session, { onProgress: progress });
      case 'audit-export': {
        const p = input.params as { dest: string; format: 'csv' | 'json'; filter?: AuditQuery };
        const r = await exportAudit(storeOf(vault), vaultAdminOf(vault), input.session, p.format, fileSink(p.dest), p.filter, { onProgress: progress });
        return { count: r.count };
      }
      case 'rekey': {
        const after = input.params.after as { operator: string; change: 'disable' | 'remove' } | undefined;
        if (after) {
          const r = await rotateAfterRevocation(storeOf(vault), vaultAdminOf(vault), input.session, after, { onProgress: progress });
          return { ...r, dek: vault.keyForWorker() };
        }
        const r = await rotateVaultKey(storeOf(vault), vaultAdminOf(vault), input.session, { onProgress: progress });
        return { ...r, dek: vault.keyForWorker() };
      }
    }
  } finally {
    vault.close();
  }
}

run().then(
  (result) => answer({ type: 'done', result }),
  (err: unknown) => {
    const e = toFactorDeskError(err);
    // Details go back too (a refused header names its columns); the IPC guard passes on only those the contract lists.
    answer({ type: 'error', error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } });
  },
);
