import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { errorCode, makeVault } from '../helpers/vault.ts';
import { FactorDeskError } from '../../main/core/errors.ts';
import { foldKey } from '../../main/core/text.ts';
import { listAuditRows as listAudit } from '../../main/store/sqlite/audit-rows.ts';
import type { Store } from '../../main/store/port.ts';
import type { Session } from '../../main/core/session.ts';
import { findUserByEmail, getUserById, normalizeEmail, normalizePhone, searchUsers, upsertUser, type UserInput } from '../../main/core/users.ts';
import { COUNT_CAP, EMAIL_SORT_CAP } from '../../main/store/repos/directory.ts';
import { startsWithWholeWord } from '../../main/store/sqlite/name-words.ts';
import { compareCodePoints, explainSearch, MAX_MERGED_WORDS, WORD_SORT_CAP } from '../../main/store/sqlite/user-search.ts';
import { applyUser } from '../../main/core/user-writer.ts';

type V = Awaited<ReturnType<typeof makeVault>>;
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'OK';
  } catch (err) {
    if (err instanceof FactorDeskError) return err.code;
    throw err;
  }
}

async function fresh(withAgent = false): Promise<V> {
  const v = await makeVault({ withAgent });
  cleanups.push(v.cleanup);
  return v;
}

const add = async (store: Store, admin: Session, u: UserInput) => (await upsertUser(store, admin, u)).user;

describe('normalizeEmail', () => {
  it('keeps the typed form, trims, and folds the key in every script', () => {
    expect(normalizeEmail('  Øyvind@Example.no ')).toEqual({ email: 'Øyvind@Example.no', emailKey: 'øyvind@example.no' });
    expect(normalizeEmail('Øyvind@Example.no').emailKey).toBe(normalizeEmail('øyvind@example.no').emailKey);
    // The identity key changes no letter into another: straße@ and strasse@ (ılker@ and ilker@) are two mailboxes.
    expect(normalizeEmail('STRASSE@example.de').emailKey).not.toBe(normalizeEmail('straße@example.de').emailKey);
    expect(normalizeEmail('STRAßE@example.de').emailKey).toBe(normalizeEmail('straße@example.de').emailKey);
    expect(normalizeEmail('ılker@example.tr').emailKey).not.toBe(normalizeEmail('ilker@example.tr').emailKey);
    expect(normalizeEmail('kari@blåbær.no').email).toBe('kari@blåbær.no');
    expect(normalizeEmail('per%cent_x@example.no').emailKey).toBe('per%cent_x@example.no');
    expect(normalizeEmail('a@例え').email).toBe('a@例え'); // an IDN domain needs no dot
  });

  it('rejects malformed, hostile and over-long addresses', () => {
    const bad = [
      '', '   ', 'no-at.example.no', 'two@@example.no', 'a@b@example.no', '@example.no', 'kari@', 'kari@localhost',
      'ka ri@example.no', 'kari@exa mple.no', 'kari\0@example.no', 'kari\n@example.no', 'kari\u200B@example.no',
      'kari\u202E@example.no', 'kari@example..no', 'kari@.example.no', 'kari@example.no.', '"kari"@example.no',
      'kari@exam,ple.no', '\uD800kari@example.no', `${'a'.repeat(65)}@example.no`, `a@${'b'.repeat(250)}.no`,
    ];
    for (const b of bad) expect(codeOf(() => normalizeEmail(b)), JSON.stringify(b)).toBe('BAD_REQUEST');
    expect(codeOf(() => normalizeEmail(42 as unknown as string))).toBe('BAD_REQUEST');
    const longest = `${'a'.repeat(64)}@${'b'.repeat(186)}.no`;
    expect(longest.length).toBe(254);
    expect(codeOf(() => normalizeEmail(longest))).toBe('OK');
    expect(codeOf(() => normalizeEmail(`b${longest}`))).toBe('BAD_REQUEST');
  });
});

