import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeVault, ADMIN, AGENT, errorCode } from '../helpers/vault.ts';
import { runFixture } from '../helpers/child.ts';
import { signIn, unlockWithRecoveryKey } from '../../main/store/sqlite/unlock.ts';
import { latestGeneration, matchesGeneration, openPrivateKey, readSlotFile, unwrapDek } from '../../main/store/sqlite/key-slots.ts';
import { verifyAuditRows as verifyAuditChain } from '../../main/store/sqlite/audit-rows.ts';
import { disableOperator, removeOperator, addOperator, resetOperatorPassword, changeOwnPassword } from '../../main/core/operators.ts';
import { backupVault, checkVaultIntegrity, rotateVaultKey } from '../../main/core/vault-maintenance.ts';
import { storeOf } from '../../main/store/sqlite/sqlite-store.ts';
import { fileRef, vaultAdminOf } from '../../main/store/sqlite/vault-admin.ts';
import { restoreBackup, undoRestore } from '../../main/store/sqlite/backup.ts';
import { upsertUser } from '../../main/core/users.ts';
import { forceReenrollment } from '../../main/core/enrollment.ts';
import { verifyCode } from '../../main/core/verify.ts';
import { totpAt } from '../../main/core/totp.ts';
import { base32Decode } from '../../main/core/base32.ts';
import type { Store } from '../../main/store/port.ts';
import type { Session } from '../../main/core/session.ts';
import { authenticatorSecretAad } from '../../main/core/value-cipher.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const code = errorCode;

/** A user with a pending enrollment (its seed sealed by the vault's value key): the user's id and the seed. */
async function enrolledUser(store: Store, admin: Session): Promise<{ userId: number; seed: Buffer }> {
  const { user } = await upsertUser(store, admin, { email: 'kari.nordmann@example.no', name: 'Kari Nordmann' });
  const issued = await forceReenrollment(store, admin, user.id, { checks: ['callback'], ticket: 'HD-1', reason: 'new phone' });
  return { userId: user.id, seed: base32Decode(new URL(issued.uri.replace('otpauth://', 'https://')).searchParams.get('secret')!)! };
}

describe('backup and restore', () => {
  it('backs up, restores after a change, keeps the current vault aside, and undoes', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    const file = join(v.dir, 'backup.fdb');
    v.vault.auditNow({ action: 'marker.before', operator: 'anne', outcome: 'ok' });
    await backupVault(storeOf(v.vault), vaultAdminOf(v.vault), v.admin, fileRef(file));
    expect(readFileSync(file).includes(Buffer.from('marker.before'))).toBe(false); // encrypted
    v.vault.auditNow({ action: 'marker.after', operator: 'anne', outcome: 'ok' });
    v.vault.close();

    await restoreBackup({ dir: v.vaultDir }, file, { name: 'anne', password: ADMIN.password }, v.clock.now());
    expect(readdirSync(v.vaultDir).some((f) => f.startsWith('vault.db.before-restore-'))).toBe(true);
    let s = await signIn({ dir: v.vaultDir, clock: v.clock }, 'anne', ADMIN.password);
    const actions = (s.vault.db.prepare('SELECT action FROM audit_events').all() as Array<{ action: string }>).map((r) => r.action);
    expect(actions).toContain('marker.before');
    expect(actions).not.toContain('marker.after');
    expect(verifyAuditChain(s.vault.db, s.vault.anchor()).ok).toBe(true);
    s.vault.close();

    undoRestore({ dir: v.vaultDir }, v.clock.now() + 1000);
    s = await signIn({ dir: v.vaultDir, clock: v.clock }, 'anne', ADMIN.password);
    const again = (s.vault.db.prepare('SELECT action FROM audit_events').all() as Array<{ action: string }>).map((r) => r.action);
    expect(again).toContain('marker.after');
    s.vault.close();
  });

  it('refuses a damaged backup before touching the vault', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    const file = join(v.dir, 'backup.fdb');
    await backupVault(storeOf(v.vault), vaultAdminOf(v.vault), v.admin, fileRef(file));
    v.vault.close();
    const bytes = readFileSync(file);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    writeFileSync(file, bytes);
    const before = readFileSync(join(v.vaultDir, 'vault.db'));
    expect(await code(restoreBackup({ dir: v.vaultDir }, file, { name: 'anne', password: ADMIN.password }, v.clock.now()))).toBe('BACKUP_INVALID');
    expect(readFileSync(join(v.vaultDir, 'vault.db')).equals(before)).toBe(true);
    writeFileSync(file, 'not a backup');
    expect(await code(restoreBackup({ dir: v.vaultDir }, file, { name: 'anne', password: ADMIN.password }, v.clock.now()))).toBe('BACKUP_INVALID');
  });

  it('runs an integrity check on demand', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    expect((await checkVaultIntegrity(storeOf(v.vault), vaultAdminOf(v.vault), v.admin))).toEqual({ ok: true, problems: [] });
  });
});

