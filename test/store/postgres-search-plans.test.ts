// The PostgreSQL directory search reads index ranges only: no statement of a keystroke scans the
// users or their name words whole, in any of its forms (word lists merged or read whole, email
// matches listed by name or after, the email's own users filling the window). Checked on the
// generic plans the search runs on, over enough users that a scan is the planner's choice only
// when nothing else can answer (as when a page's users were picked with an OR of a subquery).
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../main/core/clock.ts';
import { foldKey } from '../../main/core/text.ts';
import { openPostgresStore, type PostgresStore } from '../../main/store/postgres/pg-store.ts';
import { searchDirectory } from '../../main/store/postgres/user-search.ts';
import type { PgTxState } from '../../main/store/postgres/tx-state.ts';
import { EMAIL_SORT_CAP } from '../../main/store/repos/directory.ts';
import { createTestDatabase, TEST_VALUE_KEY } from '../helpers/postgres.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let store: PostgresStore;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  store = await openPostgresStore({ connectionString: db.url, clock: new ManualClock(), ...TEST_VALUE_KEY });
  // Users for each form of RANKED: name words under every first letter (more than a merged
  // list takes), later words shared by many ("ola", "qq": their whole-word lists are read
  // whole), more email matches of "a", "qq" and "zz" than are listed by name, and one local
  // part shared by more users than a page ("dup": its own users fill the window).
  let seed = 11;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), Math.floor((seed / 2 ** 31) * n));
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const word = () => letters[rnd(6)]! + Array.from({ length: 2 + rnd(4) }, () => letters[rnd(26)]).join('');
  const block = (i: number) => (i < 40 ? null : i < 2200 ? 'a' : i < 4300 ? 'qq' : i < 6400 ? 'zz' : word());
  await store.write(async (tx) => {
    for (let i = 0; i < 8500; i++) {
      const name = i % 10 === 1 ? `${word()} ola ${word()}` : i % 10 === 2 ? `${word()} qq ${word()}` : Array.from({ length: 1 + rnd(3) }, word).join(i % 3 ? ' ' : '-');
      const email = block(i) === null ? `dup@d${i}.example.no` : `${block(i)}${i}@example.no`;
      await tx.users.insert({ externalId: null, email, emailKey: foldKey(email), name, nameKey: foldKey(name), phone: null, organization: null, status: i % 7 ? 'active' : 'disabled' }, 1);
    }
  });
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query('ANALYZE');
}, 120_000);
afterAll(async () => {
  await client?.end();
  await store?.close();
  await db?.drop();
});

it('every statement of a keystroke, in each of its forms, reads users and name words by index ranges only, and each range of the count once', async () => {
  // The search's statements as it sends them (each text with the parameters of its first use).
  const sent = new Map<string, unknown[]>();
  const s = {
    simple: async () => {},
    preparedRows: async (sql: string, params: unknown[]) => {
      if (!sent.has(sql)) sent.set(sql, params);
      return (await client.query({ text: sql, values: params })).rows;
    },
  } as unknown as PgTxState;
  // a: prefix words read whole, emails after; qq: both word lists read whole, emails after;
  // ola: both read whole, emails by name; b: prefix words read whole; zz: emails after; abc,
  // bcd: everything merged; dup: the email's own users fill the window.
  for (const q of ['a', 'qq', 'ola', 'b', 'zz', 'abc', 'bcd', 'dup', 'a1', 'qq 1', 'x'])
    for (const page of [
      { limit: 20, offset: 0 },
      { limit: 7, offset: 13 },
    ])
      await searchDirectory(s, q, page.limit, page.offset);
  // PLAN, the email's own users with their count, and the six forms of RANKED.
  expect(sent.size).toBe(8);
  await client.query('SET plan_cache_mode = force_generic_plan');
  const literal = (v: unknown): string => (Array.isArray(v) ? client.escapeLiteral(`{${v.map((x) => JSON.stringify(String(x))).join(',')}}`) : client.escapeLiteral(String(v)));
  const scans: string[] = [];
  const reads: Array<[string, number]> = [];
  let i = 0;
  for (const [sql, params] of sent) {
    const name = `plan_${i++}`;
    await client.query(`PREPARE ${name} AS ${sql}`);
    const plan = (await client.query(`EXPLAIN EXECUTE ${name}(${params.map(literal).join(', ')})`)).rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
    for (const line of plan.split('\n')) if (/Seq Scan on (users|user_name_words)\b/.test(line)) scans.push(`${sql.slice(0, 60)}…: ${line.trim()}`);
    // The capped count reads each of its ranges once (users_email_key, users_name_key: only it reads them after PLAN).
    if (!sql.startsWith('WITH RECURSIVE')) for (const index of ['users_email_key', 'users_name_key']) reads.push([`${sql.slice(0, 30)}… ${index}`, plan.split(`using ${index} `).length - 1]);
  }
  expect(scans).toEqual([]);
  expect(reads.filter(([, n]) => n !== 1)).toEqual([]);
}, 60_000);
