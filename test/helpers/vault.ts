import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../main/core/clock.ts';
import { createVault } from '../../main/store/sqlite/first-run.ts';
import { storeOf } from '../../main/store/sqlite/sqlite-store.ts';
import type { Store } from '../../main/store/port.ts';
import { addOperator } from '../../main/core/operators.ts';
import type { Vault } from '../../main/store/sqlite/vault.ts';
import type { Session } from '../../main/core/session.ts';
import { FactorDeskError } from '../../main/core/errors.ts';
import { signIn } from '../../main/store/sqlite/unlock.ts';
import { createServiceKey } from '../../main/core/service-keys.ts';

export const ADMIN = { name: 'anne', displayName: 'Anne Berg', password: 'correct horse battery staple 42', email: 'anne.berg@example.no' };
export const AGENT = { name: 'per', displayName: 'Per Lie', password: 'another long passphrase for per', email: 'per.lie@example.no' };

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'fd-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A new vault in a temp folder with an admin (and optionally an agent), on a manual clock. */
export async function makeVault(opts: { withAgent?: boolean } = {}): Promise<{
  dir: string;
  vaultDir: string;
  clock: ManualClock;
  vault: Vault;
  /** The store of `vault` (services take it). */
  store: Store;
  admin: Session;
  agent: Session | null;
  recoveryKey: string;
  cleanup: () => void;
}> {
  const { dir, cleanup } = tempDir();
  const vaultDir = join(dir, 'vault');
  const clock = new ManualClock();
  const { vault, session, recoveryKey } = await createVault({ dir: vaultDir, clock }, ADMIN);
  let agent: Session | null = null;
  if (opts.withAgent) {
    const op = await addOperator(storeOf(vault), session, { ...AGENT, role: 'agent' });
    agent = { operatorId: op.id, name: op.name, displayName: op.displayName, role: 'agent', emailKey: AGENT.email, signedInAt: clock.now() };
  }
  return {
    dir,
    vaultDir,
    clock,
    vault,
    store: storeOf(vault),
    admin: session,
    agent,
    recoveryKey,
    cleanup: () => {
      if (!vault.isClosed) vault.close();
      cleanup();
    },
  };
}

/** Runs an action (a promise or a function) and returns 'OK' or the coded error it threw. */
export async function errorCode(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'OK';
  } catch (err) {
    if (err instanceof FactorDeskError) return err.code;
    throw err;
  }
}

/**
 * Gives the vault in `dir` a service key, as vaults made before service keys were retired have
 * (no door makes one any more): signs in as `op`, makes the slot, and returns the key file content.
 */
export async function legacyServiceKey(dir: string, op: { name: string; password: string }, label: string): Promise<string> {
  const s = await signIn({ dir }, op.name, op.password);
  try {
    let content = '';
    await createServiceKey(s.store, s.session, label, (c) => {
      content = c;
    });
    return content;
  } finally {
    s.vault.close();
  }
}