describe('rotate vault key', () => {
  it('rekeys: passwords keep working, the old recovery key stops, the new one works', async () => {
    const v = await makeVault({ withAgent: true });
    cleanups.push(v.cleanup);
    const kari = await enrolledUser(v.store, v.admin);
    const { recoveryKey } = (await rotateVaultKey(storeOf(v.vault), vaultAdminOf(v.vault), v.admin));
    expect(recoveryKey).not.toBe(v.recoveryKey);
    expect(verifyAuditChain(v.vault.db, v.vault.anchor()).ok).toBe(true);
    v.vault.close();
    const slots = readSlotFile(join(v.vaultDir, 'keyslots.json'));
    expect(Object.keys(slots.generations)).toEqual(['2']);
    const s = await signIn({ dir: v.vaultDir, clock: v.clock }, 'per', AGENT.password);
    expect(s.session.role).toBe('agent');
    expect(verifyAuditChain(s.vault.db, s.vault.anchor())).toMatchObject({ ok: true, anchor: 'ok' });
    // The seeds are sealed with the vault's value key, which a rotation of the database key leaves alone.
    expect(await verifyCode(s.store, s.session, kari.userId, totpAt(kari.seed, v.clock.now()))).toEqual({ result: 'accepted' });
    s.vault.close();
    expect(await code(unlockWithRecoveryKey({ dir: v.vaultDir }, v.recoveryKey))).toBe('SIGNIN_FAILED');
    (await unlockWithRecoveryKey({ dir: v.vaultDir }, recoveryKey)).close();
  });

  for (const point of ['rekey:wal-off', 'rekey:new-slots-written', 'rekey:copy-written', 'rekey:swapped', 'rekey:verified', 'rekey:old-slots-dropped']) {
    it(`a crash at ${point} leaves a vault that opens, with an intact audit chain`, async () => {
      const v = await makeVault({ withAgent: true });
      cleanups.push(v.cleanup);
      const kari = await enrolledUser(v.store, v.admin);
      v.vault.close();
      const r = runFixture('vault-op.ts', [v.vaultDir, 'anne', ADMIN.password, 'rekey'], { FACTORDESK_CRASH_AT: point });
      expect(r.signal).toBe('SIGKILL');
      // Before the swap the copy under the new key lies beside the database; the next open removes it.
      expect(existsSync(join(v.vaultDir, 'vault.db.rotating'))).toBe(point === 'rekey:copy-written');
      for (const [name, pw] of [['anne', ADMIN.password], ['per', AGENT.password]] as const) {
        const s = await signIn({ dir: v.vaultDir }, name, pw);
        expect((await checkVaultIntegrity(storeOf(s.vault), vaultAdminOf(s.vault), { ...s.session, role: 'admin' })).ok).toBe(true);
        expect(verifyAuditChain(s.vault.db, s.vault.anchor())).toMatchObject({ ok: true });
        // Whichever key opened it, the sealed seed opens too (a rejected code would be 'rejected', not an error).
        const [row] = await s.store.read((tx) => tx.authenticators.secretsForUser(kari.userId));
        expect(row && s.store.values.open(row.secret, authenticatorSecretAad(s.store.storeId, kari.userId, row.sheetId))).toEqual(kari.seed);
        s.vault.close();
        expect(readdirSync(v.vaultDir).filter((f) => f.startsWith('vault.db.rotating'))).toEqual([]);
      }
      // The old key until the swap, the new one from it on.
      const swapped = !['rekey:wal-off', 'rekey:new-slots-written', 'rekey:copy-written'].includes(point);
      expect(Object.keys(readSlotFile(join(v.vaultDir, 'keyslots.json')).generations)).toEqual([swapped ? '2' : '1']);
    });
  }
});

