// Operators are linked to their own directory user: nobody acts on their own account (also not on
// a look-alike of their address: full-width, other case, +tag), and only an admin acts on another
// operator's. Through the app's IPC guard and through the command line.
import { afterEach, describe, expect, it } from 'vitest';
import { makeVault, ADMIN, AGENT } from '../helpers/vault.ts';
import { makeApp } from '../helpers/app.ts';
import { oneJson, runCli } from '../fixtures/cli-harness.ts';
import { upsertUser } from '../../main/core/users.ts';
import { addOperator } from '../../main/core/operators.ts';
import { storeOf } from '../../main/store/sqlite/sqlite-store.ts';
import { mailboxKey } from '../../main/core/text.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const ACTION = { checks: ['callback'], ticket: 'HD-1', reason: 'lost phone' };
const OLAV = { name: 'olav', displayName: 'Olav Dahl', password: 'olav has a long passphrase too' };
const USERS = ['kari@example.no', AGENT.email, 'ｐer.lie@example.no', 'PER.LIE+x@example.no', 'anne.berg+tag@example.no', 'olav.dahl@example.no'];

/** A vault with the admin, the agent per (work email per.lie@) and olav (no email), and the users; closed again. */
async function seeded(): Promise<{ dir: string; now: number }> {
  const v = await makeVault({ withAgent: true });
  cleanups.push(v.cleanup);
  for (const email of USERS) await upsertUser(v.store, v.admin, { email, name: email.split('@')[0]! });
  await addOperator(storeOf(v.vault), v.admin, { ...OLAV, role: 'agent' });
  const now = v.clock.now();
  v.vault.close();
  return { dir: v.vaultDir, now };
}

async function signedIn(dir: string, now: number, who: { name: string; password: string }) {
  const app = makeApp({ dir });
  cleanups.push(() => app.cleanup());
  app.clock.set(now);
  const r = await app.call('session:sign-in', { name: who.name, password: who.password });
  if (!r.ok) throw new Error(`sign-in failed: ${r.error.code}`);
  const find = async (email: string) => ((await app.call('users:find', { query: email })) as { value: { items: Array<{ id: number; email: string }> } }).value.items.find((u) => u.email === email)!.id;
  const issue = async (email: string) => {
    const res = await app.call('codes:issue-one-time', { userId: await find(email), ...ACTION });
    return res.ok ? 'OK' : res.error.code;
  };
  return { app, warnings: (r.value as { warnings: string[] }).warnings, issue };
}

describe('the mailbox key', () => {
  it('reaches the same mailbox through NFKC, case and a +tag, and nothing else', () => {
    expect(mailboxKey('ｐer.lie@example.no')).toBe('per.lie@example.no');
    expect(mailboxKey('Per.Lie+x@Example.NO')).toBe('per.lie@example.no');
    expect(mailboxKey('per.lie＋ｘ＠ｅｘａｍｐｌｅ.no')).toBe('per.lie@example.no');
    expect(mailboxKey('per.lies@example.no')).not.toBe('per.lie@example.no');
    expect(mailboxKey('per.lie@example.com')).not.toBe('per.lie@example.no');
  });
});

describe('own and operator accounts through the app', () => {
  it('an agent is refused on their own address and its look-alikes, and on an operator’s account; an admin’s change on an operator’s waits for approval, and never on their own', async () => {
    const s = await seeded();
    const per = await signedIn(s.dir, s.now, AGENT);
    expect(per.warnings).toContain('OPERATOR_UNLINKED');
    expect(await per.issue(AGENT.email)).toBe('OWN_ACCOUNT');
    expect(await per.issue('ｐer.lie@example.no')).toBe('OWN_ACCOUNT');
    expect(await per.issue('PER.LIE+x@example.no')).toBe('OWN_ACCOUNT');
    expect(await per.issue('anne.berg+tag@example.no')).toBe('OPERATOR_ACCOUNT');
    expect(await per.issue('kari@example.no')).toBe('OK');
    per.app.cleanup();

    const anne = await signedIn(s.dir, s.now, ADMIN);
    expect(await anne.issue('anne.berg+tag@example.no')).toBe('OWN_ACCOUNT');
    // An admin may act on an operator's account, but not alone: it waits for approval (test/integration/approvals.test.ts).
    expect(await anne.issue('ｐer.lie@example.no')).toBe('APPROVAL_PENDING');
    // Linking through the app's operator form; an admin cannot change their own link.
    const ops = ((await anne.app.call('operators:list', {})) as { value: unknown }).value as Array<{ id: string; name: string; userEmail: string | null }>;
    const olav = ops.find((o) => o.name === 'olav')!;
    const linked = await anne.app.call('operators:update', { operatorId: olav.id, userEmail: 'OLAV.DAHL@example.no' });
    expect(linked.ok && linked.value.userEmail).toBe('olav.dahl@example.no');
    // An admin links themselves once; changing that link is for another admin.
    const self = ops.find((o) => o.name === ADMIN.name)!;
    const first = await anne.app.call('operators:update', { operatorId: self.id, userEmail: 'anne.berg+tag@example.no' });
    expect(first.ok && first.value.userEmail).toBe('anne.berg+tag@example.no');
    const own = await anne.app.call('operators:update', { operatorId: self.id, userEmail: 'kari@example.no' });
    expect(!own.ok && own.error.code).toBe('FORBIDDEN');
    const unlinkSelf = await anne.app.call('operators:update', { operatorId: self.id, userEmail: null });
    expect(!unlinkSelf.ok && unlinkSelf.error.code).toBe('FORBIDDEN');
    const taken = await anne.app.call('operators:update', { operatorId: ops.find((o) => o.name === AGENT.name)!.id, userEmail: 'olav.dahl@example.no' });
    expect(!taken.ok && taken.error.code).toBe('CONFLICT');
    const missing = await anne.app.call('operators:add', { name: 'nora', displayName: 'Nora', role: 'agent', userEmail: 'nobody@example.no', password: 'nora picks a long passphrase' });
    expect(!missing.ok && missing.error.code).toBe('NOT_FOUND');
    anne.app.cleanup();

    // olav has no work email: before the link, nothing kept him off his own account.
    const o = await signedIn(s.dir, s.now, OLAV);
    expect(o.warnings).not.toContain('OPERATOR_UNLINKED');
    expect(await o.issue('olav.dahl@example.no')).toBe('OWN_ACCOUNT');
    expect(await o.issue(AGENT.email)).toBe('OPERATOR_ACCOUNT');
    expect(await o.issue('kari@example.no')).toBe('OK');
  });
});

