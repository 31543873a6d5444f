// The key rotation writes a copy of the database under the new key (VACUUM INTO) and renames it
// over the old file: the old key opens nothing of the result, so an old copy of the slot file
// stops opening the vault; the copy's progress is reported; a failure injected before the swap
// leaves the vault as it was, open and writable, with one key generation and no half copy.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The rename of the copy over the database fails while `inject.rename` is set (an injected fault between the steps).
const inject = vi.hoisted(() => ({ rename: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const renameSync: typeof fs.renameSync = (from, to) => {
    if (inject.rename && String(from).endsWith('vault.db.rotating')) throw Object.assign(new Error('injected: EIO'), { code: 'EIO' });
    return fs.renameSync(from, to);
  };
  return { ...fs, renameSync, default: { ...fs, renameSync } };
});

import { makeVault, ADMIN, AGENT, errorCode } from '../helpers/vault.ts';
import { signIn, unlockWithRecoveryKey } from '../../main/store/sqlite/unlock.ts';
import { openDatabase } from '../../main/store/sqlite/database.ts';
import { rekeyVault } from '../../main/store/sqlite/rekey.ts';
import { rotationProgress } from '../../main/store/sqlite/rotation-files.ts';
import { readSlotFile } from '../../main/store/sqlite/key-slots.ts';
import { disableOperator, removeOperator } from '../../main/core/operators.ts';
import { rotateAfterRevocation, rotateVaultKey } from '../../main/core/vault-maintenance.ts';
import { vaultAdminOf } from '../../main/store/sqlite/vault-admin.ts';
import { listAuditRows, verifyAuditRows } from '../../main/store/sqlite/audit-rows.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  inject.rename = false;
  while (cleanups.length) cleanups.pop()!();
});

const generations = (dir: string) => Object.keys(readSlotFile(join(dir, 'keyslots.json')).generations);

