// Service keys are retired: a key file unwraps the vault key. No door makes one; the slots a vault
// made before still has are listed with a warning until revoked, and revoking one rotates the
// vault key (the recovery key stays), so neither the key file nor an old copy of the slot file
// with its slot opens the vault afterwards. verify --service-key is refused, pointing to the HTTP API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, oneJson, runCli } from '../fixtures/cli-harness.ts';
import { legacyServiceKey, errorCode } from '../helpers/vault.ts';
import { signIn, unlockWithRecoveryKey, unlockWithServiceKey } from '../../main/store/sqlite/unlock.ts';
import { listAuditRows } from '../../main/store/sqlite/audit-rows.ts';
import { revokeServiceKey } from '../../main/core/service-keys.ts';
import { latestGeneration, matchesGeneration, parseRawKey, readSlotFile, unwrapDek } from '../../main/store/sqlite/key-slots.ts';

let root: string;
let dir: string;
let recoveryKey: string;
const env = { FACTORDESK_PASSWORD: ADMIN.password };

function cli(args: string[], extra: Record<string, string | undefined> = {}) {
  return runCli(['--vault', dir, '--operator', ADMIN.name, '--json', ...args], { ...env, ...extra });
}

async function lastEvents(n: number) {
  const v = await unlockWithRecoveryKey({ dir }, recoveryKey);
  try {
    return listAuditRows(v.db, { limit: n });
  } finally {
    v.close();
  }
}

/** A folder holding the current vault.db with `slots` as its key-slot file (as someone with an old copy could make). */
function withSlots(name: string, slots: string): string {
  const d = join(root, name);
  mkdirSync(d, { mode: 0o700 });
  copyFileSync(join(dir, 'vault.db'), join(d, 'vault.db'));
  copyFileSync(slots, join(d, 'keyslots.json'));
  return d;
}

/**
 * What someone holding the key file and a copy of the slot file could do by hand: unwrap the
 * slot's data key, and compare it with the key check value of the database now in the vault.
 */
function unwrapsCurrentKey(slotsCopy: string, label: string, keyFile: string): boolean {
  const old = readSlotFile(slotsCopy);
  const slot = old.slots.find((x) => x.kind === 'service' && x.label === label);
  expect(slot, `the copy holds the slot of ${label}`).toBeDefined();
  const raw = parseRawKey((JSON.parse(keyFile) as { key: string }).key)!;
  const dek = unwrapDek(old.vaultId, slot!, raw);
  expect(dek, 'the key file unwraps the slot of the copy').not.toBeNull();
  const current = readSlotFile(join(dir, 'keyslots.json'));
  return matchesGeneration(current, latestGeneration(current), dek!);
}

