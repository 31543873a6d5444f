// Directory browsing under watch (main/core/directory-searches.ts): a session's searches fold into
// one `directory.searched` event per few minutes, listing beyond what a person types is refused
// for a moment, and separate command-line sessions of one operator share the minute's limit.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeVault } from '../helpers/vault.ts';
import { upsertUser } from '../../main/core/users.ts';
import { DirectorySearches, SEARCH_FOLD_MS } from '../../main/core/directory-searches.ts';
import { listAuditRows } from '../../main/store/sqlite/audit-rows.ts';

let v: Awaited<ReturnType<typeof makeVault>>;
beforeEach(async () => {
  v = await makeVault({ withAgent: true });
  for (let i = 0; i < 30; i++) await upsertUser(v.store, v.admin, { email: `kari${i}@example.no`, name: `Kari Nordmann ${i}` });
});
afterEach(() => v.cleanup());

const searched = () => listAuditRows(v.vault.db, { limit: 500 }).filter((e) => e.action === 'directory.searched');

describe('directory searches', () => {
  it('fold into one event per session and window, with counts and query prefixes, never the whole query', async () => {
    const s = new DirectorySearches();
    for (const q of ['k', 'ka', 'kar', 'kari', 'kari nordmann 1', 'nor']) await s.search(v.store, v.agent!, q, { limit: 20 });
    expect(searched()).toEqual([]);
    v.clock.advance(SEARCH_FOLD_MS);
    await s.search(v.store, v.agent!, 'kari1', { limit: 20 });
    const [e] = searched();
    expect(e).toMatchObject({ operator: v.agent!.name, outcome: 'ok', details: { queries: 7, refused: 0 } });
    const d = e!.details as { listed: number; prefixes: string[] };
    expect(d.listed).toBeGreaterThan(60);
    expect(d.prefixes.sort()).toEqual(['k', 'ka', 'kar', 'nor']);
    expect(JSON.stringify(e)).not.toContain('nordmann 1');
    // The end of the session writes what is left; an empty tally writes nothing.
    await s.flush(v.store, v.agent!, { end: true });
    expect(searched()).toHaveLength(1);
  });

  it('listing beyond what a person types is RATE_LIMITED, recorded as refused, and works again a minute later', async () => {
    const s = new DirectorySearches({ limitPerMinute: 100 });
    for (let i = 0; i < 5; i++) await s.search(v.store, v.agent!, 'kari', { limit: 20 });
    await expect(s.search(v.store, v.agent!, 'kari', { limit: 20 })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    // Another operator is not slowed by it.
    expect((await s.search(v.store, v.admin, 'kari', { limit: 20 })).items).toHaveLength(20);
    v.clock.advance(61_000);
    expect((await s.search(v.store, v.agent!, 'kari', { limit: 20 })).items).toHaveLength(20);
    await s.flush(v.store, v.agent!, { end: true });
    expect(searched().find((e) => e.operator === v.agent!.name)).toMatchObject({ outcome: 'refused', details: { refused: 1, queries: 6 } });
  });

  it("counts exactly the last minute's listings as they age, also after the clock was set back", async () => {
    const s = new DirectorySearches({ limitPerMinute: 100 });
    const t0 = v.clock.now();
    const find = () => s.search(v.store, v.agent!, 'kari', { limit: 20 });
    await find();
    await find();
    v.clock.set(t0 + 30_000);
    await find();
    await find();
    // The first two are a minute old: 40 of the 100 are left, for three more searches.
    v.clock.set(t0 + 60_000);
    for (let i = 0; i < 3; i++) await find();
    await expect(find()).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    // Set back 40 s and searching again, then forward: the search made at the earlier time leaves first.
    const s2 = new DirectorySearches({ limitPerMinute: 40 });
    const admin = () => s2.search(v.store, v.admin, 'kari', { limit: 20 });
    await admin();
    v.clock.set(t0 + 20_000);
    await admin();
    v.clock.set(t0 + 85_000);
    await admin();
    await expect(admin()).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('command-line runs (a new session each) share the limit through the audit', async () => {
    const run = async (n: number) => {
      const s = new DirectorySearches({ limitPerMinute: 50 });
      const session = { ...v.agent!, signedInAt: v.clock.now() + n };
      try {
        return await s.search(v.store, session, 'kari', { limit: 20 });
      } finally {
        await s.flush(v.store, session, { end: true });
      }
    };
    for (let i = 0; i < 3; i++) await run(i);
    await expect(run(3)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    v.clock.advance(61_000);
    expect((await run(4)).items).toHaveLength(20);
  });

  it('a search begun before its session was confirmed is taken only by the same session, role and arguments', async () => {
    const s = new DirectorySearches();
    const args = { limit: 20, offset: 0 };
    const names = (r: { items: Array<{ name: string }> }) => r.items.map((u) => u.name);
    // Begun now: a user added after it is not in its answer, so the answer shows whether it was taken.
    const begun = () => s.begin(v.store, v.agent!, 'kari nordmann 3', args);
    const forget = begun();
    await upsertUser(v.store, v.admin, { email: 'kari30@example.no', name: 'Kari Nordmann 30' });
    expect(names(await s.search(v.store, v.agent!, 'kari nordmann 3', args))).toEqual(['Kari Nordmann 3']);
    forget();
    // Taken once: the next search runs afresh and sees the new user.
    expect(names(await s.search(v.store, v.agent!, 'kari nordmann 3', args))).toEqual(['Kari Nordmann 3', 'Kari Nordmann 30']);
    // Another role, sign-in or page: not taken (each sees a user added after the begin).
    const others = [
      () => s.search(v.store, { ...v.agent!, role: 'admin' }, 'kari nordmann 3', args),
      () => s.search(v.store, { ...v.agent!, signedInAt: v.agent!.signedInAt + 1 }, 'kari nordmann 3', args),
      () => s.search(v.store, v.agent!, 'kari nordmann 3', { limit: 19, offset: 0 }),
      () => s.search(v.store, v.agent!, 'kari nordmann 3 ', args),
    ];
    for (const [i, other] of others.entries()) {
      const f = begun();
      await upsertUser(v.store, v.admin, { email: `kari${31 + i}@example.no`, name: `Kari Nordmann ${31 + i}` });
      expect(names(await other())).toContain(`Kari Nordmann ${31 + i}`);
      // Forgotten: the same session's search then runs afresh too.
      f();
      expect(names(await s.search(v.store, v.agent!, 'kari nordmann 3', args))).toContain(`Kari Nordmann ${31 + i}`);
    }
  });

  it('begins no search for a session over its limit', async () => {
    const s = new DirectorySearches({ limitPerMinute: 20 });
    const args = { limit: 20, offset: 0 };
    let reads = 0;
    const counting = new Proxy(v.store, {
      get(target, key) {
        if (key !== 'read') return Reflect.get(target, key, target);
        return (...a: Parameters<typeof target.read>) => (reads++, target.read(...a));
      },
    });
    expect((await s.search(counting, v.agent!, 'kari', args)).items).toHaveLength(20);
    reads = 0;
    s.begin(counting, v.agent!, 'kari', args)();
    expect(reads).toBe(0);
    await expect(s.search(counting, v.agent!, 'kari', args)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    // Another operator's is begun.
    s.begin(counting, v.admin, 'kari', args)();
    expect(reads).toBe(1);
  });
});
