// Every earlier schema version, with rows in it, migrates to the current one and its rows read
// back through the store. A new migration adds its case here (the first test says so).
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../helpers/vault.ts';
import { migrateAndOpen, vaultAtSchema } from './migrations.ts';
import { SCHEMA_VERSION } from '../../main/store/sqlite/migrations/index.ts';
import { schemaVersion, type Db } from '../../main/store/sqlite/database.ts';
import { indexedNameWords } from '../../main/store/sqlite/name-words.ts';
import { foldKey } from '../../main/core/text.ts';
import type { Store } from '../../main/store/port.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const PEOPLE = [
  { email: 'kari.nordmann@example.no', name: 'Kari Nordmann' },
  { email: 'ola.nordmann@example.no', name: 'Ola Nordmann' },
  { email: 'nora.berg@example.no', name: 'Nora Berg' },
  { email: 'per.lie@example.no', name: 'Per Olav Lie' },
];

/** One case per earlier version: the rows it writes at that version and what must hold after migrating. */
const CASES: Record<number, { seed: (db: Db) => void; check: (store: Store, db: Db) => Promise<void> }> = {
  // 1 → 2 (0002-user-search): the name-word index is rebuilt with copies of the users' keys.
  1: {
    seed(db) {
      const user = db.prepare('INSERT INTO users (email, email_key, name, name_key, phone, organization, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 1)');
      const word = db.prepare('INSERT INTO user_name_words (word, user_id) VALUES (?, ?)');
      for (const p of PEOPLE) {
        const id = Number(user.run(p.email, foldKey(p.email), p.name, foldKey(p.name), '+4791234567', 'Eksempel AS', 'active').lastInsertRowid);
        for (const w of indexedNameWords(foldKey(p.name))) word.run(w, id);
      }
    },
    async check(store, db) {
      const words = db.prepare('SELECT word, name_key, email_key, user_id FROM user_name_words ORDER BY user_id, word').all() as Array<{ word: string; name_key: string; email_key: string; user_id: number }>;
      const expected = PEOPLE.flatMap((p, i) => indexedNameWords(foldKey(p.name)).map((w) => ({ word: w, name_key: foldKey(p.name), email_key: foldKey(p.email), user_id: i + 1 })));
      expect(words).toEqual(expected.sort((a, b) => a.user_id - b.user_id || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0)));
      const kari = await store.read((tx) => tx.users.get(1));
      expect(kari).toMatchObject({ email: 'kari.nordmann@example.no', name: 'Kari Nordmann', phone: '+4791234567', organization: 'Eksempel AS', status: 'active' });
      // A surname prefix finds both Nordmanns by name; a later name word finds Per Olav Lie.
      const nord = await store.read((tx) => tx.directory.search('nord', { limit: 10, offset: 0 }));
      expect(nord.items.map((u) => u.name)).toEqual(['Kari Nordmann', 'Ola Nordmann']);
      const olav = await store.read((tx) => tx.directory.search('olav', { limit: 10, offset: 0 }));
      expect(olav.items.map((u) => u.email)).toEqual(['per.lie@example.no']);
      const nora = await store.read((tx) => tx.directory.search('nor', { limit: 10, offset: 0 }));
      // The email-prefix match ranks before the name-word matches.
      expect(nora.items.map((u) => u.name)).toEqual(['Nora Berg', 'Kari Nordmann', 'Ola Nordmann']);
    },
  },
  // 2 → 3 (0003-operator-user): operators get a link to their own directory user, unlinked at first.
  2: {
    seed(db) {
      db.prepare('INSERT INTO users (email, email_key, name, name_key, phone, organization, status, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, NULL, ?, 1, 1)').run('per.lie@example.no', 'per.lie@example.no', 'Per Lie', 'per lie', 'active');
      db.prepare("INSERT INTO operators (id, name, name_key, display_name, email, email_key, role, status, created_at, updated_at) VALUES ('op1', 'per', 'per', 'Per Lie', 'per.lie@example.no', 'per.lie@example.no', 'agent', 'active', 1, 1)").run();
    },
    async check(store) {
      const op = await store.read((tx) => tx.operators.get('op1'));
      expect(op).toMatchObject({ name: 'per', email: 'per.lie@example.no', role: 'agent', status: 'active', userId: null });
      await store.write((tx) => tx.operators.update('op1', { role: 'agent', displayName: 'Per Lie', email: op!.email, emailKey: op!.emailKey, userId: 1 }, 2));
      expect((await store.read((tx) => tx.operators.get('op1')))!.userId).toBe(1);
    },
  },
};

describe('migrations with data in the vault', () => {
  it('has a case for every earlier schema version', () => {
    const versions = Array.from({ length: SCHEMA_VERSION - 1 }, (_, i) => i + 1);
    expect(Object.keys(CASES).map(Number).sort((a, b) => a - b)).toEqual(versions);
  });

  for (const [from, c] of Object.entries(CASES)) {
    it(`migrates a vault at schema ${from} with rows in it to schema ${SCHEMA_VERSION}`, async () => {
      const t = tempDir('fd-migrate-');
      cleanups.push(t.cleanup);
      const old = vaultAtSchema(join(t.dir, 'vault'), Number(from), c.seed);
      const opened = migrateAndOpen(old);
      cleanups.push(opened.close);
      expect(opened.fromVersion).toBe(Number(from));
      expect(schemaVersion(opened.db)).toBe(SCHEMA_VERSION);
      expect(opened.problems).toEqual([]);
      await c.check(opened.store, opened.db);
    });
  }
});
