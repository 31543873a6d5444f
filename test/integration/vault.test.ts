import { describe, expect, it, afterEach } from 'vitest';
import { readFileSync, statSync, writeFileSync, truncateSync, readdirSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { makeVault, ADMIN, tempDir, errorCode } from '../helpers/vault.ts';
import { signIn, unlockWithRecoveryKey } from '../../main/store/sqlite/unlock.ts';
import { createVault } from '../../main/store/sqlite/first-run.ts';
import { vaultState } from '../../main/store/sqlite/vault.ts';
import { defaultVaultDir } from '../../main/store/sqlite/paths.ts';
import { FactorDeskError } from '../../main/core/errors.ts';
import { SCHEMA_VERSION } from '../../main/store/sqlite/migrations/index.ts';
import { readSlotFile } from '../../main/store/sqlite/key-slots.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const code = errorCode;

describe('vault create and open', () => {
  it('creates an encrypted vault with no plain header or plaintext, in an owner-only folder', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    v.vault.write(() => v.vault.audit({ action: 'probe', operator: 'anne', outcome: 'ok', details: { marker: 'PLAINTEXT-MARKER-123' } }));
    v.vault.close();
    const bytes = readFileSync(join(v.vaultDir, 'vault.db'));
    expect(bytes.subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    expect(bytes.includes(Buffer.from('PLAINTEXT-MARKER-123'))).toBe(false);
    expect(bytes.includes(Buffer.from('anne.berg@example.no'))).toBe(false);
    if (process.platform !== 'win32') expect(statSync(v.vaultDir).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(v.vaultDir, 'keyslots.json'), 'utf8')).not.toContain(ADMIN.password);
  });

  it('signs in with the admin password and reopens the same data', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    v.vault.close();
    const { vault, session } = await signIn({ dir: v.vaultDir, clock: v.clock }, 'Anne', ADMIN.password);
    expect(session.role).toBe('admin');
    expect(vault.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(vault.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(vault.db.pragma('journal_mode', { simple: true })).toBe('wal');
    vault.close();
  });

  it('refuses to create over an existing vault and never touches it', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    v.vault.close();
    const before = readFileSync(join(v.vaultDir, 'vault.db'));
    expect(await code(createVault({ dir: v.vaultDir }, ADMIN))).toBe('VAULT_EXISTS');
    expect(readFileSync(join(v.vaultDir, 'vault.db')).equals(before)).toBe(true);
  });

  it('gives one error for a wrong password and an unknown name', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    v.vault.close();
    expect(await code(signIn({ dir: v.vaultDir, clock: v.clock }, 'anne', 'wrong password but long enough'))).toBe('SIGNIN_FAILED');
    expect(await code(signIn({ dir: v.vaultDir, clock: v.clock }, 'nobody', 'wrong password but long enough'))).toBe('SIGNIN_FAILED');
  });

  it('takes about the same time for an unknown name as for a wrong password (the KDF runs for both)', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    v.vault.close();
    const env = { dir: v.vaultDir, clock: v.clock };
    // The fastest of many runs: robust against a loaded machine, unlike a single or mean time.
    const median = async (name: string) => {
      const ts: number[] = [];
      for (let i = 0; i < 15; i++) {
        v.clock.advance(120_000); // stay clear of the slow-down
        const t = performance.now();
        expect(await code(signIn(env, name, `wrong password attempt ${i}!!`))).toBe('SIGNIN_FAILED');
        ts.push(performance.now() - t);
      }
      return ts.sort((a, b) => a - b)[0]!;
    };
    const known = await median('anne');
    const unknown = await median('nobody-here');
    expect(unknown / known).toBeGreaterThan(0.5);
    expect(unknown / known).toBeLessThan(2);
  });

  it('reports a malformed or foreign slot file, a truncated database, a newer schema, each distinctly', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    v.vault.close();
    const env = { dir: v.vaultDir, clock: v.clock };
    const slots = readFileSync(join(v.vaultDir, 'keyslots.json'), 'utf8');
    writeFileSync(join(v.vaultDir, 'keyslots.json'), '{not json');
    expect(await code(signIn(env, 'anne', ADMIN.password))).toBe('SLOTS_INVALID');
    writeFileSync(join(v.vaultDir, 'keyslots.json'), JSON.stringify({ format: 'something-else' }));
    expect(await code(signIn(env, 'anne', ADMIN.password))).toBe('SLOTS_INVALID');
    writeFileSync(join(v.vaultDir, 'keyslots.json'), slots);

    // Another vault's slot file (same shape, other key and id).
    const other = await makeVault();
    cleanups.push(other.cleanup);
    other.vault.close();
    const otherSlots = readFileSync(join(other.vaultDir, 'keyslots.json'));
    writeFileSync(join(v.vaultDir, 'keyslots.json'), otherSlots);
    expect(await code(signIn(env, 'anne', ADMIN.password))).toBe('WRONG_KEY');
    writeFileSync(join(v.vaultDir, 'keyslots.json'), slots);

    const dbPath = join(v.vaultDir, 'vault.db');
    const full = readFileSync(dbPath);
    truncateSync(dbPath, full.length - 100);
    expect(await code(signIn(env, 'anne', ADMIN.password))).toBe('VAULT_DAMAGED');
    expect(statSync(dbPath).size).toBe(full.length - 100); // never replaced or "repaired"
    writeFileSync(dbPath, full);

    const { vault } = await signIn(env, 'anne', ADMIN.password);
    vault.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    vault.close();
    expect(await code(signIn(env, 'anne', ADMIN.password))).toBe('VAULT_NEWER');
  });

  it('opens with the recovery key and rejects a wrong one', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    v.vault.close();
    expect(v.recoveryKey).toMatch(/^([A-Z2-7]{4}-){12}[A-Z2-7]{4}$/);
    const vault = await unlockWithRecoveryKey({ dir: v.vaultDir }, v.recoveryKey.toLowerCase().replace(/-/g, ' '));
    expect(vault.vaultId).toBe(readSlotFile(join(v.vaultDir, 'keyslots.json')).vaultId);
    vault.close();
    const wrong = 'A'.repeat(52);
    expect(await code(unlockWithRecoveryKey({ dir: v.vaultDir }, wrong))).toBe('SIGNIN_FAILED');
    expect(await code(unlockWithRecoveryKey({ dir: v.vaultDir }, 'not a key'))).toBe('BAD_REQUEST');
  });

  it('locks an operator after 20 failures, and the lock survives a restart', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    v.vault.close();
    const env = { dir: v.vaultDir, clock: v.clock };
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      v.clock.advance(61_000); // past any slow-down delay
      seen.add(await code(signIn(env, 'anne', `wrong password number ${i}!!`)));
    }
    expect([...seen]).toEqual(['SIGNIN_FAILED']);
    v.clock.advance(61_000);
    // The right password is refused while locked; state comes from the journal file (a "restart").
    expect(await code(signIn({ dir: v.vaultDir, clock: v.clock }, 'anne', ADMIN.password))).toBe('OPERATOR_LOCKED');
    v.clock.advance(15 * 60_000);
    const { vault } = await signIn(env, 'anne', ADMIN.password);
    const failed = vault.db.prepare("SELECT count(*) AS n FROM audit_events WHERE action = 'signin.failed'").get() as { n: number };
    expect(failed.n).toBe(20);
    vault.close();
  });

  it('slows sign-in down after 5 failures', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    v.vault.close();
    const env = { dir: v.vaultDir, clock: v.clock };
    for (let i = 0; i < 5; i++) await code(signIn(env, 'anne', `wrong password number ${i}!!`));
    expect(await code(signIn(env, 'anne', ADMIN.password))).toBe('RATE_LIMITED');
    v.clock.advance(2_000);
    expect(await code(signIn(env, 'anne', ADMIN.password))).toBe('OK');
  });

  it('reports a tampered sign-in journal at the next unlock', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    v.vault.close();
    const env = { dir: v.vaultDir, clock: v.clock };
    await code(signIn(env, 'anne', 'wrong password number one!!'));
    const s1 = await signIn(env, 'anne', ADMIN.password); // seals a base
    s1.vault.close();
    const jPath = join(v.vaultDir, 'signin-journal.json');
    const j = JSON.parse(readFileSync(jPath, 'utf8'));
    j.base.accounts['mallory'] = { failures: 0, lastFailureAt: null, lockedUntil: null };
    writeFileSync(jPath, JSON.stringify(j));
    const s2 = await signIn(env, 'anne', ADMIN.password);
    expect(s2.warnings).toContain('JOURNAL_TAMPERED');
    s2.vault.close();
  });
});

describe('vault location', () => {
  it('uses FACTORDESK_VAULT, else the per-user application-data folder', () => {
    expect(defaultVaultDir({ FACTORDESK_VAULT: '/x/y' }, 'linux', '/home/u').dir).toBe('/x/y');
    expect(defaultVaultDir({}, 'linux', '/home/u').dir).toBe('/home/u/.config/FactorDesk');
    expect(defaultVaultDir({ XDG_CONFIG_HOME: '/cfg' }, 'linux', '/home/u').dir).toBe('/cfg/FactorDesk');
    expect(defaultVaultDir({}, 'darwin', '/Users/u').dir).toBe('/Users/u/Library/Application Support/FactorDesk');
    expect(defaultVaultDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u').dir).toContain('FactorDesk');
  });

  it('treats a missing configured folder as an error, not a first run', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    expect(() => vaultState(join(t.dir, 'missing'), true)).toThrow(FactorDeskError);
    expect(vaultState(join(t.dir, 'missing'), false)).toBe('none');
    mkdirSync(join(t.dir, 'empty'));
    expect(vaultState(join(t.dir, 'empty'), true)).toBe('none');
    expect(existsSync(join(t.dir, 'missing'))).toBe(false);
    void readdirSync;
    void Database;
  });
});