describe('own and operator accounts through the command line', () => {
  it('operators add/update --user link an operator; the sign-in warns while unlinked; look-alikes are refused', async () => {
    const s = await seeded();
    const as = async (who: { name: string; password: string }, ...args: string[]) => {
      const r = await runCli(['--vault', s.dir, '--operator', who.name, '--json', ...args], { FACTORDESK_PASSWORD: who.password, FACTORDESK_NEW_PASSWORD: 'nora picks a long passphrase', FACTORDESK_TEST_NOW: String(s.now) });
      return { status: r.status, ...oneJson(r.stdout) };
    };
    const checks = ['--checks', 'callback', '--ticket', 'HD-2', '--reason', 'lost phone'];
    const unlinked = await as(AGENT, 'issue-code', 'kari@example.no', ...checks);
    expect(unlinked.ok).toBe(true);
    expect(unlinked.warnings.join(' ')).toMatch(/not linked to your own directory user/);
    for (const email of [AGENT.email, 'ｐer.lie@example.no', 'PER.LIE+x@example.no']) {
      const r = await as(AGENT, 'issue-code', email, ...checks);
      expect([r.status, r.error?.code], email).toEqual([2, 'OWN_ACCOUNT']);
    }
    const agentOnAdmin = await as(AGENT, 'backup-codes', 'anne.berg+tag@example.no', ...checks);
    expect([agentOnAdmin.status, agentOnAdmin.error?.code]).toEqual([2, 'OPERATOR_ACCOUNT']);

    const link = await as(ADMIN, 'operators', 'update', AGENT.name, '--user', AGENT.email);
    expect(link.result.operator).toMatchObject({ name: AGENT.name, userEmail: AGENT.email });
    expect((await as(AGENT, 'issue-code', 'kari@example.no', ...checks)).warnings.join(' ')).not.toMatch(/not linked/);
    expect((await as(ADMIN, 'operators', 'update', ADMIN.name, '--user', 'anne.berg+tag@example.no')).ok).toBe(true);
    const own = await as(ADMIN, 'operators', 'update', ADMIN.name, '--user', 'kari@example.no');
    expect([own.status, own.error?.code]).toEqual([2, 'FORBIDDEN']);
    const unknown = await as(ADMIN, 'operators', 'add', 'nora', '--role', 'agent', '--user', 'nobody@example.no');
    expect([unknown.status, unknown.error?.code]).toEqual([4, 'NOT_FOUND']);
    const added = await as(ADMIN, 'operators', 'add', 'nora', '--role', 'agent', '--user', 'kari@example.no');
    expect(added.result.operator).toMatchObject({ name: 'nora', email: 'kari@example.no', userEmail: 'kari@example.no' });
    const nora = { name: 'nora', password: 'nora picks a long passphrase' };
    const noraOwn = await as(nora, 'issue-code', 'kari@example.no', ...checks);
    expect([noraOwn.status, noraOwn.error?.code]).toEqual([2, 'OWN_ACCOUNT']);
    const list = await as(ADMIN, 'operators', 'list');
    expect(list.result.operators.find((o: { name: string }) => o.name === 'olav').userEmail).toBeNull();
    const unlink = await as(ADMIN, 'operators', 'update', 'nora', '--user', 'none');
    expect(unlink.result.operator.userId).toBeNull();
  });
});
