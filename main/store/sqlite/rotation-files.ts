// The copy of the database a key rotation writes beside it (main/store/sqlite/rekey.ts): how far
// it has come, and its removal when a rotation stopped before its swap.
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DB_FILE, ROTATING_FILE } from './paths.ts';

/** How far a rotation's copy has come: the bytes of the new file, against the size of the database it replaces. */
export interface RekeyProgress {
  done: number;
  total: number;
}

/** Deletes the copy a key rotation that stopped before its swap left beside the database (and its journal files). */
export function removeHalfRotation(dir: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(join(dir, ROTATING_FILE + suffix), { force: true });
}

/**
 * How far a key rotation running on the vault in `dir` has come: the bytes of its copy so far,
 * against the size of the database it replaces; null when no copy is being written.
 */
export function rotationProgress(dir: string): RekeyProgress | null {
  try {
    return { done: statSync(join(dir, ROTATING_FILE)).size, total: statSync(join(dir, DB_FILE)).size };
  } catch {
    return null;
  }
}