describe('operator management', () => {
  it('disabling deletes the slot; removing asks for a rekey; reset re-enables; own password change works', async () => {
    const v = await makeVault({ withAgent: true });
    cleanups.push(v.cleanup);
    const perId = v.agent!.operatorId;
    await disableOperator(v.store, v.admin, perId);
    expect(readSlotFile(v.vault.slotPath).slots.some((s) => s.operatorId === perId)).toBe(false);
    expect(await code(signIn({ dir: v.vaultDir, clock: v.clock }, 'per', AGENT.password))).toBe('SIGNIN_FAILED');
    await resetOperatorPassword(v.store, v.admin, perId, 'a brand new passphrase for per');
    const s = await signIn({ dir: v.vaultDir, clock: v.clock }, 'per', 'a brand new passphrase for per');
    await changeOwnPassword(s.store, s.session, 'a brand new passphrase for per', 'yet another passphrase for per!');
    s.vault.close();
    (await signIn({ dir: v.vaultDir, clock: v.clock }, 'per', 'yet another passphrase for per!')).vault.close();
    expect(await removeOperator(v.store, v.admin, perId)).toEqual({ rekeyRecommended: true });
    expect(await code(() => disableOperator(v.store, v.admin, v.admin.operatorId))).toBe('FORBIDDEN');
    expect(await code(() => disableOperator(v.store, v.agent!, v.admin.operatorId))).toBe('FORBIDDEN');
    expect(await code(addOperator(v.store, v.admin, { name: 'kim', displayName: 'Kim', role: 'agent', password: 'short' }))).toBe('WEAK_PASSWORD');
    expect(await code(addOperator(v.store, v.admin, { name: 'kim', displayName: 'Kim', role: 'agent', password: 'passwordpassword' }))).toBe('WEAK_PASSWORD');
    expect(existsSync(v.vault.slotPath)).toBe(true);
  });
});

describe('a changed password (issue 12, item 12)', () => {
  it('makes a new key pair and drops the old slot; a copy of the old slot unwraps the vault key only until the next rotation', async () => {
    const v = await makeVault({ withAgent: true });
    cleanups.push(v.cleanup);
    const perId = v.agent!.operatorId;
    const before = readSlotFile(v.vault.slotPath);
    const oldSlot = before.slots.find((s) => s.kind === 'operator' && s.operatorId === perId)!;
    const s = await signIn({ dir: v.vaultDir, clock: v.clock }, AGENT.name, AGENT.password);
    await changeOwnPassword(s.store, s.session, AGENT.password, 'a brand new passphrase for per, 2026');
    s.vault.close();
    const after = readSlotFile(v.vault.slotPath);
    const mine = after.slots.filter((x) => x.kind === 'operator' && x.operatorId === perId);
    expect(mine).toHaveLength(1);
    // Not the old key pair re-sealed under the new password: another public key, the old slot gone.
    expect(mine[0]!.publicKey).not.toBe(oldSlot.publicKey);
    expect(after.slots.some((x) => x.publicKey === oldSlot.publicKey || x.id === oldSlot.id)).toBe(false);
    // What the holder of an old copy of the slot file could do by hand, with the old password:
    const unwrapsCurrent = async (): Promise<boolean> => {
      const priv = (await openPrivateKey(before.vaultId, oldSlot, AGENT.password))!;
      const dek = unwrapDek(before.vaultId, oldSlot, priv);
      priv.fill(0);
      const now = readSlotFile(v.vault.slotPath);
      return dek !== null && matchesGeneration(now, latestGeneration(now), dek);
    };
    // ... until the vault key is rotated (what the app offers after a password change) ...
    expect(await unwrapsCurrent()).toBe(true);
    await rotateVaultKey(v.store, vaultAdminOf(v.vault), v.admin);
    // ... and never after it; the new password still signs in.
    expect(await unwrapsCurrent()).toBe(false);
    (await signIn({ dir: v.vaultDir, clock: v.clock }, AGENT.name, 'a brand new passphrase for per, 2026')).vault.close();
    expect(await code(signIn({ dir: v.vaultDir, clock: v.clock }, AGENT.name, AGENT.password))).toBe('SIGNIN_FAILED');
  });
});
