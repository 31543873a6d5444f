// The app's import takes the encoding the admin chose (or finds the file's own), and its report
// says when a file was read as Windows-1252.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeApp } from '../helpers/app.ts';

const apps: Array<ReturnType<typeof makeApp>> = [];
afterEach(() => {
  while (apps.length) apps.pop()!.cleanup();
});

describe('users:import encoding', () => {
  it('finds Windows-1252 by itself and says so; a chosen encoding is used as told; an unknown one is refused', async () => {
    const app = makeApp();
    apps.push(app);
    await app.firstRun();
    const csv = join(app.tmp, 'excel.csv');
    writeFileSync(csv, Buffer.from('email;name;phone;organization\r\nbjorn@example.no;Bj\xf8rn \xc5s;91234567;\r\n', 'latin1'));
    app.opened.csv = csv;
    const run = async (req: { encoding?: 'utf-8' | 'windows-1252' }) => {
      const r = await app.call('users:import', req);
      if (!r.ok) throw new Error(r.error.code);
      return (await app.controller.job(r.value.jobId)!.done) as { inserted: number; unchanged: number; rejected: Array<{ line: number; reason: string }>; encoding: string; encodingGuessed: boolean };
    };
    expect(await run({})).toMatchObject({ inserted: 1, encoding: 'windows-1252', encodingGuessed: true, rejected: [] });
    const found = await app.call('users:find', { query: 'bjørn', limit: 5 });
    expect(found.ok && found.value.items?.[0]?.name).toBe('Bjørn Ås');
    expect(await run({ encoding: 'windows-1252' })).toMatchObject({ unchanged: 1, encoding: 'windows-1252', encodingGuessed: false });
    expect(await run({ encoding: 'utf-8' })).toMatchObject({ rejected: [{ line: 2, reason: expect.stringMatching(/not valid UTF-8/) }], encodingGuessed: false });
    const bad = await app.call('users:import', { encoding: 'ebcdic' } as never);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.code).toBe('BAD_REQUEST');
  });
});

describe('users:import with SMS factors', () => {
  it("the app's import takes sms and sms_purpose: the user's page shows the factor and its use, and Remove SMS removes it", async () => {
    const app = makeApp();
    apps.push(app);
    await app.firstRun();
    const csv = join(app.tmp, 'sms.csv');
    writeFileSync(csv, 'email;name;phone;organization;sms;sms_purpose\r\nkari@example.no;Kari Nordmann;;;912 34 567;\r\nola@example.no;Ola Nordmann;;;912 34 568;Approvals\r\n');
    app.opened.csv = csv;
    const r = await app.call('users:import', {});
    if (!r.ok) throw new Error(r.error.code);
    expect(await app.controller.job(r.value.jobId)!.done).toMatchObject({ inserted: 2, rejected: [] });
    const idOf = async (q: string) => {
      const f = await app.call('users:find', { query: q, limit: 5 });
      return (f.ok && f.value.items?.[0]?.id) as number;
    };
    const kari = await app.call('users:view', { userId: await idOf('kari@') });
    expect(kari.ok && kari.value.sms).toEqual({ masked: '••• •• •67', verified: false, usage: 'login-only' });
    const olaId = await idOf('ola@');
    const ola = await app.call('users:view', { userId: olaId });
    expect(ola.ok && ola.value.sms).toMatchObject({ masked: '••• •• •68', usage: 'login-and-approvals' });
    const removed = await app.call('sms:remove', { userId: olaId, checks: ['callback'], ticket: 'HD-17', reason: 'moved to an authenticator' });
    expect(removed.ok).toBe(true);
    const after = await app.call('users:view', { userId: olaId });
    expect(after.ok && after.value.sms).toBeNull();
  });
});

describe('users:import flags near-duplicates', () => {
  it("the app's import keeps straße@ and strasse@ apart and lists the second under flagged", async () => {
    const app = makeApp();
    apps.push(app);
    await app.firstRun();
    const csv = join(app.tmp, 'lookalike.csv');
    writeFileSync(csv, 'email,name,phone,organization\nhans.straße@example.de,Hans Straße,,\nhans.strasse@example.de,Hans Strasse,,\n');
    app.opened.csv = csv;
    const r = await app.call('users:import', {});
    if (!r.ok) throw new Error(r.error.code);
    expect(await app.controller.job(r.value.jobId)!.done).toMatchObject({
      inserted: 2,
      flagged: [{ line: 3, email: 'hans.strasse@example.de', kind: 'near-duplicate', similarTo: 'hans.straße@example.de' }],
    });
    const found = await app.call('users:find', { query: 'hans.stras', limit: 5 });
    expect(found.ok && found.value.items.map((u: { name: string }) => u.name).sort()).toEqual(['Hans Strasse', 'Hans Straße']);
  });
});
