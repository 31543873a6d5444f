import { afterEach, describe, expect, it, vi } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeVault, ADMIN, errorCode } from '../helpers/vault.ts';
import { makeApp } from '../helpers/app.ts';
import { signIn } from '../../main/store/sqlite/unlock.ts';
import { verifyAuditRows as verifyAuditChain, auditHeadRow as auditHead } from '../../main/store/sqlite/audit-rows.ts';
import { storeOf } from '../../main/store/sqlite/sqlite-store.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const code = errorCode;

describe('audit anchor', () => {
  it('a deleted anchor is reported, at sign-in and by the chain check, and is not silently recreated', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    v.vault.auditNow({ action: 'probe', operator: 'anne', outcome: 'ok' });
    v.vault.close();
    const path = join(v.vaultDir, 'keyslots.json');
    const f = JSON.parse(readFileSync(path, 'utf8'));
    delete f.anchor;
    writeFileSync(path, JSON.stringify(f));
    const s = await signIn({ dir: v.vaultDir, clock: v.clock }, 'anne', ADMIN.password);
    expect(s.warnings).toContain('ANCHOR_MISSING');
    s.vault.auditNow({ action: 'probe.after', operator: 'anne', outcome: 'ok' });
    expect(s.vault.anchor()).toBeNull();
    expect(verifyAuditChain(s.vault.db, s.vault.anchor())).toMatchObject({ ok: false, anchor: 'missing', firstBroken: null });
    s.vault.close();
  });

  it('writes queued at once share commits and anchor moves, and the anchor is at the head once the queue is empty', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    const moves = vi.spyOn(v.vault, 'refreshAnchor');
    const exec = vi.spyOn(v.vault.db, 'exec');
    const event = (i: number) => ({ action: 'code.verify', operator: `op${i}`, outcome: 'accepted' });
    await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => v.store.write((tx) => tx.audit.append(event(i), v.clock.now()), { coalesce: true })),
      ...Array.from({ length: 40 }, (_, i) => v.store.write((tx) => tx.audit.append(event(100 + i), v.clock.now()))),
    ]);
    const commits = exec.mock.calls.filter(([sql]) => sql === 'COMMIT').length;
    // 40 ordinary writes commit alone; the 40 coalescing ones queued together share a few commits.
    expect(commits).toBeGreaterThanOrEqual(41);
    expect(commits).toBeLessThan(50);
    expect(moves.mock.calls.length).toBeLessThan(10);
    const head = auditHead(v.vault.db);
    expect(v.vault.anchor()).toMatchObject({ count: head.count, hash: head.hash, valid: true });
    expect(verifyAuditChain(v.vault.db, v.vault.anchor())).toMatchObject({ ok: true, anchor: 'ok' });
    // An ordinary write, one at a time: the anchor follows it at once.
    await v.store.write((tx) => tx.audit.append(event(998), v.clock.now()));
    expect(v.vault.anchor()!.count).toBe(head.count + 1);
    // Verifications one after another (a login service's steady stream): the anchor trails them
    // by at most ANCHOR_DELAY_MS, one move covering several, and then stands at the head.
    moves.mockClear();
    for (let i = 0; i < 20; i++) await v.store.write((tx) => tx.audit.append(event(1000 + i), v.clock.now()), { coalesce: true });
    expect(moves.mock.calls.length).toBeLessThan(20);
    await vi.waitFor(() => expect(v.vault.anchor()!.count).toBe(head.count + 21), { timeout: 2000, interval: 5 });
    expect(verifyAuditChain(v.vault.db, v.vault.anchor())).toMatchObject({ ok: true, anchor: 'ok' });
    // Closing the vault moves an anchor that still trails.
    await v.store.write((tx) => tx.audit.append(event(2000), v.clock.now()), { coalesce: true });
    await storeOf(v.vault).close();
    expect(JSON.parse(readFileSync(join(v.vaultDir, 'keyslots.json'), 'utf8')).anchor.count).toBe(head.count + 22);
  });

  it('coalescing writes that arrive in separate callbacks of one turn of the event loop (requests read together) share one commit', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    const exec = vi.spyOn(v.vault.db, 'exec');
    const event = (i: number) => ({ action: 'code.verify', operator: `op${i}`, outcome: 'accepted' });
    // Each from a callback of its own, as the HTTP server calls one per request it read.
    const writes = await new Promise<Array<Promise<number>>>((resolve) => {
      const out: Array<Promise<number>> = [];
      for (let i = 0; i < 12; i++)
        setImmediate(() => {
          out.push(v.store.write(async (tx) => (await tx.audit.append(event(i), v.clock.now())).seq, { coalesce: true }));
          if (out.length === 12) resolve(out);
        });
    });
    const seqs = await Promise.all(writes);
    expect(exec.mock.calls.filter(([sql]) => sql === 'COMMIT')).toHaveLength(1);
    // In the order they came, each after the one before.
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expect(verifyAuditChain(v.vault.db, v.vault.anchor())).toMatchObject({ ok: true });
  });

  it('a failed audit export leaves the anchor on a committed event', async () => {
    const app = makeApp();
    cleanups.push(app.cleanup);
    await app.firstRun();
    app.saved['audit-json'] = join(app.tmp, 'no-such-folder', 'audit.json');
    const r = await app.call('audit:export', { format: 'json' });
    expect(r.ok).toBe(false);
    const vault = app.controller.vaultOrNull!;
    const anchor = vault.anchor()!;
    expect(anchor.count).toBeLessThanOrEqual(auditHead(vault.db).count);
    vault.auditNow({ action: 'probe', operator: 'anne', outcome: 'ok' });
    expect(verifyAuditChain(vault.db, vault.anchor())).toMatchObject({ ok: true, anchor: 'ok' });
  });
});

