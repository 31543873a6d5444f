// Limits on what a slot file or a backup may ask for. Both are read before anything is
// authenticated, so their KDF parameters and slot counts are an attacker's to choose: they are
// capped and refused with a message that says so, and AES-GCM boxes need the full 16-byte tag.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { makeVault, ADMIN, errorCode } from '../helpers/vault.ts';
import { signIn } from '../../main/store/sqlite/unlock.ts';
import { open, seal } from '../../main/core/crypto.ts';
import { readBackup, writeBackup } from '../../main/store/sqlite/backup.ts';
import { FactorDeskError } from '../../main/core/errors.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<{ code: string; message: string }> {
  try {
    await (typeof p === 'function' ? p() : p);
    return { code: 'OK', message: '' };
  } catch (err) {
    if (err instanceof FactorDeskError) return { code: err.code, message: err.message };
    throw err;
  }
}

async function closedVault() {
  const v = await makeVault();
  cleanups.push(v.cleanup);
  v.vault.close();
  const path = join(v.vaultDir, 'keyslots.json');
  return { ...v, path, env: { dir: v.vaultDir, clock: v.clock }, slots: () => JSON.parse(readFileSync(path, 'utf8')) };
}

describe('stored KDF parameters and slot counts are capped', () => {
  it('a slot asking for p=16 is refused as beyond the limits, before any KDF runs', async () => {
    const v = await closedVault();
    const f = v.slots();
    for (const s of f.slots) if (s.privateKey) s.privateKey.kdf.p = 16;
    writeFileSync(v.path, JSON.stringify(f));
    const r = await refusal(signIn(v.env, ADMIN.name, ADMIN.password));
    expect(r.code).toBe('SLOTS_INVALID');
    expect(r.message).toMatch(/beyond what FactorDesk accepts.*p at most 4/);
  });

  it('N=2^22, r=32 is refused the same way (16 GiB per try)', async () => {
    const v = await closedVault();
    const f = v.slots();
    for (const s of f.slots) if (s.privateKey) Object.assign(s.privateKey.kdf, { N: 2 ** 22, r: 32, p: 16 });
    writeFileSync(v.path, JSON.stringify(f));
    const r = await refusal(signIn(v.env, ADMIN.name, ADMIN.password));
    expect(r.code).toBe('SLOTS_INVALID');
    expect(r.message).toMatch(/beyond what FactorDesk accepts/);
  });

  it('a slot file with 10,000 slots is refused with the count, not taken as valid', async () => {
    const v = await closedVault();
    const f = v.slots();
    const one = f.slots.find((s: { kind: string }) => s.kind === 'operator');
    while (f.slots.length < 10_000) f.slots.push({ ...one, id: randomBytes(16).toString('hex') });
    writeFileSync(v.path, JSON.stringify(f));
    const r = await refusal(signIn(v.env, ADMIN.name, ADMIN.password));
    expect(r.code).toBe('SLOTS_INVALID');
    expect(r.message).toMatch(/holds 10000 key slots, more than the 500/);
  });

  it('many distinct keys under one operator name cost at most two KDF runs', { timeout: 60_000 }, async () => {
    const v = await closedVault();
    const f = v.slots();
    const one = f.slots.find((s: { kind: string }) => s.kind === 'operator');
    // Copies with other key ids first (newest generation is tried first: same generation here).
    // At the production profile (about 0.3 s per run here), so fifty runs would be obvious.
    const copies = Array.from({ length: 50 }, () => ({
      ...one,
      id: randomBytes(16).toString('hex'),
      keyId: randomBytes(16).toString('hex'),
      privateKey: { ...one.privateKey, kdf: { ...one.privateKey.kdf, N: 2 ** 17, r: 8, p: 1 } },
    }));
    f.slots = [...copies, ...f.slots];
    writeFileSync(v.path, JSON.stringify(f));
    const t0 = Date.now();
    expect(await errorCode(signIn(v.env, ADMIN.name, 'a wrong password here'))).toBe('SIGNIN_FAILED');
    expect(Date.now() - t0).toBeLessThan(3_000);
  });

  it('a backup whose key slots ask for too much is refused as beyond the limits', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    const file = join(v.dir, 'b.fdbackup');
    writeBackup(v.vault, file);
    const bytes = readFileSync(file);
    const nl1 = bytes.indexOf(10);
    const nl2 = bytes.indexOf(10, nl1 + 1);
    const header = JSON.parse(bytes.subarray(nl1 + 1, nl2).toString('utf8'));
    for (const s of header.slots.slots) if (s.privateKey) s.privateKey.kdf.r = 32;
    writeFileSync(file, Buffer.concat([bytes.subarray(0, nl1 + 1), Buffer.from(JSON.stringify(header) + '\n'), bytes.subarray(nl2 + 1)]));
    const r = await refusal(() => readBackup(file));
    expect(r.code).toBe('BACKUP_INVALID');
    expect(r.message).toMatch(/beyond what FactorDesk accepts.*r at most 16/);
  });
});

describe('AES-GCM boxes', () => {
  it('a box with a truncated tag does not open', () => {
    const key = randomBytes(32);
    const box = seal(key, Buffer.from('secret'), 'aad', randomBytes(12));
    expect(open(key, box, 'aad')?.toString()).toBe('secret');
    for (const len of [4, 8, 12, 15]) {
      const short = { ...box, tag: Buffer.from(box.tag, 'base64').subarray(0, len).toString('base64') };
      expect(open(key, short, 'aad')).toBeNull();
    }
  });
});
