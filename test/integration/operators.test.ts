import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { makeVault, ADMIN, AGENT, errorCode } from '../helpers/vault.ts';
import { addOperator, disableOperator, listOperators, removeOperator, updateOperator } from '../../main/core/operators.ts';
import { createServiceKey, listServiceKeys } from '../../main/core/service-keys.ts';
import { recoverAdmin, signIn, unlockWithServiceKey } from '../../main/store/sqlite/unlock.ts';
import { readSlotFile } from '../../main/store/sqlite/key-slots.ts';
import type { Session } from '../../main/core/session.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const code = errorCode;

describe('the last active admin', () => {
  it('cannot be disabled, removed or demoted, by another admin either; with a second admin it can', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    // A second admin session (the guard is about the count, not about acting on oneself).
    const other = await addOperator(v.store, v.admin, { name: 'bodil', displayName: 'Bodil', role: 'admin', password: 'a third long passphrase for bodil' });
    const bodil: Session = { operatorId: other.id, name: other.name, displayName: other.displayName, role: 'admin', emailKey: null, signedInAt: v.clock.now() };
    await disableOperator(v.store, v.admin, other.id);
    // Anne is now the only active admin: Bodil's session (as if it were still open) cannot take her away.
    expect(await code(disableOperator(v.store, bodil, v.admin.operatorId))).toBe('CONFLICT');
    expect(await code(removeOperator(v.store, bodil, v.admin.operatorId))).toBe('CONFLICT');
    expect(await code(updateOperator(v.store, bodil, v.admin.operatorId, { role: 'agent' }))).toBe('CONFLICT');
    const anne = (await listOperators(v.store, v.admin)).find((o) => o.name === ADMIN.name)!;
    expect(anne).toMatchObject({ role: 'admin', status: 'active' });
    // Nothing was changed or audited by the refusals.
    const refused = v.vault.db.prepare("SELECT count(*) AS n FROM audit_events WHERE action IN ('operator.update', 'operator.remove') OR (action = 'operator.disable' AND json_extract(details, '$.name') = 'anne')").get() as { n: number };
    expect(refused.n).toBe(0);
    expect(readSlotFile(join(v.vaultDir, 'keyslots.json')).slots.some((s) => s.operatorId === v.admin.operatorId)).toBe(true);
    // With a second active admin, demoting Anne is allowed.
    const carl = await addOperator(v.store, v.admin, { name: 'carl', displayName: 'Carl', role: 'admin', password: 'yet another passphrase for carl' });
    const carlSession: Session = { operatorId: carl.id, name: carl.name, displayName: carl.displayName, role: 'admin', emailKey: null, signedInAt: v.clock.now() };
    expect((await updateOperator(v.store, carlSession, v.admin.operatorId, { role: 'agent' })).role).toBe('agent');
  });

  it('a disabled operator whose slot is still in the file is refused at sign-in (the row decides, not the slot)', async () => {
    const v = await makeVault({ withAgent: true });
    cleanups.push(v.cleanup);
    const slotsBefore = readSlotFile(join(v.vaultDir, 'keyslots.json'));
    await disableOperator(v.store, v.admin, v.agent!.operatorId);
    v.vault.close();
    // Put the agent's old slot back, as an attacker with the folder could.
    const { writeSlotFile } = await import('../../main/store/sqlite/key-slots.ts');
    const now = readSlotFile(join(v.vaultDir, 'keyslots.json'));
    writeSlotFile(join(v.vaultDir, 'keyslots.json'), { ...now, slots: slotsBefore.slots });
    expect(await code(signIn({ dir: v.vaultDir, clock: v.clock }, AGENT.name, AGENT.password))).toBe('SIGNIN_FAILED');
  });
});

describe('admin recovery', () => {
  it('creates an admin when none of that name exists, and the new admin can sign in', async () => {
    const v = await makeVault({ withAgent: true });
    cleanups.push(v.cleanup);
    v.vault.close();
    const env = { dir: v.vaultDir, clock: v.clock };
    const password = 'recovered admin passphrase 2026';
    const r = await recoverAdmin(env, v.recoveryKey, 'rescue', password);
    expect(r.session).toMatchObject({ name: 'rescue', role: 'admin' });
    const ops = await listOperators(r.store, r.session);
    expect(ops.find((o) => o.name === 'rescue')).toMatchObject({ role: 'admin', status: 'active' });
    const actions = (r.vault.db.prepare("SELECT action, operator FROM audit_events WHERE operator = 'recovery-key' ORDER BY seq").all() as Array<{ action: string }>).map((e) => e.action);
    expect(actions).toEqual(['operator.add', 'operator.reset-password', 'vault.recovery']);
    r.vault.close();
    const s = await signIn(env, 'rescue', password);
    expect(s.session.role).toBe('admin');
    s.vault.close();
  });

  it('refuses to give an agent a new password, and a wrong recovery key opens nothing', async () => {
    const v = await makeVault({ withAgent: true });
    cleanups.push(v.cleanup);
    v.vault.close();
    const env = { dir: v.vaultDir, clock: v.clock };
    expect(await code(recoverAdmin(env, v.recoveryKey, AGENT.name, 'recovered admin passphrase 2026'))).toBe('FORBIDDEN');
    expect(await code(recoverAdmin(env, 'A'.repeat(52), 'rescue', 'recovered admin passphrase 2026'))).toBe('SIGNIN_FAILED');
    // Anne's password still works and no operator was added.
    const s = await signIn(env, ADMIN.name, ADMIN.password);
    expect((await listOperators(s.store, s.session)).map((o) => o.name).sort()).toEqual([ADMIN.name, AGENT.name]);
    s.vault.close();
  });
});

describe('service keys', () => {
  it('a key file that cannot be saved leaves no key that opens the vault (revoked, audited)', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    let saved = '';
    await expect(
      createServiceKey(v.store, v.admin, 'radius', (content) => {
        saved = content;
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await listServiceKeys(v.store, v.admin)).toEqual([]);
    const actions = (v.vault.db.prepare("SELECT action FROM audit_events WHERE action LIKE 'service-key.%' ORDER BY seq").all() as Array<{ action: string }>).map((e) => e.action);
    expect(actions).toEqual(['service-key.create', 'service-key.revoke']);
    v.vault.close();
    expect(await code(unlockWithServiceKey({ dir: v.vaultDir, clock: v.clock }, saved))).toBe('SIGNIN_FAILED');
  });

  it('the slot exists before the file is handed out, and the saved file opens the vault for verifying only', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    let content = '';
    await createServiceKey(v.store, v.admin, 'radius', async (c) => {
      // By the time the door saves the file, the slot is committed.
      expect(readSlotFile(join(v.vaultDir, 'keyslots.json')).slots.some((s) => s.kind === 'service' && s.label === 'radius')).toBe(true);
      content = c;
    });
    v.vault.close();
    const r = await unlockWithServiceKey({ dir: v.vaultDir, clock: v.clock }, content);
    expect(r.session).toMatchObject({ role: 'service', name: 'service:radius' });
    r.vault.close();
  });
});
