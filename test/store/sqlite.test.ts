// Runs the store conformance suite against the vault folder's SQLite adapter.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../main/core/clock.ts';
import { createSqliteStoreForTest } from './sqlite-open.ts';
import { foldKey, identityKey } from '../../main/core/text.ts';
import { indexedNameWords } from '../../main/store/sqlite/name-words.ts';
import { countSinceSql } from '../../main/store/sqlite/audit-rows.ts';
import { storeConformance, type RaceOp, type SeedUser, type StoreUnderTest } from './conformance.ts';

const RACE_FIXTURE = fileURLToPath(new URL('../fixtures/store-race.ts', import.meta.url));

/** Starts `n` processes on the same vault, releases them together, collects their answers. */
async function race(dir: string, key: Buffer, vaultId: string, n: number, op: RaceOp): Promise<unknown[]> {
  const racers = Array.from({ length: n }, () => {
    const child = spawn(process.execPath, ['--no-warnings', RACE_FIXTURE, dir, JSON.stringify(op)], {
      env: { ...process.env, FD_STORE_KEY: key.toString('hex'), FD_STORE_ID: vaultId },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (err += d));
    const ready = new Promise<void>((resolve) => child.stdout.on('data', (d: string) => ((out += d), out.startsWith('ready\n') && resolve())));
    const done = new Promise<unknown>((resolve, reject) =>
      child.on('exit', (code) => {
        const lines = out.trim().split('\n');
        if (code !== 0 || lines.length < 2) reject(new Error(`racer exited ${code}: ${out} ${err}`));
        else resolve(JSON.parse(lines[1]!));
      }),
    );
    return { child, ready, done };
  });
  await Promise.all(racers.map((r) => Promise.race([r.ready, r.done])));
  for (const r of racers) r.child.stdin.write('go\n');
  return Promise.all(racers.map((r) => r.done));
}

storeConformance('sqlite vault folder', {
  async create(): Promise<StoreUnderTest> {
    const tmp = mkdtempSync(join(tmpdir(), 'fd-store-'));
    const clock = new ManualClock();
    const v = createSqliteStoreForTest(join(tmp, 'vault'), clock);
    const { store, key } = v;
    return {
      store,
      clock,
      async seedUsers(users: SeedUser[]) {
        // Test-side seeding with the adapter's own SQL (the user service is tested elsewhere).
        const db = v.vault.db;
        const ins = db.prepare('INSERT INTO users (email, email_identity, email_key, name, name_key, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, 1) RETURNING id').pluck();
        const word = db.prepare('INSERT OR IGNORE INTO user_name_words (word, user_id, name_key, email_key, status) VALUES (?, ?, ?, ?, ?)');
        return db.transaction(() =>
          users.map((u) => {
            const id = ins.get(u.email, identityKey(u.email), foldKey(u.email), u.name, foldKey(u.name), u.status ?? 'active') as number;
            for (const w of indexedNameWords(foldKey(u.name))) word.run(w, id, foldKey(u.name), foldKey(u.email), u.status ?? 'active');
            return id;
          }),
        )();
      },
      race: (n, op) => race(join(tmp, 'vault'), key, v.vaultId, n, op),
      async swapSecrets(a, b) {
        const db = v.vault.db;
        const get = db.prepare('SELECT secret FROM authenticators WHERE id = ?').pluck();
        const set = db.prepare('UPDATE authenticators SET secret = ? WHERE id = ?');
        db.transaction(() => {
          const [sa, sb] = [get.get(a), get.get(b)];
          set.run(sb, a);
          set.run(sa, b);
        })();
      },
      async close() {
        key.fill(0);
        v.close();
        rmSync(tmp, { recursive: true, force: true });
      },
    };
  },
});

describe('vault folder store: reads of one statement (ReadOptions.single)', () => {
  it('run at once between transactions, queue behind one that is open (never see its rows), and end at their first await', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'fd-store-'));
    const v = createSqliteStoreForTest(join(tmp, 'vault'), new ManualClock());
    try {
      const { store } = v;
      await store.write((tx) => tx.meta.set('k', 'committed'));
      expect(await store.read((tx) => tx.meta.get('k'), { single: true })).toBe('committed');
      // A write whose transaction stays open across a timer: the single read waits for it and
      // reads what it committed, never its rows before COMMIT.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const write = store.write(async (tx) => {
        await tx.meta.set('k', 'uncommitted');
        await gate;
        await tx.meta.set('k', 'final');
      });
      await new Promise((r) => setTimeout(r, 10));
      expect(v.vault.db.inTransaction).toBe(true);
      const read = store.read((tx) => tx.meta.get('k'), { single: true });
      release();
      await write;
      expect(await read).toBe('final');
      // A statement after the callback's first await is refused, not run outside any transaction.
      await expect(
        store.read(
          async (tx) => {
            await Promise.resolve();
            return tx.meta.get('k');
          },
          { single: true },
        ),
      ).rejects.toThrow(/transaction has ended/);
    } finally {
      v.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('vault folder store: the velocity count', () => {
  it("reads an operator's events since a time by the operator-and-time index, not every event of that operator", () => {
    const tmp = mkdtempSync(join(tmpdir(), 'fd-store-'));
    const v = createSqliteStoreForTest(join(tmp, 'vault'), new ManualClock());
    try {
      const plan = v.vault.db.prepare(`EXPLAIN QUERY PLAN ${countSinceSql(2)}`).all('anne', 'ok', 0, 'user.reenroll', 'codes.backup') as Array<{ detail: string }>;
      expect(plan.map((r) => r.detail).join('\n')).toMatch(/USING INDEX audit_operator_at \(operator=\? AND at>\?\)/);
    } finally {
      v.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