describe('sign-in journal', () => {
  it('refuses a name that folding makes too long, and keeps the lock', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    v.vault.close();
    const env = { dir: v.vaultDir, clock: v.clock };
    for (let i = 0; i < 20; i++) {
      v.clock.advance(61_000);
      await code(signIn(env, 'anne', `wrong password number ${i}!!`));
    }
    expect(await code(signIn(env, '\ufb03'.repeat(200), 'whatever password here'))).toBe('BAD_REQUEST');
    v.clock.advance(61_000);
    expect(await code(signIn(env, 'anne', ADMIN.password))).toBe('OPERATOR_LOCKED');
  });

  it('drops a bad event without losing the others, and reports the damage at the next unlock', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    v.vault.close();
    const env = { dir: v.vaultDir, clock: v.clock };
    for (let i = 0; i < 20; i++) {
      v.clock.advance(61_000);
      await code(signIn(env, 'anne', `wrong password number ${i}!!`));
    }
    const path = join(v.vaultDir, 'signin-journal.json');
    const j = JSON.parse(readFileSync(path, 'utf8'));
    j.events.push({ at: 1, name: 'x'.repeat(5000), outcome: 'failed' });
    writeFileSync(path, JSON.stringify(j));
    v.clock.advance(61_000);
    expect(await code(signIn(env, 'anne', ADMIN.password))).toBe('OPERATOR_LOCKED');
    v.clock.advance(15 * 60_000);
    const s = await signIn(env, 'anne', ADMIN.password);
    expect(s.warnings).toContain('JOURNAL_TAMPERED');
    s.vault.close();
  });
});

describe('sign-in journal across a key rotation', () => {
  it('rotate-key re-seals the journal: the next sign-in sees no tampering; a later edit is still caught', async () => {
    const { rotateVaultKey } = await import('../../main/core/vault-maintenance.ts');
    const { vaultAdminOf } = await import('../../main/store/sqlite/vault-admin.ts');
    const { listAuditRows } = await import('../../main/store/sqlite/audit-rows.ts');
    const v = await makeVault();
    cleanups.push(v.cleanup);
    v.vault.close();
    const env = { dir: v.vaultDir, clock: v.clock };
    // A failed sign-in of someone else, so the sealed base holds a counter under the old key.
    await code(signIn(env, 'mallory', 'not the password at all'));
    let s = await signIn(env, 'anne', ADMIN.password);
    expect(s.warnings).not.toContain('JOURNAL_TAMPERED');
    await rotateVaultKey(s.store, vaultAdminOf(s.vault), s.session);
    s.vault.close();
    s = await signIn(env, 'anne', ADMIN.password);
    expect(s.warnings).not.toContain('JOURNAL_TAMPERED');
    expect(listAuditRows(s.vault.db, { limit: 1000 }).filter((e) => e.action === 'signin.journal.tampered')).toEqual([]);
    s.vault.close();
    // A real edit after the rotation: the base's counters changed without the key.
    const path = join(v.vaultDir, 'signin-journal.json');
    const j = JSON.parse(readFileSync(path, 'utf8'));
    expect(Object.keys(j.base.accounts).length).toBe(1);
    for (const a of Object.values(j.base.accounts) as Array<{ failures: number }>) a.failures = 0;
    writeFileSync(path, JSON.stringify(j));
    s = await signIn(env, 'anne', ADMIN.password);
    expect(s.warnings).toContain('JOURNAL_TAMPERED');
    expect(listAuditRows(s.vault.db, { limit: 5 }).some((e) => e.action === 'signin.journal.tampered')).toBe(true);
    s.vault.close();
  });
});

