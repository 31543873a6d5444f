// A finished job's report (an import's result names users and rows) reaches only the operator who
// started it, or an admin: never whichever agent signs in next.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeApp } from '../helpers/app.ts';
import { ADMIN, AGENT } from '../helpers/vault.ts';

const apps: Array<ReturnType<typeof makeApp>> = [];
afterEach(() => {
  while (apps.length) apps.pop()!.cleanup();
});

/** The value of a call that must succeed. */
async function value(p: Promise<{ ok: boolean }>): Promise<any> {
  const r = (await p) as { ok: true; value: unknown } | { ok: false; error: { code: string } };
  if (!r.ok) throw new Error(`call failed: ${r.error.code}`);
  return r.value;
}

const ANNA = { name: 'anna', displayName: 'Anna Admin', role: 'admin' as const, email: 'anna@example.no', password: 'a second admin passphrase 2026' };

describe('job reports', () => {
  it('an import that ends while its admin is signed out is reported to that admin or another admin, not to an agent', async () => {
    const app = makeApp();
    apps.push(app);
    await app.firstRun();
    expect((await app.call('operators:add', { ...AGENT, role: 'agent' })).ok).toBe(true);
    expect((await app.call('operators:add', ANNA)).ok).toBe(true);
    const csv = join(app.tmp, 'users.csv');
    writeFileSync(csv, 'email,name,phone,organization\nkari.nordmann@example.no,Kari Nordmann,,X\nnot-an-email,Broken,,\n');
    app.opened.csv = csv;
    const imp = { value: await value(app.call('users:import', {})) };
    // The admin locks; the import finishes in its worker meanwhile.
    await app.call('session:lock', {});
    await app.controller.job(imp.value.jobId)!.done.catch(() => {});
    await new Promise((r) => setTimeout(r, 50));

    // An agent signs in: no report at sign-in, none on asking, no event.
    const agent = { value: await value(app.call('session:sign-in', { name: AGENT.name, password: AGENT.password })) };
    expect(agent.value.jobReports).toEqual([]);
    expect(await value(app.call('jobs:reports', {}))).toEqual([]);
    await app.call('session:lock', {});

    // Another admin gets it once.
    const anna = { value: await value(app.call('session:sign-in', { name: ANNA.name, password: ANNA.password })) };
    expect(anna.value.jobReports).toHaveLength(1);
    expect(anna.value.jobReports[0]).toMatchObject({ jobId: imp.value.jobId, kind: 'import', ok: true, result: { inserted: 1 } });
    expect(await value(app.call('jobs:reports', {}))).toEqual([]);
    await app.call('session:lock', {});
    const again = { value: await value(app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password })) };
    expect(again.value.jobReports).toEqual([]);
  });

  it('a job that ends while an agent is signed in is not announced to that agent; its admin gets it at sign-in', async () => {
    const app = makeApp();
    apps.push(app);
    await app.firstRun();
    expect((await app.call('operators:add', { ...AGENT, role: 'agent' })).ok).toBe(true);
    const csv = join(app.tmp, 'users.csv');
    writeFileSync(csv, 'email,name,phone,organization\n' + Array.from({ length: 3000 }, (_, i) => `u${i}@example.no,User ${i},,X`).join('\n') + '\n');
    app.opened.csv = csv;
    const imp = { value: await value(app.call('users:import', {})) };
    await app.call('session:lock', {});
    expect((await app.call('session:sign-in', { name: AGENT.name, password: AGENT.password })).ok).toBe(true);
    const before = app.events.length;
    await app.controller.job(imp.value.jobId)!.done.catch(() => {});
    await new Promise((r) => setTimeout(r, 50));
    expect(app.events.slice(before).filter((e) => e.event === 'job:done')).toEqual([]);
    expect(await value(app.call('jobs:reports', {}))).toEqual([]);
    await app.call('session:lock', {});
    const admin = { value: await value(app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password })) };
    expect(admin.value.jobReports.map((r: { jobId: string }) => r.jobId)).toEqual([imp.value.jobId]);
  });
});
