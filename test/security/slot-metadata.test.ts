// Who signs in comes from authenticated data only: the operator row bound to the public key the
// typed password's private key derives. The slot file's `operatorId`, `label` and `publicKey`
// can be edited by anyone who can open the vault (every operator).
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { makeVault, ADMIN, AGENT, errorCode } from '../helpers/vault.ts';
import { readSlotFile, writeSlotFile } from '../../main/store/sqlite/key-slots.ts';
import { signIn, unlockWithServiceKey } from '../../main/store/sqlite/unlock.ts';
import { createServiceKey } from '../../main/core/service-keys.ts';
import { disableOperator } from '../../main/core/operators.ts';
import { rekeyVault } from '../../main/store/sqlite/rekey.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function agentVault() {
  const v = await makeVault({ withAgent: true });
  cleanups.push(v.cleanup);
  return { ...v, slotPath: join(v.vaultDir, 'keyslots.json'), env: { dir: v.vaultDir, clock: v.clock } };
}

describe('slot metadata', () => {
  it("an agent's slot edited to name the admin (operatorId and label) does not sign the agent in as the admin", async () => {
    const v = await agentVault();
    v.vault.close();
    const f = readSlotFile(v.slotPath);
    const agentSlot = f.slots.find((s) => s.kind === 'operator' && s.label === AGENT.name)!;
    const adminSlot = f.slots.find((s) => s.kind === 'operator' && s.label === ADMIN.name)!;
    agentSlot.operatorId = v.admin.operatorId;
    agentSlot.label = ADMIN.name;
    // Even with the admin's public key written over the agent's.
    agentSlot.publicKey = adminSlot.publicKey;
    writeSlotFile(v.slotPath, f);
    expect(await errorCode(signIn(v.env, ADMIN.name, AGENT.password))).toBe('SIGNIN_FAILED');
    // Only operatorId edited: the agent signs in as themselves, an agent.
    const g = readSlotFile(v.slotPath);
    const s2 = g.slots.find((s) => s.keyId === agentSlot.keyId)!;
    s2.label = AGENT.name;
    writeSlotFile(v.slotPath, g);
    const r = await signIn(v.env, AGENT.name, AGENT.password);
    expect(r.session).toMatchObject({ name: AGENT.name, role: 'agent', operatorId: v.agent!.operatorId });
    r.vault.close();
    // The admin still signs in with their own password.
    const a = await signIn(v.env, ADMIN.name, ADMIN.password);
    expect(a.session.role).toBe('admin');
    a.vault.close();
  });

  it('a slot an operator adds for themselves under another name signs nobody in', async () => {
    const v = await agentVault();
    v.vault.close();
    const f = readSlotFile(v.slotPath);
    const agentSlot = f.slots.find((s) => s.kind === 'operator' && s.label === AGENT.name)!;
    // A copy of the agent's key pair labelled as the admin (the admin's slot removed, so it is tried).
    f.slots = f.slots.filter((s) => s.label !== ADMIN.name);
    f.slots.push({ ...agentSlot, label: ADMIN.name, operatorId: v.admin.operatorId });
    writeSlotFile(v.slotPath, f);
    expect(await errorCode(signIn(v.env, ADMIN.name, AGENT.password))).toBe('SIGNIN_FAILED');
  });

  it('a disabled operator whose slot was renamed away from them loses it anyway, and a rotation does not carry it', async () => {
    const v = await agentVault();
    // The agent hides their slot from removal by pointing it at nobody.
    const f = readSlotFile(v.slotPath);
    const agentSlot = f.slots.find((s) => s.kind === 'operator' && s.label === AGENT.name)!;
    agentSlot.operatorId = 'f'.repeat(32);
    writeSlotFile(v.slotPath, f);
    await disableOperator(v.store, v.admin, v.agent!.operatorId);
    expect(readSlotFile(v.slotPath).slots.some((s) => s.publicKey === agentSlot.publicKey)).toBe(false);
    // Put it back after the disable: a rotation re-wraps only bound key pairs.
    const g = readSlotFile(v.slotPath);
    g.slots.push(agentSlot);
    writeSlotFile(v.slotPath, g);
    rekeyVault(v.vault);
    expect(readSlotFile(v.slotPath).slots.some((s) => s.publicKey === agentSlot.publicKey)).toBe(false);
  });

  it("a service key's session is named by its bound key id, not by the slot's", async () => {
    const v = await agentVault();
    let content = '';
    await createServiceKey(v.store, v.admin, 'portal', (c) => {
      content = c;
    });
    v.vault.close();
    const ok = await unlockWithServiceKey(v.env, content);
    const keyId = ok.session.operatorId;
    ok.vault.close();
    const f = readSlotFile(v.slotPath);
    const s = f.slots.find((x) => x.kind === 'service')!;
    s.keyId = 'a'.repeat(32);
    writeSlotFile(v.slotPath, f);
    const r = await unlockWithServiceKey(v.env, content);
    expect(r.session.operatorId).toBe(keyId);
    expect(r.session.role).toBe('service');
    r.vault.close();
  });

  it('a vault from before the bindings binds its slots once at the next unlock, and then keeps them', async () => {
    const v = await agentVault();
    // As a vault made by an earlier version: no bindings in the database.
    v.vault.db.prepare("DELETE FROM meta WHERE key LIKE 'credential.%'").run();
    v.vault.close();
    const r = await signIn(v.env, AGENT.name, AGENT.password);
    expect(r.session).toMatchObject({ name: AGENT.name, role: 'agent' });
    r.vault.close();
    // Bound now: an edit made after the upgrade is not trusted.
    const f = readSlotFile(v.slotPath);
    const agentSlot = f.slots.find((s) => s.kind === 'operator' && s.label === AGENT.name)!;
    agentSlot.operatorId = v.admin.operatorId;
    agentSlot.label = ADMIN.name;
    writeSlotFile(v.slotPath, f);
    expect(await errorCode(signIn(v.env, ADMIN.name, AGENT.password))).toBe('SIGNIN_FAILED');
    const a = await signIn(v.env, ADMIN.name, ADMIN.password);
    expect(a.session.role).toBe('admin');
    a.vault.close();
  });
});