describe('normalizePhone', () => {
  it('gives E.164 without spaces, hyphens or parentheses; empty is null', () => {
    expect(normalizePhone('+47 912 34 567')).toBe('+4791234567');
    expect(normalizePhone('+1 (555) 123-4567')).toBe('+15551234567');
    expect(normalizePhone(' +4791234567 ')).toBe('+4791234567');
    expect(normalizePhone('')).toBeNull();
    expect(normalizePhone('  ')).toBeNull();
    expect(normalizePhone(null)).toBeNull();
    expect(normalizePhone(undefined)).toBeNull();
    expect(normalizePhone('+123456789012345')).toBe('+123456789012345');
  });

  it('gives a local number the default country code (+47 unless another is passed)', () => {
    expect(normalizePhone('91234567')).toBe('+4791234567');
    expect(normalizePhone('912 34 567')).toBe('+4791234567');
    expect(normalizePhone('(22) 12-34-56')).toBe('+4722123456');
    expect(normalizePhone('004791234567')).toBe('+4791234567');
    expect(normalizePhone('0046 70 123 45 67')).toBe('+46701234567');
    expect(normalizePhone('070-123 45 67', '+46')).toBe('+46701234567');
    expect(normalizePhone('07700 900123', '+44')).toBe('+447700900123');
    expect(normalizePhone('91234567', '+46')).toBe('+4691234567');
  });

  it('rejects anything else', () => {
    for (const b of ['4791234567', '12345', '912 34 567 ext 2', 'N/A', '0000', '+47 12', '+1234567', '+1234567890123456', '+47abc12345', '+４７９１２３４５６７', '+47.912.34.567', '+0791234567', '++4791234567', '+47 912\n34567x'])
      expect(codeOf(() => normalizePhone(b)), b).toBe('BAD_REQUEST');
    expect(codeOf(() => normalizePhone('91234567', '47'))).toBe('BAD_REQUEST');
  });
});