describe('key rotation by a copy under the new key', () => {
  for (const change of ['disable', 'remove'] as const) {
    it(`${change} + rotation: a copy of the slot file from before opens nothing, the old key opens nothing of the database`, async () => {
      const v = await makeVault({ withAgent: true });
      cleanups.push(v.cleanup);
      const oldSlots = readFileSync(join(v.vaultDir, 'keyslots.json'));
      const oldKey = v.vault.keyForWorker();
      const agentId = v.agent!.operatorId;
      if (change === 'disable') await disableOperator(v.store, v.admin, agentId);
      else await removeOperator(v.store, v.admin, agentId);
      await rotateAfterRevocation(v.store, vaultAdminOf(v.vault), v.admin, { operator: AGENT.name, change });
      v.vault.close();
      expect(generations(v.vaultDir)).toEqual(['2']);
      // The key of before opens no page of the database now in place.
      expect(await errorCode(() => openDatabase(join(v.vaultDir, 'vault.db'), oldKey, { readonly: true }))).toBe('WRONG_KEY');
      oldKey.fill(0);
      // The agent with the slot file copied while they were active: refused.
      const current = readFileSync(join(v.vaultDir, 'keyslots.json'));
      writeFileSync(join(v.vaultDir, 'keyslots.json'), oldSlots);
      expect(await errorCode(signIn({ dir: v.vaultDir, clock: v.clock }, AGENT.name, AGENT.password))).not.toBe('OK');
      expect(await errorCode(signIn({ dir: v.vaultDir, clock: v.clock }, ADMIN.name, ADMIN.password))).not.toBe('OK');
      writeFileSync(join(v.vaultDir, 'keyslots.json'), current);
      // The current slot file: the admin signs in, the recovery key (carried over) opens it, the agent does not.
      const s = await signIn({ dir: v.vaultDir, clock: v.clock }, ADMIN.name, ADMIN.password);
      expect(verifyAuditRows(s.vault.db, s.vault.anchor())).toMatchObject({ ok: true, anchor: 'ok' });
      s.vault.close();
      (await unlockWithRecoveryKey({ dir: v.vaultDir }, v.recoveryKey)).close();
      expect(await errorCode(signIn({ dir: v.vaultDir, clock: v.clock }, AGENT.name, AGENT.password))).toBe('SIGNIN_FAILED');
    });
  }

  it('reports the copy from nothing to all of it; the copy beside the database is measured against it while it is written', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    const size = (f: string) => readFileSync(join(v.vaultDir, f)).length;
    const seen: Array<{ done: number; total: number }> = [];
    const before = size('vault.db');
    expect(rotationProgress(v.vaultDir)).toBeNull();
    await rotateVaultKey(v.store, vaultAdminOf(v.vault), v.admin, { onProgress: (p) => seen.push(p) });
    expect(seen[0]).toEqual({ done: 0, total: before });
    const last = seen.at(-1)!;
    expect(last.done).toBeGreaterThan(0);
    expect(last.done).toBe(last.total);
    expect(rotationProgress(v.vaultDir)).toBeNull();
    // A copy being written: its bytes so far of the database's.
    writeFileSync(join(v.vaultDir, 'vault.db.rotating'), Buffer.alloc(4096));
    expect(rotationProgress(v.vaultDir)).toEqual({ done: 4096, total: size('vault.db') });
  });

  it('a failure injected between the copy and the swap leaves the vault as it was: open, writable, one key generation, no copy', async () => {
    const v = await makeVault({ withAgent: true });
    cleanups.push(v.cleanup);
    v.vault.close();
    // A failed sign-in of someone else, so the journal's sealed base holds a counter under the old key.
    await errorCode(signIn({ dir: v.vaultDir, clock: v.clock }, 'mallory', 'not the password at all'));
    const held = await signIn({ dir: v.vaultDir, clock: v.clock }, ADMIN.name, ADMIN.password);
    cleanups.push(() => held.vault.close());
    const slotsBefore = readSlotFile(join(v.vaultDir, 'keyslots.json'));
    const journalBefore = JSON.parse(readFileSync(join(v.vaultDir, 'signin-journal.json'), 'utf8'));
    expect(journalBefore.base.mac).toBeTruthy();
    inject.rename = true;
    expect(() => rekeyVault(held.vault, { keepRecovery: true })).toThrow('injected: EIO');
    inject.rename = false;
    expect(readdirSync(v.vaultDir).filter((f) => f.startsWith('vault.db.rotating'))).toEqual([]);
    expect(held.vault.generation).toBe(1);
    expect(readSlotFile(join(v.vaultDir, 'keyslots.json')).slots.map((s) => s.id).sort()).toEqual(slotsBefore.slots.map((s) => s.id).sort());
    expect(generations(v.vaultDir)).toEqual(['1']);
    // The journal's base is sealed under the old key alone again.
    expect(JSON.parse(readFileSync(join(v.vaultDir, 'signin-journal.json'), 'utf8')).base).toEqual(journalBefore.base);
    // The same handle still reads and writes (reopened under the old key), in WAL mode again.
    held.vault.auditNow({ action: 'marker.after-failed-rotation', operator: 'anne', outcome: 'ok' });
    expect(held.vault.db.pragma('journal_mode', { simple: true })).toBe('wal');
    held.vault.close();
    for (const [name, pw] of [[ADMIN.name, ADMIN.password], [AGENT.name, AGENT.password]] as const) {
      const s = await signIn({ dir: v.vaultDir, clock: v.clock }, name, pw);
      expect(s.warnings).not.toContain('JOURNAL_TAMPERED');
      expect(listAuditRows(s.vault.db, { limit: 10 }).map((e) => e.action)).toContain('marker.after-failed-rotation');
      expect(verifyAuditRows(s.vault.db, s.vault.anchor())).toMatchObject({ ok: true, anchor: 'ok' });
      s.vault.close();
    }
    // And a rotation afterwards goes through.
    const s = await signIn({ dir: v.vaultDir, clock: v.clock }, ADMIN.name, ADMIN.password);
    await rotateVaultKey(s.store, vaultAdminOf(s.vault), s.session);
    s.vault.close();
    expect(generations(v.vaultDir)).toEqual(['2']);
    expect(existsSync(join(v.vaultDir, 'vault.db.rotating'))).toBe(false);
  });

  it('a half copy left beside the database is removed at the next open, which the database in place opens', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    v.vault.close();
    copyFileSync(join(v.vaultDir, 'vault.db'), join(v.vaultDir, 'vault.db.rotating'));
    writeFileSync(join(v.vaultDir, 'vault.db.rotating-journal'), 'x');
    const s = await signIn({ dir: v.vaultDir, clock: v.clock }, ADMIN.name, ADMIN.password);
    s.vault.close();
    expect(readdirSync(v.vaultDir).filter((f) => f.startsWith('vault.db.rotating'))).toEqual([]);
  });
});