const generation = () => Object.keys(JSON.parse(readFileSync(join(dir, 'keyslots.json'), 'utf8')).generations as object).map(Number)[0];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fd-service-keys-'));
  dir = join(root, 'vault');
  const init = await runCli(['--vault', dir, '--json', 'init', '--name', ADMIN.name], env);
  recoveryKey = oneJson(init.stdout).result.recoveryKey;
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('service keys are retired', () => {
  it('service-key create is refused (exit 2), in both languages, and makes no slot and no file', async () => {
    const file = join(root, 'new.key');
    const r = await cli(['service-key', 'create', file, '--label', 'portal']);
    expect(r.status).toBe(2);
    expect(oneJson(r.stdout).error).toMatchObject({ code: 'SERVICE_KEY_RETIRED', message: expect.stringMatching(/unwraps the vault key.*service client.*127\.0\.0\.1/s) });
    expect(existsSync(file)).toBe(false);
    const nb = await runCli(['--vault', dir, 'service-key', 'create', file], { ...env, LANG: 'nb_NO.UTF-8' });
    expect(nb.status).toBe(2);
    expect(nb.stderr).toMatch(/Tjenestenøkler er avviklet: en nøkkelfil låser opp hvelvnøkkelen/);
    expect(nb.stderr).toMatch(/127\.0\.0\.1/);
    expect(oneJson((await cli(['service-key', 'list'])).stdout).result).toEqual([]);
  });

  it('verify --service-key is refused (exit 2), pointing to POST /api/v1/validate, before the file is read', async () => {
    const content = await legacyServiceKey(dir, ADMIN, 'still-works');
    const file = join(root, 'still.key');
    writeFileSync(file, content, { mode: 0o600 });
    const r = await runCli(['--vault', dir, '--json', 'verify', 'kari@example.no', '123456', '--service-key', file], { FACTORDESK_PASSWORD: undefined });
    expect(r.status).toBe(2);
    expect(oneJson(r.stdout).error).toMatchObject({ code: 'SERVICE_KEY_RETIRED', message: expect.stringMatching(/POST \/api\/v1\/validate of "factordesk serve"/) });
    const en = await runCli(['--vault', dir, 'verify', 'kari@example.no', '123456', '--service-key', file], { FACTORDESK_PASSWORD: undefined });
    expect(en.stderr).toMatch(/^factordesk: verify --service-key is retired.*\(SERVICE_KEY_RETIRED\)/);
    expect((await cli(['service-key', 'revoke', 'still-works'])).status).toBe(0);
  });

  it('service-key list shows each remaining slot with the warning, in both languages', async () => {
    await legacyServiceKey(dir, ADMIN, 'vpn-login');
    const r = await cli(['service-key', 'list']);
    expect(r.status).toBe(0);
    const out = oneJson(r.stdout) as { result: Array<{ label: string; warning: string }>; warnings: string[] };
    expect(out.result.map((k) => k.label)).toEqual(['vpn-login']);
    expect(out.result[0]!.warning).toBe('this key file unwraps the vault key: revoke it');
    expect(out.warnings.join('\n')).toMatch(/this key file unwraps the vault key: revoke it/);
    const text = await runCli(['--vault', dir, '--operator', ADMIN.name, 'service-key', 'list'], env);
    expect(text.stdout).toMatch(/vpn-login {2}\(this key file unwraps the vault key: revoke it\)/);
    const nb = await runCli(['--vault', dir, '--operator', ADMIN.name, 'service-key', 'list'], { ...env, LANG: 'nb_NO.UTF-8' });
    expect(nb.stdout).toMatch(/vpn-login {2}\(denne nøkkelfilen låser opp hvelvnøkkelen: tilbakekall den\)/);
  });

  it('without the rotation, the key file with an old copy of the slot file still unwraps the key of the current database (the reason revoke rotates)', async () => {
    const content = await legacyServiceKey(dir, ADMIN, 'control');
    copyFileSync(join(dir, 'keyslots.json'), join(root, 'control-slots.json'));
    const s = await signIn({ dir }, ADMIN.name, ADMIN.password);
    try {
      await revokeServiceKey(s.store, s.session, 'control');
    } finally {
      s.vault.close();
    }
    expect(await errorCode(unlockWithServiceKey({ dir }, content))).toBe('SIGNIN_FAILED');
    expect(unwrapsCurrentKey(join(root, 'control-slots.json'), 'control', content)).toBe(true);
  });

  it('service-key revoke rotates the vault key: neither the key file nor an old slot-file copy with its slot opens the vault; audited', async () => {
    const content = await legacyServiceKey(dir, ADMIN, 'portal');
    (await unlockWithServiceKey({ dir }, content)).vault.close();
    copyFileSync(join(dir, 'keyslots.json'), join(root, 'slots-copy.json'));
    const before = generation();
    const r = await cli(['service-key', 'revoke', 'portal']);
    expect(r.status, r.stdout).toBe(0);
    expect(oneJson(r.stdout).result).toEqual({ revoked: 1, keyRotated: true });
    expect(generation()).toBe(before! + 1);
    const events = await lastEvents(3);
    expect(events.map((e) => e.action)).toEqual(['vault.rekey', 'vault.rekey.start', 'service-key.revoke']);
    expect(events[0]!.details).toMatchObject({ reason: 'service-key.revoke', name: 'portal', recoveryKeyKept: true });
    expect(events[2]!.details).toMatchObject({ label: 'portal' });
    // The revoked key file: its slot is gone.
    expect(await errorCode(unlockWithServiceKey({ dir }, content))).toBe('SIGNIN_FAILED');
    // The old copy of the slot file still has the slot and it still unwraps a key, but not the
    // key the database is under now: neither by hand nor through FactorDesk does it open it.
    expect(unwrapsCurrentKey(join(root, 'slots-copy.json'), 'portal', content)).toBe(false);
    const copy = withSlots('revoked-copy', join(root, 'slots-copy.json'));
    expect(await errorCode(unlockWithServiceKey({ dir: copy }, content))).toBe('WRONG_KEY');
    // The recovery key from init still opens the vault (carried over).
    (await unlockWithRecoveryKey({ dir }, recoveryKey)).close();
    expect(oneJson((await cli(['service-key', 'list'])).stdout).result.map((k: { label: string }) => k.label)).toEqual(['vpn-login']);
  });

  it('with another process holding the vault, the key is revoked and the rotation is left for later, said so', async () => {
    const before = generation();
    const holder = await unlockWithRecoveryKey({ dir }, recoveryKey);
    try {
      const r = await cli(['service-key', 'revoke', 'vpn-login']);
      expect(r.status, r.stdout).toBe(0);
      const out = oneJson(r.stdout) as { result: { keyRotated: boolean }; warnings: string[] };
      expect(out.result).toEqual({ revoked: 1, keyRotated: false });
      expect(out.warnings.join('\n')).toMatch(/not rotated: another FactorDesk process has the vault open.*rotate-key/s);
    } finally {
      holder.close();
    }
    expect(generation()).toBe(before);
    expect(oneJson((await cli(['service-key', 'list'])).stdout).result).toEqual([]);
  });
});