describe('lookups and single adds', () => {
  it('finds a user by email with Unicode case folding, exactly, and never a look-alike', async () => {
    const { store, admin } = await fresh();
    const oy = await add(store, admin, { email: 'Øyvind@Example.no', name: 'Øyvind Lie' });
    const st = await add(store, admin, { email: 'straße@example.de', name: 'Gerd Straße' });
    const latin = await add(store, admin, { email: 'anna@example.no', name: 'Anna Latin' });
    expect((await findUserByEmail(store, 'øyvind@example.no'))?.id).toBe(oy.id);
    expect((await findUserByEmail(store, ' ØYVIND@EXAMPLE.NO '))?.id).toBe(oy.id);
    expect((await findUserByEmail(store, 'STRAßE@EXAMPLE.DE'))?.id).toBe(st.id);
    expect(await findUserByEmail(store, 'STRASSE@EXAMPLE.DE')).toBeNull(); // another mailbox, not this user
    expect(await findUserByEmail(store, 'аnna@example.no')).toBeNull(); // Cyrillic а
    expect((await findUserByEmail(store, 'anna@example.no'))?.id).toBe(latin.id);
    expect(await findUserByEmail(store, 'anna@example')).toBeNull(); // exact, not prefix
    expect(await findUserByEmail(store, "' OR 1=1 --")).toBeNull();
    expect(await findUserByEmail(store, '%')).toBeNull();
    expect(await findUserByEmail(store, '')).toBeNull();
    expect(await getUserById(store, oy.id)).toMatchObject({ email: 'Øyvind@Example.no', name: 'Øyvind Lie', status: 'active', phone: null, externalId: null });
    expect(await getUserById(store, 999_999)).toBeNull();
    expect(await getUserById(store, Number.NaN)).toBeNull();
  });

  it('adds, updates by email then by external id, and audits without the phone number', async () => {
    const { vault, store, admin, clock } = await fresh();
    const r1 = await upsertUser(store, admin, { email: 'kari.nordmann@example.no', name: 'Kari Nordmann', phone: '+47 912 34 567', organization: 'Acme' });
    expect(r1.outcome).toBe('inserted');
    expect(r1.user).toMatchObject({ phone: '+4791234567', organization: 'Acme', status: 'active', createdAt: clock.now() });
    clock.advance(60_000);
    const r2 = await upsertUser(store, admin, { email: 'KARI.NORDMANN@example.no', name: 'Kari Nordmann', phone: '+47 912 34 999', organization: 'Acme', status: 'disabled' });
    expect(r2.outcome).toBe('updated');
    expect(r2.user.id).toBe(r1.user.id);
    expect(r2.user).toMatchObject({ email: 'KARI.NORDMANN@example.no', phone: '+4791234999', status: 'disabled', updatedAt: clock.now() });
    expect((await upsertUser(store, admin, { email: 'kari.nordmann@example.no', name: 'Kari Nordmann', phone: '+4791234999', organization: 'Acme', status: 'disabled' })).outcome).toBe('updated'); // typed form changed
    expect((await upsertUser(store, admin, { email: 'kari.nordmann@example.no', name: 'Kari Nordmann', phone: '+4791234999', organization: 'Acme' })).outcome).toBe('unchanged'); // empty status keeps "disabled"
    // Attach an external id, then change the email through it.
    await upsertUser(store, admin, { email: 'kari.nordmann@example.no', name: 'Kari Nordmann', phone: '+4791234999', organization: 'Acme', externalId: 'HR-1' });
    const r3 = await upsertUser(store, admin, { email: 'kari@nordmann.no', name: 'Kari Nordmann', phone: '+4791234999', organization: 'Acme', externalId: 'HR-1' });
    expect(r3.user.id).toBe(r1.user.id);
    expect(await findUserByEmail(store, 'kari.nordmann@example.no')).toBeNull();
    expect((await findUserByEmail(store, 'kari@nordmann.no'))?.id).toBe(r1.user.id);
    const events = listAudit(vault.db, { userId: r1.user.id });
    expect(events.map((e) => e.action).sort()).toEqual(['user.add', 'user.update', 'user.update', 'user.update', 'user.update']);
    const json = JSON.stringify(events);
    expect(json).not.toMatch(/91234567|91234999/);
    const phoneChange = events.find((e) => JSON.stringify(e.details).includes('"phone"') && e.action === 'user.update')!;
    expect(phoneChange.details).toMatchObject({ changes: expect.arrayContaining([{ field: 'phone', change: 'changed' }, { field: 'status', from: 'active', to: 'disabled' }]) });
  });

  it('refuses conflicts, bad input, agents and changes to the operator’s own user account', async () => {
    const { store, admin, agent } = await fresh(true);
    await add(store, admin, { email: 'one@example.no', name: 'One', externalId: 'E1' });
    await add(store, admin, { email: 'two@example.no', name: 'Two', externalId: 'E2' });
    expect(await errorCode(upsertUser(store, admin, { email: 'two@example.no', name: 'One', externalId: 'E1' }))).toBe('CONFLICT');
    expect(await errorCode(upsertUser(store, admin, { email: 'one@example.no', name: 'X', externalId: 'E3' }))).toBe('CONFLICT');
    expect(await errorCode(upsertUser(store, admin, { email: 'three@example.no', name: '  ' }))).toBe('BAD_REQUEST');
    expect(await errorCode(upsertUser(store, admin, { email: 'three@example.no', name: 'x'.repeat(201) }))).toBe('BAD_REQUEST');
    expect(await errorCode(upsertUser(store, admin, { email: 'three@example.no', name: 'Three', status: 'gone' }))).toBe('BAD_REQUEST');
    expect(await errorCode(upsertUser(store, admin, { email: 'three@example.no', name: 'Three', externalId: 'x'.repeat(129) }))).toBe('BAD_REQUEST');
    expect(await errorCode(upsertUser(store, agent!, { email: 'three@example.no', name: 'Three' }))).toBe('FORBIDDEN');
    expect(await findUserByEmail(store, 'three@example.no')).toBeNull();
    // The admin's own user record may exist, but the admin cannot change it.
    await add(store, admin, { email: 'Anne.Berg@example.no', name: 'Anne Berg', phone: '+4791111111' });
    expect(await errorCode(upsertUser(store, admin, { email: 'anne.berg@example.no', name: 'Anne Berg', phone: '+4792222222' }))).toBe('OWN_ACCOUNT');
    expect((await findUserByEmail(store, 'anne.berg@example.no'))?.phone).toBe('+4791111111');
  });
});

