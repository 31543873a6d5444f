// The app rotates the vault key in a background job after an operator is disabled or removed:
// requests made meanwhile wait and then work, the job's end is reported, the recovery key stays.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeApp } from '../helpers/app.ts';
import { AGENT } from '../helpers/vault.ts';
import { unlockWithRecoveryKey } from '../../main/store/sqlite/unlock.ts';
import { listAuditRows } from '../../main/store/sqlite/audit-rows.ts';

const apps: Array<ReturnType<typeof makeApp>> = [];
afterEach(() => {
  while (apps.length) apps.pop()!.cleanup();
});

const generationOf = (dir: string) => Number(Object.keys(JSON.parse(readFileSync(join(dir, 'keyslots.json'), 'utf8')).generations)[0]);

async function setup() {
  const app = makeApp();
  apps.push(app);
  const { recoveryKey } = await app.firstRun();
  const add = await app.call('operators:add', { name: AGENT.name, displayName: AGENT.displayName, role: 'agent', email: AGENT.email, password: AGENT.password });
  expect(add.ok).toBe(true);
  const list = await app.call('operators:list', {});
  if (!list.ok) throw new Error(list.error.code);
  const agent = (list.value as Array<{ id: string; name: string }>).find((o) => o.name === AGENT.name)!;
  return { app, recoveryKey, agentId: agent.id, dir: join(app.tmp, 'vault') };
}

describe('the app after an operator leaves', () => {
  for (const change of ['disable', 'remove'] as const) {
    it(`${change}: the key is rotated in a background job; a request made meanwhile waits and works; the recovery key stays`, async () => {
      const { app, recoveryKey, agentId, dir } = await setup();
      const before = generationOf(dir);
      const r = await app.call(`operators:${change}`, { operatorId: agentId });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      // Asked at once, while the rotation has the vault closed.
      const find = await app.call('users:find', { query: 'kari' });
      expect(find.ok, JSON.stringify(find)).toBe(true);
      await app.controller.whenOpen();
      expect(generationOf(dir)).toBe(before + 1);
      expect(app.events.find((e) => e.event === 'job:done')?.data).toMatchObject({ kind: 'rekey', ok: true, result: null });
      // The copy's progress, through the jobs' progress events: from nothing to all of it, never back.
      const progress = app.events.filter((e) => e.event === 'job:progress').map((e) => e.data as { kind: string; done: number; total: number });
      expect(progress.length).toBeGreaterThanOrEqual(2);
      expect(progress.every((p) => p.kind === 'rekey' && p.total > 0)).toBe(true);
      expect(progress[0]!.done).toBe(0);
      expect(progress.at(-1)!.done).toBe(progress.at(-1)!.total);
      const shares = progress.map((p) => p.done / p.total);
      expect(shares).toEqual([...shares].sort((a, b) => a - b));
      expect((await app.call('operators:list', {})).ok).toBe(true);
      app.controller.lock('manual');
      await app.controller.settled();
      const v = await unlockWithRecoveryKey({ dir }, recoveryKey);
      try {
        const rekey = listAuditRows(v.db, { limit: 20 }).find((e) => e.action === 'vault.rekey');
        expect(rekey?.details).toMatchObject({ reason: `operator.${change}`, name: AGENT.name, recoveryKeyKept: true });
      } finally {
        v.close();
      }
    });
  }
});
