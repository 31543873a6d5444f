// Restoring a backup brings back the key slots of its day: operators removed and service keys
// revoked since then are named before the restore starts and after it ends, the restored vault's
// event lists them, and the files kept aside (which hold old slots too) can be deleted, audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, AGENT, oneJson, runCli } from '../fixtures/cli-harness.ts';
import { unlockWithRecoveryKey } from '../../main/store/sqlite/unlock.ts';
import { listAuditRows } from '../../main/store/sqlite/audit-rows.ts';
import { legacyServiceKey } from '../helpers/vault.ts';

let root: string;
let dir: string;
let recoveryKey: string;
const env = { FACTORDESK_PASSWORD: ADMIN.password };

function cli(args: string[], json = true) {
  return runCli(['--vault', dir, '--operator', ADMIN.name, ...(json ? ['--json'] : []), ...args], env);
}

async function lastEvents(n: number) {
  const v = await unlockWithRecoveryKey({ dir }, recoveryKey);
  try {
    return listAuditRows(v.db, { limit: n });
  } finally {
    v.close();
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fd-restore-revoked-'));
  dir = join(root, 'vault');
  const init = await runCli(['--vault', dir, '--json', 'init', '--name', ADMIN.name], env);
  recoveryKey = oneJson(init.stdout).result.recoveryKey;
  expect((await runCli(['--vault', dir, '--operator', ADMIN.name, '--json', 'operators', 'add', AGENT.name, '--role', 'agent'], { ...env, FACTORDESK_NEW_PASSWORD: AGENT.password })).status).toBe(0);
  // A service key as vaults made before the retirement have (no door makes one any more).
  await legacyServiceKey(dir, ADMIN, 'vpn-login');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('restore and credentials revoked since the backup', () => {
  it('names the removed operator and the revoked service key before and after, and records them', async () => {
    const backup = join(root, 'before-removal.fdbackup');
    expect((await cli(['backup', backup])).status).toBe(0);
    expect((await cli(['operators', 'remove', AGENT.name])).status).toBe(0);
    expect((await cli(['service-key', 'revoke', 'vpn-login'])).status).toBe(0);

    const r = await cli(['restore', backup]);
    expect(r.status, r.stdout).toBe(0);
    const out = oneJson(r.stdout);
    expect(out.result.revivedCredentials).toEqual(
      expect.arrayContaining([
        { kind: 'operator', label: AGENT.name },
        { kind: 'service', label: 'vpn-login' },
      ]),
    );
    expect(out.result.revivedCredentials).toHaveLength(2);
    const warnings = (out as { warnings: string[] }).warnings;
    expect(warnings.find((w) => /revoked since it was made, which will open the vault again/.test(w))).toMatch(new RegExp(`operator "${AGENT.name}".*service key "vpn-login"`));
    expect(warnings.find((w) => /Back in force/.test(w))).toMatch(/rotate-key/);
    expect(warnings.some((w) => /restore --delete-kept/.test(w))).toBe(true);
    const [event] = await lastEvents(1);
    expect(event).toMatchObject({ action: 'vault.restore', details: { revivedCredentials: expect.arrayContaining([{ kind: 'operator', label: AGENT.name }]) } });
    // The removed agent can sign in again: that is why it is said.
    expect((await runCli(['--vault', dir, '--operator', AGENT.name, '--json', 'find', 'x'], { FACTORDESK_PASSWORD: AGENT.password })).status).toBe(0);
  });

  it('a backup with nothing revoked since says nothing about credentials', async () => {
    const backup = join(root, 'current.fdbackup');
    expect((await cli(['backup', backup])).status).toBe(0);
    const r = await cli(['restore', backup]);
    expect(r.status, r.stdout).toBe(0);
    const out = oneJson(r.stdout) as { result: { revivedCredentials: unknown[] }; warnings: string[] };
    expect(out.result.revivedCredentials).toEqual([]);
    expect(out.warnings.some((w) => /revoked/.test(w))).toBe(false);
  });

  it('a backup made before a key rotation: the rotated credentials are the same ones, nothing is named', async () => {
    const backup = join(root, 'before-rotation.fdbackup');
    expect((await cli(['backup', backup])).status).toBe(0);
    const rotated = await cli(['rotate-key']);
    expect(rotated.status, rotated.stdout).toBe(0);
    // The restored vault is the one from before the rotation: its recovery key is the old one again.
    const r = await cli(['restore', backup]);
    expect(r.status, r.stdout).toBe(0);
    expect(oneJson(r.stdout).result.revivedCredentials).toEqual([]);
  });

  it('restore --delete-kept deletes every kept file, is audited, and then has nothing to delete', async () => {
    const kept = () => readdirSync(dir).filter((f) => /\.(before-restore|undone)-/.test(f));
    const before = kept().sort();
    expect(before.length).toBeGreaterThan(0);
    const r = await cli(['restore', '--delete-kept']);
    expect(r.status, r.stdout).toBe(0);
    expect([...oneJson(r.stdout).result.deleted].sort()).toEqual(before);
    expect(kept()).toEqual([]);
    expect(existsSync(join(dir, 'vault.db'))).toBe(true);
    const [event] = await lastEvents(1);
    expect(event).toMatchObject({ action: 'vault.restore.kept-deleted', operator: ADMIN.name, outcome: 'ok' });
    expect((event!.details as { files: number }).files).toBe(oneJson(r.stdout).result.deleted.length);
    const again = await cli(['restore', '--delete-kept']);
    expect(again.status).toBe(2);
    expect(oneJson(again.stdout).error!.message).toMatch(/nothing to delete/);
    const undo = await cli(['restore', '--undo']);
    expect(undo.status).toBe(2);
  });

  it('--delete-kept goes alone, and an agent may not use it', async () => {
    const both = await cli(['restore', '--delete-kept', '--undo']);
    expect(both.status).toBe(2);
    expect(oneJson(both.stdout).error!.message).toMatch(/--delete-kept goes alone/);
    // An agent (here: the one the first restore brought back) is refused, and nothing goes.
    const backup = join(root, 'again.fdbackup');
    expect((await cli(['backup', backup])).status).toBe(0);
    expect((await cli(['restore', backup])).status).toBe(0);
    const kept = readdirSync(dir).filter((f) => /\.before-restore-/.test(f));
    expect(kept.length).toBeGreaterThan(0);
    const agent = await runCli(['--vault', dir, '--operator', AGENT.name, '--json', 'restore', '--delete-kept'], { FACTORDESK_PASSWORD: AGENT.password });
    expect(agent.status).toBe(2);
    expect(oneJson(agent.stdout).error!.code).toBe('FORBIDDEN');
    expect(readdirSync(dir).filter((f) => /\.before-restore-/.test(f))).toEqual(kept);
  });
});