describe('searchUsers', () => {
  let v: V;
  const people: Array<[string, string]> = [
    ['kari.nordmann@example.no', 'Kari Nordmann'],
    ['ola@example.no', 'Ola Nordmann-Hansen'],
    ['ann@example.no', 'Zoe Ann'],
    ['ann@example.no.eu', 'Adam Aa'],
    ['ann.berg@example.no', 'Ann Berg'],
    ['anna@example.no', 'Anna Latin'],
    ['anna.cyr@example.no', 'Аnna Cyrillic'], // Cyrillic А in the name
    ['аnna@example.no', 'Cyrillic Email'], // Cyrillic а in the email
    ['p1@example.no', 'Per Annesen'],
    ['p2@example.no', "Sean O'Brien"],
    ['per%cent@example.no', 'Percent Sign'],
    ['perxcent@example.no', 'Per Decoy'],
    ['under_score@example.no', 'Under Score'],
    ['underxscore@example.no', 'Under Decoy'],
    ['oyvind@example.no', 'Øyvind Ås'],
    ['g@example.de', 'Gerd Straße'],
    ['a1@example.no', 'Anne-Kari Berg'],
  ];
  beforeAll(async () => {
    v = await makeVault();
    for (const [email, name] of people) await add(v.store, v.admin, { email, name, organization: 'Org' });
    for (let i = 0; i < 30; i++) await add(v.store, v.admin, { email: `test.${String(i).padStart(2, '0')}@example.no`, name: `Test Person ${String(29 - i).padStart(2, '0')}` });
  });
  afterAll(() => v.cleanup());
  const search = (q: string, o: { limit?: number; offset?: number } = {}) => searchUsers(v.store, v.admin, q, o);
  const emails = async (q: string, o: { limit?: number; offset?: number } = {}) => (await search(q, o)).items.map((u) => u.email);

  it('puts the full email or local part first, then whole-word name matches, then other prefixes, each by name', async () => {
    // The full email first; "ann@example.no.eu" only starts with it.
    expect(await emails('ann@example.no')).toEqual(['ann@example.no', 'ann@example.no.eu']);
    // Local part "ann" (Adam Aa, Zoe Ann by name); the whole word "Ann" (Ann Berg); then the other
    // prefixes by name (Anna Latin, Anne-Kari Berg, Per Annesen, and the Cyrillic-named Аnna
    // found by her Latin email, whose folded name sorts after every Latin one).
    expect(await emails('ANN')).toEqual(['ann@example.no.eu', 'ann@example.no', 'ann.berg@example.no', 'anna@example.no', 'a1@example.no', 'p1@example.no', 'anna.cyr@example.no']);
    const item = (await search('kari.nordmann@example.no')).items[0]!;
    expect(item).toEqual({ id: item.id, email: 'kari.nordmann@example.no', name: 'Kari Nordmann', organization: 'Org', status: 'active' });
  });

  it('finds a surname or any later name word by prefix, and lists each user once', async () => {
    expect(await emails('nordm')).toEqual(['kari.nordmann@example.no', 'ola@example.no']);
    expect(await emails('hansen')).toEqual(['ola@example.no']);
    expect(await emails('kari')).toEqual(['a1@example.no', 'kari.nordmann@example.no']); // both whole words ("Anne-Kari", "Kari"), by name
    expect(await emails('kari nor')).toEqual(['kari.nordmann@example.no']); // whole-name prefix
    expect(await emails('kari berg')).toEqual(['a1@example.no']); // from a later word on: "Anne-Kari Berg"
    expect(await emails('brien')).toEqual(['p2@example.no']);
    expect(await emails("o'b")).toEqual(['p2@example.no']);
    expect(await emails('ann berg')).toEqual(['ann.berg@example.no']); // not "Anne-Kari Berg"
    expect(await emails('ordmann')).toEqual([]); // inside a word is not a prefix
  });

  it('folds case in every script but never matches look-alikes', async () => {
    expect(await emails('ØYV')).toEqual(['oyvind@example.no']);
    expect(await emails('ås')).toEqual(['oyvind@example.no']);
    expect(await emails('STRASSE')).toEqual(['g@example.de']);
    expect(await emails('straße')).toEqual(['g@example.de']);
    expect(await emails('аnna')).toEqual(['аnna@example.no', 'anna.cyr@example.no']); // Cyrillic only
    expect(await emails('anna')).toEqual(['anna@example.no', 'anna.cyr@example.no']); // Latin emails only; the Cyrillic-named one by its Latin email
  });

  it('matches hostile input literally and answers it with nothing, never an error', async () => {
    expect(await emails('per%')).toEqual(['per%cent@example.no']);
    expect(await emails('%')).toEqual([]);
    expect(await emails('under_')).toEqual(['under_score@example.no']);
    expect(await emails('_')).toEqual([]);
    for (const q of ["' OR 1=1 --", "'", '"', '*', '\\', 'kari\0', '\0', 'k\0ari', '%%', 'a%', '[a]', 'x'.repeat(10_240), 'kari'.repeat(65), '\uD800']) {
      expect((await search(q)).items, JSON.stringify(q.slice(0, 20))).toEqual([]);
    }
    expect(await emails('   ')).toEqual([]);
    expect(await emails('')).toEqual([]);
    expect(await search(null as unknown as string)).toEqual({ items: [], hasMore: false, total: 0, totalCapped: false });
  });

  it('pages without gaps or repeats and says when there is more', async () => {
    const all = await search('test', { limit: 100 });
    expect(all.items).toHaveLength(30);
    expect(all.hasMore).toBe(false);
    expect(all.items.map((u) => u.name)).toEqual([...Array(30).keys()].map((i) => `Test Person ${String(i).padStart(2, '0')}`));
    const pages = [];
    for (const offset of [0, 10, 20]) pages.push(await search('test', { limit: 10, offset }));
    expect(pages.map((p) => p.hasMore)).toEqual([true, true, false]);
    expect(pages.flatMap((p) => p.items.map((u) => u.id))).toEqual(all.items.map((u) => u.id));
    expect((await search('test')).items).toHaveLength(20); // default limit
    expect((await search('test', { limit: 1000 })).items).toHaveLength(30); // capped at 100
    expect((await search('test', { limit: 0 })).items).toHaveLength(1);
    expect(await search('test', { offset: 30 })).toEqual({ items: [], hasMore: false, total: 30, totalCapped: false });
    expect((await search('test', { limit: 5 })).total).toBe(30);
  });

  it('uses index range scans only (no table scan, no LIKE)', () => {
    const plans = explainSearch(v.vault.db);
    for (const [name, lines] of Object.entries(plans)) {
      for (const l of lines) {
        expect(l, name).not.toMatch(/^SCAN (users|user_name_words|u|w)$/);
        expect(l, name).not.toMatch(/LIKE/i);
        expect(l, name).not.toMatch(/^SCAN (?!\(subquery)/);
      }
      expect(lines.some((l) => l.startsWith('SEARCH')), name).toBe(true);
    }
    // Only the bounded sorts (at most EMAIL_SORT_CAP / WORD_SORT_CAP rows) may use a temporary b-tree.
    // (and the count, over at most three ranges of COUNT_CAP + 1 rows each).
    for (const name of ['first', 'emailByEmail', 'nameRange', 'firstWord', 'nextWord', 'byWord', 'wordsWalk', 'summary']) {
      expect(plans[name]!.join('\n'), name).not.toMatch(/TEMP B-TREE/);
    }
    expect(plans.byWord).toEqual(['SEARCH user_name_words USING PRIMARY KEY (word=? AND status=?)']);
    expect(plans.nameRange).toEqual(['SEARCH users USING COVERING INDEX users_status_name (status=? AND name_key>? AND name_key<?)']);
  });
});

describe('searchUsers against a brute-force oracle, on every path (sorted, email order, merged, sorted words, walk), with disabled users', () => {
  it('returns exactly what the definition says for many prefixes and pages', async () => {
    const { vault, store, admin } = await fresh();
    const first = ['Kari', 'Ola', 'Åse', 'Bulk', 'Nina'];
    const last = ['Nordmann', 'Nordby', 'Nordby Nordmann', 'Nordmo', 'Nordmann', 'Nordby', 'Nordmo', 'Nordmann', 'Berg', 'Øie'];
    const users: Array<{ email: string; name: string; status?: 'active' | 'disabled' }> = [];
    // Few distinct later words (merged per word); "Nordby Nordmann" matches "nord" twice.
    for (let i = 0; i < EMAIL_SORT_CAP + 1000; i++) {
      const name = `${first[i % 5]} ${i % 3 === 0 ? 'Mid ' : ''}${last[(i * 7 + Math.floor(i / 10)) % 10]}`;
      const email = i < EMAIL_SORT_CAP + 300 ? `bulk${i}@example.no` : `${first[(i * 3) % 5]!.toLowerCase()}.${i}@example.no`;
      users.push({ email, name, ...(i % 7 === 3 ? { status: 'disabled' as const } : {}) });
    }
    // Many distinct later words: fewer rows than the sort cap ("zork"), and more ("walk").
    for (let i = 0; i < 1000; i++) users.push({ email: `z${i}@example.no`, name: `${first[i % 5]} Zork${i % 50}` });
    for (let i = 0; i < WORD_SORT_CAP + 200; i++) users.push({ email: `w${i}@example.no`, name: `${first[(i * 3) % 5]} Walk${i % 40}${i % 7 === 0 ? '-Zorka' : ''}`, ...(i % 11 === 0 ? { status: 'disabled' as const } : {}) });
    // Whole words against prefixes, a local part against its longer emails.
    for (const [email, name] of [['walk3@x.no', 'Walk3 Walk'], ['walk3.b@x.no', 'Ola Walk3'], ['bulk1@x.no', 'Bulk1 Mid-Walk3']] as const) users.push({ email, name });
    // Insert straight through the writer in one transaction (the single-add path audits each row).
    await store.write(async (tx) => {
      for (const u of users) {
        const r = await applyUser(tx, { email: u.email, emailKey: foldKey(u.email), name: u.name, nameKey: foldKey(u.name), phone: null, organization: null, externalId: null, status: u.status ?? null }, 1, { emailKey: null });
        expect(r.kind).toBe('inserted');
      }
    });
    // Both regimes are covered: word prefixes above and below the sort cap, email prefixes too.
    const keyedCount = (q: string) => users.filter((u) => u.email.startsWith(q)).length;
    const tails = (q: string) => vault.db.prepare('SELECT count(*) FROM user_name_words WHERE word >= ? AND word < ?').pluck().get(q, q + '\u{10FFFF}') as number;
    const distinct = (q: string) => vault.db.prepare('SELECT count(DISTINCT word) FROM user_name_words WHERE word >= ? AND word < ?').pluck().get(q, q + '\u{10FFFF}') as number;
    expect(distinct('nord')).toBeLessThanOrEqual(MAX_MERGED_WORDS);
    expect(distinct('zork')).toBeGreaterThan(MAX_MERGED_WORDS);
    expect(tails('zork')).toBeLessThanOrEqual(WORD_SORT_CAP);
    expect(distinct('walk')).toBeGreaterThan(MAX_MERGED_WORDS);
    expect(tails('walk')).toBeGreaterThan(WORD_SORT_CAP);
    expect(keyedCount('bulk')).toBeGreaterThan(EMAIL_SORT_CAP);
    expect(keyedCount('bulk1')).toBeLessThanOrEqual(EMAIL_SORT_CAP);
    const keyed = users.map((u) => ({ email: u.email, ek: foldKey(u.email), nk: foldKey(u.name), disabled: u.status === 'disabled' ? 1 : 0 }));
    type K = (typeof keyed)[0];
    const byName = (a: K, b: K) => compareCodePoints(a.nk, b.nk) || compareCodePoints(a.ek, b.ek);
    // The ranking of DirectoryRead.search, from its definition, over every user.
    const oracle = (query: string): string[] => {
      const q = foldKey(query);
      const words = (nk: string) => [...nk.matchAll(/[^\s\-'’.,()]+/gu)].map((m) => nk.slice(m.index));
      const byNameWord = (u: K) => words(u.nk).some((w) => w.startsWith(q));
      const manyEmails = keyed.filter((u) => u.ek.startsWith(q)).length > EMAIL_SORT_CAP;
      const rank = (u: K) => (u.ek === q || u.ek.startsWith(q + '@') ? 0 : words(u.nk).some((w) => startsWithWholeWord(w, q)) ? 1 : 2);
      // Beyond the cap, users found only by email follow the name matches of their status, by email.
      const emailOnly = (u: K) => (manyEmails && rank(u) === 2 && !byNameWord(u) ? 1 : 0);
      const found = keyed.filter((u) => u.ek.startsWith(q) || byNameWord(u));
      found.sort((a, b) => rank(a) - rank(b) || a.disabled - b.disabled || emailOnly(a) - emailOnly(b) || (emailOnly(a) ? compareCodePoints(a.ek, b.ek) : byName(a, b)));
      return found.map((u) => u.email);
    };
    const queries = ['bulk', 'bulk1', 'bulk12', 'bulk2', 'nord', 'NORDM', 'nordb', 'nordby n', 'mid', 'mid nordmo', 'kari', 'kari mid', 'øie', 'ber', 'nordby', 'nordmann', 'walk3', 'walk', 'zork1', 'zorka'];
    for (const q of [...queries, 'b', 'k', 'n', 'zork', 'zork1', 'walk', 'walk3', 'WALK1', 'zorka', 'w', 'z', 'bulk25@example.no', 'x']) {
      const want = oracle(q);
      for (const [limit, offset] of [[20, 0], [100, 0], [50, 60], [7, 993]] as const) {
        const got = await searchUsers(store, admin, q, { limit, offset });
        expect(got.items.map((u) => u.email), `${q} ${limit}@${offset}`).toEqual(want.slice(offset, offset + limit));
        expect(got.hasMore, `${q} ${limit}@${offset} hasMore`).toBe(want.length > offset + limit);
        expect([got.total, got.totalCapped], `${q} total`).toEqual([Math.min(want.length, COUNT_CAP), want.length > COUNT_CAP]);
      }
    }
    // Beyond the paging window the answer is empty (type more).
    expect((await searchUsers(store, admin, 'bulk', { limit: 20, offset: 990 })).items).toEqual([]);
  });
});
