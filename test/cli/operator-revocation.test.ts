// Disabling or removing an operator rotates the vault key (the recovery key stays): a copy of the
// key-slot file taken while they were active no longer opens the vault. With another process
// holding the vault open the change still happens and the rotation is left for later, said so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, AGENT, oneJson, runCli } from '../fixtures/cli-harness.ts';
import { unlockWithRecoveryKey } from '../../main/store/sqlite/unlock.ts';
import { listAuditRows } from '../../main/store/sqlite/audit-rows.ts';

let root: string;
let dir: string;
let recoveryKey: string;
const env = { FACTORDESK_PASSWORD: ADMIN.password };
const OTHER = { name: 'kari', password: 'another long passphrase for kari 41' };

function cli(args: string[]) {
  return runCli(['--vault', dir, '--operator', ADMIN.name, '--json', ...args], env);
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
  root = mkdtempSync(join(tmpdir(), 'fd-revocation-'));
  dir = join(root, 'vault');
  const init = await runCli(['--vault', dir, '--json', 'init', '--name', ADMIN.name], env);
  recoveryKey = oneJson(init.stdout).result.recoveryKey;
  for (const op of [AGENT, OTHER]) {
    expect((await runCli(['--vault', dir, '--operator', ADMIN.name, '--json', 'operators', 'add', op.name, '--role', 'agent'], { ...env, FACTORDESK_NEW_PASSWORD: op.password })).status).toBe(0);
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const generation = () => Object.keys(JSON.parse(readFileSync(join(dir, 'keyslots.json'), 'utf8')).generations as object).map(Number)[0];

describe('disabling or removing an operator rotates the vault key', () => {
  it('remove: the key generation moves on, an old slot-file copy no longer opens the vault, the recovery key still does', async () => {
    const before = generation();
    copyFileSync(join(dir, 'keyslots.json'), join(root, 'slots-copy.json'));
    const r = await cli(['operators', 'remove', AGENT.name]);
    expect(r.status, r.stdout).toBe(0);
    expect(oneJson(r.stdout).result).toMatchObject({ keyRotated: true });
    expect(generation()).toBe(before! + 1);
    const events = await lastEvents(3);
    expect(events.map((e) => e.action)).toEqual(['vault.rekey', 'vault.rekey.start', 'operator.remove']);
    expect(events[0]!.details).toMatchObject({ reason: 'operator.remove', name: AGENT.name, recoveryKeyKept: true });
    // The removed agent with the slot file from before: the database is under another key now.
    const current = readFileSync(join(dir, 'keyslots.json'));
    copyFileSync(join(root, 'slots-copy.json'), join(dir, 'keyslots.json'));
    const old = await runCli(['--vault', dir, '--operator', AGENT.name, '--json', 'find', 'x'], { FACTORDESK_PASSWORD: AGENT.password });
    expect(old.status).not.toBe(0);
    writeFileSync(join(dir, 'keyslots.json'), current);
    // The recovery key from init still opens it (it was carried over, not replaced).
    const v = await unlockWithRecoveryKey({ dir }, recoveryKey);
    v.close();
  });

  it('disable: rotates too; with another process holding the vault the disable happens and the rotation is left for later, said so', async () => {
    const before = generation();
    // Another process with the vault open (here: this one, through the recovery key).
    const holder = await unlockWithRecoveryKey({ dir }, recoveryKey);
    try {
      const r = await cli(['operators', 'disable', OTHER.name]);
      expect(r.status, r.stdout).toBe(0);
      const out = oneJson(r.stdout) as { result: { keyRotated: boolean; operator: { status: string } }; warnings: string[] };
      expect(out.result.keyRotated).toBe(false);
      expect(out.result.operator.status).toBe('disabled');
      expect(out.warnings.join('\n')).toMatch(/not rotated: another FactorDesk process has the vault open.*rotate-key/s);
    } finally {
      holder.close();
    }
    expect(generation()).toBe(before);
    const again = await cli(['rotate-key']);
    expect(again.status, again.stdout).toBe(0);
    recoveryKey = oneJson(again.stdout).result.recoveryKey;
    expect(generation()).toBe(before! + 1);
  });
});
