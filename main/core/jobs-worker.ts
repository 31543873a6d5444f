// Worker thread for work that takes seconds (import, backup, integrity check, rekey), so the
// main process stays responsive. It opens its own connection to the vault with a copy of the key
// handed over in memory by the main thread of the same process.
import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { openDatabase } from './database.ts';
import { Vault } from './vault.ts';
import { DB_FILE } from './paths.ts';
import { toFactorDeskError } from './errors.ts';
import type { JobInput } from './jobs.ts';
import { importUsers } from './import-users.ts';
import { backupVault, checkVaultIntegrity } from './backup.ts';
import { rotateVaultKey } from './rekey.ts';

const input = workerData as JobInput;
const controller = new AbortController();
parentPort!.on('message', (m: { type: string }) => {
  if (m.type === 'cancel') controller.abort();
});

async function run(): Promise<unknown> {
  const dek = Buffer.from(input.dek);
  input.dek.fill(0); // the copy handed over in workerData
  const vault = new Vault({ dir: input.dir }, openDatabase(join(input.dir, DB_FILE), dek), dek, input.vaultId, input.generation);
  try {
    switch (input.kind) {
      case 'import': {
        let started = Date.now();
        return await importUsers(vault, input.session, input.params.path as string, {
          signal: controller.signal,
          onProgress: (p) => {
            const secs = Math.max((Date.now() - started) / 1000, 0.001);
            parentPort!.postMessage({ type: 'progress', data: { ...p, rowsPerSecond: Math.round(p.rows / secs) } });
          },
        });
      }
      case 'backup':
        return backupVault(vault, input.session, input.params.dest as string);
      case 'integrity':
        return checkVaultIntegrity(vault, input.session);
      case 'rekey': {
        const r = rotateVaultKey(vault, input.session);
        return { ...r, dek: vault.keyForWorker() };
      }
    }
  } finally {
    vault.close();
  }
}

run().then(
  (result) => parentPort!.postMessage({ type: 'done', result }),
  (err: unknown) => {
    const e = toFactorDeskError(err);
    parentPort!.postMessage({ type: 'error', error: { code: e.code, message: e.message } });
  },
);