describe('a deleted or rolled-back sign-in journal', () => {
  async function lockedVault() {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    v.vault.close();
    const env = { dir: v.vaultDir, clock: v.clock };
    // A sign-in first, so the database remembers a seal.
    (await signIn(env, 'anne', ADMIN.password)).vault.close();
    for (let i = 0; i < 20; i++) {
      v.clock.advance(61_000);
      await code(signIn(env, 'anne', `wrong password number ${i}!!`));
    }
    v.clock.advance(61_000);
    expect(await code(signIn(env, 'anne', ADMIN.password))).toBe('OPERATOR_LOCKED');
    return { v, env, path: join(v.vaultDir, 'signin-journal.json') };
  }

  async function events(v: { vaultDir: string; recoveryKey: string }, action: string) {
    const { unlockWithRecoveryKey } = await import('../../main/store/sqlite/unlock.ts');
    const { listAuditRows } = await import('../../main/store/sqlite/audit-rows.ts');
    const vault = await unlockWithRecoveryKey({ dir: v.vaultDir }, v.recoveryKey);
    try {
      return listAuditRows(vault.db, { limit: 1000 }).filter((e) => e.action === action);
    } finally {
      vault.close();
    }
  }

  it('rm signin-journal.json does not lift a lock: the right password is still refused, and the deletion is audited', async () => {
    const { v, env, path } = await lockedVault();
    rmSync(path);
    v.clock.advance(61_000);
    expect(await code(signIn(env, 'anne', ADMIN.password))).toBe('OPERATOR_LOCKED');
    expect(await events(v, 'signin.journal.rolled-back')).toHaveLength(1);
    // The lock is back in the journal itself now, and runs out as it would have.
    expect(await code(signIn(env, 'anne', ADMIN.password))).toBe('OPERATOR_LOCKED');
    v.clock.advance(15 * 60_000);
    const s = await signIn(env, 'anne', ADMIN.password);
    expect(s.warnings).not.toContain('JOURNAL_ROLLED_BACK');
    s.vault.close();
  });

  it('a journal put back from an earlier copy is reported at the next unlock; the counters come back from the vault', async () => {
    const v = await makeVault();
    cleanups.push(v.cleanup);
    v.vault.close();
    const env = { dir: v.vaultDir, clock: v.clock };
    const path = join(v.vaultDir, 'signin-journal.json');
    (await signIn(env, 'anne', ADMIN.password)).vault.close();
    const early = readFileSync(path);
    for (let i = 0; i < 4; i++) {
      v.clock.advance(61_000);
      await code(signIn(env, 'mallory', `wrong password number ${i}!!`));
    }
    (await signIn(env, 'anne', ADMIN.password)).vault.close();
    writeFileSync(path, early);
    const s = await signIn(env, 'anne', ADMIN.password);
    expect(s.warnings).toContain('JOURNAL_ROLLED_BACK');
    expect(s.warnings).not.toContain('JOURNAL_TAMPERED');
    const { signInJournalOf } = await import('../../main/store/sqlite/unlock.ts');
    const { journalName } = await import('../../main/core/signin.ts');
    expect(signInJournalOf(s.vault).state(journalName('mallory')).failures).toBe(4);
    s.vault.close();
    expect(await events(v, 'signin.journal.rolled-back')).toHaveLength(1);
  });
});

describe('enrollment sheet', () => {
  it('is printable only by the issuing operator, within 30 minutes', async () => {
    const { forceReenrollment, pendingEnrollmentForSheet } = await import('../../main/core/enrollment.ts');
    const { foldKey, identityKey } = await import('../../main/core/text.ts');
    const v = await makeVault({ withAgent: true });
    cleanups.push(v.cleanup);
    const id = Number(
      v.vault.db
        .prepare("INSERT INTO users (email, email_identity, email_key, name, name_key, status, created_at, updated_at) VALUES (?, ?, ?, 'Kari Nordmann', 'kari nordmann', 'active', 0, 0)")
        .run('kari.nordmann@example.no', identityKey('kari.nordmann@example.no'), foldKey('kari.nordmann@example.no')).lastInsertRowid,
    );
    const r = await forceReenrollment(v.store, v.agent!, id, { checks: ['callback'], ticket: 'HD-1', reason: 'new phone' });
    expect((await pendingEnrollmentForSheet(v.store, v.agent!, id, r.enrollmentId)).sheetId).toBe(r.sheetId);
    await expect(pendingEnrollmentForSheet(v.store, v.admin, id, r.enrollmentId)).rejects.toThrow(/operator who started/);
    v.clock.advance(31 * 60_000);
    await expect(pendingEnrollmentForSheet(v.store, v.agent!, id, r.enrollmentId)).rejects.toThrow(/within 30 minutes/);
  });
});
