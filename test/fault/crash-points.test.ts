// Fault suite: SIGKILL a child process running the real services at deterministic points
// (named crash points, or a seeded delay where the service has none), then check what the next
// start finds: the vault opens, its integrity check passes, every action is whole or absent, and
// the audit chain verifies against its anchor (which may lag behind the chain, never lead it).
// The rekey crash points are covered in test/integration/vault-maintenance.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeVault, ADMIN, AGENT } from '../helpers/vault.ts';
import { inspectVault, insertUsers, runFixtureSync, seeded, startFixture } from '../helpers/suites.ts';
import { signIn } from '../../main/store/sqlite/unlock.ts';
import { verifyAuditRows as verifyAuditChain } from '../../main/store/sqlite/audit-rows.ts';
import { foldKey } from '../../main/core/text.ts';
import { indexedNameWords } from '../../main/store/sqlite/name-words.ts';
import { backupVault, checkVaultIntegrity } from '../../main/core/vault-maintenance.ts';
import { updateSettings } from '../../main/core/settings.ts';
import { storeOf } from '../../main/store/sqlite/sqlite-store.ts';
import { fileRef, vaultAdminOf } from '../../main/store/sqlite/vault-admin.ts';
import { readBackup } from '../../main/store/sqlite/backup.ts';

const IMPORT_MODULE = fileURLToPath(new URL('../../main/core/import-users.ts', import.meta.url));
const hasImport = existsSync(IMPORT_MODULE);

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A closed vault with an admin and an agent, and the key the test uses to look inside after a crash. */
async function closedVault(users = 0) {
  const v = await makeVault({ withAgent: true });
  cleanups.push(v.cleanup);
  // The fixtures loop factor changes until they are killed: the velocity limits are not tested here.
  await updateSettings(v.store, v.admin, { velocityPerHour: 10_000, velocityPerDay: 100_000 });
  if (users > 0) insertUsers(v.vault.db, users);
  const key = v.vault.keyForWorker();
  v.vault.close();
  return { ...v, key };
}

/** The checks every crash leaves to the next start: opens, intact, chain ok, anchor never ahead. */
function expectHealthy(dir: string, key: Buffer) {
  const ins = inspectVault(dir, key);
  expect(ins.integrity, 'integrity check').toEqual([]);
  expect(ins.chain.firstBroken, ins.chain.problem ?? '').toBeNull();
  // 'ok' includes a lagging anchor (count ≤ chain); 'ahead' would mean acknowledged events were lost.
  expect(ins.chain.anchor).toBe('ok');
  expect(ins.anchorCount).not.toBeNull();
  expect(ins.anchorCount!).toBeLessThanOrEqual(ins.chain.count);
  return ins;
}

/** The app itself opens it too (sign-in, on-demand integrity check, chain with anchor). */
async function expectSignsIn(dir: string) {
  const s = await signIn({ dir }, ADMIN.name, ADMIN.password);
  try {
    expect((await checkVaultIntegrity(storeOf(s.vault), vaultAdminOf(s.vault), s.session))).toEqual({ ok: true, problems: [] });
    expect(verifyAuditChain(s.vault.db, s.vault.anchor())).toMatchObject({ ok: true, anchor: 'ok' });
  } finally {
    s.vault.close();
  }
}

describe.skipIf(!hasImport)('SIGKILL inside a 100k-row import', () => {
  const ROWS = 100_000;
  const BATCH = 5_000;

  function writeCsv(path: string): void {
    const lines = ['email,name,phone,organization,external_id,status'];
    for (let i = 0; i < ROWS; i++) lines.push(`import${String(i).padStart(6, '0')}@import.example.no,Importert Bruker ${i},+47 9${String(i).padStart(7, '0')},Import AS,IMP-${i},active`);
    writeFileSync(path, lines.join('\n') + '\n');
  }

  for (const [point, committedBatches] of [
    ['import:batch-committed@3', 3],
    ['import:mid-batch@2', 1],
  ] as const) {
    it(`at ${point}: whole batches only (${committedBatches}), each with its words, chain and anchor ok`, { timeout: 60_000 }, async () => {
      const v = await closedVault();
      const csv = join(v.dir, 'users.csv');
      writeCsv(csv);
      const r = runFixtureSync('fault-import.ts', [v.vaultDir, ADMIN.name, csv, String(BATCH)], { FD_PASSWORD: ADMIN.password, FACTORDESK_CRASH_AT: point });
      expect(r.stdout, r.stderr).toContain('signed-in');
      expect(r.signal, `the child should have been killed at ${point}: ${r.stderr.slice(-400)}`).toBe('SIGKILL');

      const ins = expectHealthy(v.vaultDir, v.key);
      try {
        const users = (ins.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
        expect(users % BATCH, `users = ${users}: not a whole number of batches`).toBe(0);
        expect(users).toBe(committedBatches * BATCH);
        // The users that are there are the first rows of the file, complete, with their search words.
        const rows = ins.db.prepare('SELECT id, email_key, name_key, external_id FROM users ORDER BY id').all() as Array<{ id: number; email_key: string; name_key: string; external_id: string }>;
        rows.forEach((u, i) => {
          expect(u.email_key).toBe(foldKey(`import${String(i).padStart(6, '0')}@import.example.no`));
          expect(u.external_id).toBe(`IMP-${i}`);
        });
        const words = (ins.db.prepare('SELECT count(*) AS n FROM user_name_words').get() as { n: number }).n;
        expect(words).toBe(rows.reduce((n, u) => n + indexedNameWords(u.name_key).length, 0));
        // Every committed batch carries its own audit event, and together they cover exactly the
        // committed users (file lines 2 … users + 1); the killed import has no summary yet.
        const batches = (ins.db.prepare("SELECT details FROM audit_events WHERE action = 'user.import.batch' ORDER BY seq").pluck().all() as string[]).map(
          (d) => JSON.parse(d) as { fromLine: number; toLine: number; rows: number; inserted: number },
        );
        expect(batches).toHaveLength(committedBatches);
        batches.forEach((b, i) => expect(b).toMatchObject({ fromLine: 2 + i * BATCH, toLine: 1 + (i + 1) * BATCH, rows: BATCH, inserted: BATCH }));
        expect(batches.reduce((n, b) => n + b.inserted, 0)).toBe(users);
        expect(ins.db.prepare("SELECT count(*) FROM audit_events WHERE action = 'user.import'").pluck().get()).toBe(0);
      } finally {
        ins.close();
      }
      await expectSignsIn(v.vaultDir);
      if (point.startsWith('import:batch-committed')) {
        // Running the same import again finishes it: the committed rows are unchanged, the rest inserted once.
        const again = runFixtureSync('fault-import.ts', [v.vaultDir, ADMIN.name, csv, String(BATCH)], { FD_PASSWORD: ADMIN.password });
        expect(again.status, again.stderr).toBe(0);
        const report = (JSON.parse(again.stdout.trim().split('\n').pop()!) as { report: { rows: number; inserted: number; unchanged: number; rejected: unknown[] } }).report;
        expect(report).toMatchObject({ rows: ROWS, inserted: ROWS - committedBatches * BATCH, unchanged: committedBatches * BATCH, rejected: [] });
        const ins = expectHealthy(v.vaultDir, v.key);
        expect(ins.db.prepare('SELECT count(*) FROM users').pluck().get()).toBe(ROWS);
        ins.close();
      }
    });
  }
});

describe('SIGKILL during re-enrollments', () => {
  const USERS = 40;

  /** Every enrollment is whole: at most one live authenticator per user, each with its event and notification. */
  function expectWholeEnrollments(dir: string, key: Buffer, minReenrollments: number) {
    const ins = expectHealthy(dir, key);
    try {
      const db = ins.db;
      const live = db.prepare("SELECT user_id, count(*) AS n FROM authenticators WHERE status IN ('pending', 'active') GROUP BY user_id HAVING n > 1").all();
      expect(live, 'users with more than one live authenticator').toEqual([]);
      const events = db.prepare("SELECT details FROM audit_events WHERE action = 'enrollment.reenroll'").all() as Array<{ details: string }>;
      const evIds = new Set(events.map((e) => (JSON.parse(e.details) as { enrollmentId: number }).enrollmentId));
      expect(events.length).toBeGreaterThanOrEqual(minReenrollments);
      const auths = db.prepare('SELECT id, status, secret FROM authenticators').all() as Array<{ id: number; status: string; secret: Buffer }>;
      // Whole or absent: every authenticator row has its audit event and vice versa.
      expect(auths.length).toBe(events.length);
      for (const a of auths) {
        expect(evIds.has(a.id), `authenticator ${a.id} has no enrollment.reenroll event`).toBe(true);
        if (a.status === 'pending') expect(a.secret.some((b) => b !== 0)).toBe(true);
        else expect(a.secret.every((b) => b === 0), `ended authenticator ${a.id} still holds its secret`).toBe(true);
      }
      const notes = (db.prepare("SELECT count(*) AS n FROM outbox WHERE kind = 'reenrollment'").get() as { n: number }).n;
      expect(notes).toBe(events.length);
      // Backup code sets issued with a re-enrollment are whole (10 codes), at most one active per user.
      expect(db.prepare('SELECT s.id FROM backup_code_sets s WHERE (SELECT count(*) FROM backup_codes c WHERE c.set_id = s.id) != s.total').all()).toEqual([]);
      expect(db.prepare("SELECT user_id FROM backup_code_sets WHERE status = 'active' GROUP BY user_id HAVING count(*) > 1").all()).toEqual([]);
      expect(db.prepare("SELECT user_id FROM one_time_codes WHERE status = 'active' GROUP BY user_id HAVING count(*) > 1").all()).toEqual([]);
      const otc = (db.prepare('SELECT count(*) AS n FROM one_time_codes').get() as { n: number }).n;
      expect(otc).toBe((db.prepare("SELECT count(*) AS n FROM audit_events WHERE action = 'code.issue-one-time'").get() as { n: number }).n);
      return { reenrollments: events.length, anchorCount: ins.anchorCount!, chainCount: ins.chain.count };
    } finally {
      ins.close();
    }
  }

  for (const seed of [5, 1905]) {
    it(`killed at a seeded moment (seed ${seed}) while looping re-enrollments: every enrollment whole`, { timeout: 30_000 }, async () => {
      const v = await closedVault(USERS);
      const child = startFixture('fault-reenroll.ts', [v.vaultDir, AGENT.name, '1', String(USERS)], { FD_PASSWORD: AGENT.password });
      await child.waitFor('ready\n');
      await child.waitFor('+5\n'); // the loop is running
      const delay = 100 + Math.floor(seeded(seed)() * 600);
      await new Promise((r) => setTimeout(r, delay));
      child.child.kill('SIGKILL');
      const exit = await child.exit;
      expect(exit.signal).toBe('SIGKILL');
      const acknowledged = Math.max(...exit.stdout.split('\n').filter((l) => l.startsWith('+')).map((l) => Number(l.slice(1))));
      // Every re-enrollment the child reported as done is there (a later one may be too: killed before printing).
      const r = expectWholeEnrollments(v.vaultDir, v.key, acknowledged);
      expect(r.reenrollments).toBeLessThanOrEqual(acknowledged + 1);
      await expectSignsIn(v.vaultDir);
    });
  }

  it('killed at the named crash point inside a re-enrollment transaction (reenroll:mid-transaction@3): that one is absent, the others whole', { timeout: 30_000 }, async () => {
    const v = await closedVault(USERS);
    const r = runFixtureSync('fault-reenroll.ts', [v.vaultDir, AGENT.name, '1', String(USERS)], { FD_PASSWORD: AGENT.password, FACTORDESK_CRASH_AT: 'reenroll:mid-transaction@3' });
    expect(r.signal, r.stderr).toBe('SIGKILL');
    const acknowledged = r.stdout.split('\n').filter((l) => l.startsWith('+')).length;
    expect(acknowledged).toBe(2);
    const whole = expectWholeEnrollments(v.vaultDir, v.key, acknowledged);
    expect(whole.reenrollments).toBe(2); // the third, killed mid-transaction, left nothing
    expect(whole.anchorCount).toBeLessThanOrEqual(whole.chainCount);
    await expectSignsIn(v.vaultDir);
  });

  it('killed between a committed re-enrollment and its anchor refresh (atomic-write:before-rename): the anchor lags, never leads', { timeout: 30_000 }, async () => {
    const v = await closedVault(USERS);
    // Atomic writes in the child: 1 the attempt counted in the journal, 2 withdrawn again, 3 the
    // journal sealed, 4 sign-in anchor, then one anchor per action: 5 one-time code,
    // 6 re-enrollment, 7 re-enrollment, 8 re-enrollment (the third), 9 one-time code…
    const r = runFixtureSync('fault-reenroll.ts', [v.vaultDir, AGENT.name, '1', String(USERS)], { FD_PASSWORD: AGENT.password, FACTORDESK_CRASH_AT: 'atomic-write:before-rename@8' });
    expect(r.signal, r.stderr).toBe('SIGKILL');
    const dirFiles = readdirSync(v.vaultDir);
    // The temp file of the interrupted slot-file write may be left behind, but keyslots.json is whole.
    expect(() => JSON.parse(readFileSync(join(v.vaultDir, 'keyslots.json'), 'utf8'))).not.toThrow();
    const whole = expectWholeEnrollments(v.vaultDir, v.key, 3);
    expect(whole.anchorCount).toBeLessThan(whole.chainCount);
    expect(dirFiles.filter((f) => f.endsWith('.tmp')).every((f) => f.startsWith('.keyslots.json.'))).toBe(true);
    await expectSignsIn(v.vaultDir);
  });
});

describe('SIGKILL during a backup', () => {
  for (const point of ['backup:after-vacuum', 'backup:before-rename']) {
    it(`at ${point}: no backup file at the destination, no plain copy left, the vault opens, a new backup works`, { timeout: 30_000 }, async () => {
      const v = await closedVault(2_000);
      const dest = join(v.dir, 'backups', 'nightly.fdbackup');
      mkdirSync(join(v.dir, 'backups'));
      const r = runFixtureSync('vault-op.ts', [v.vaultDir, ADMIN.name, ADMIN.password, 'backup', dest], { FACTORDESK_CRASH_AT: point });
      expect(r.signal, r.stderr).toBe('SIGKILL');
      expect(existsSync(dest), 'a half-written backup at the destination').toBe(false);
      // What a crash leaves in the backup folder (temp copy, partial container) is never plaintext.
      for (const f of readdirSync(join(v.dir, 'backups'))) {
        const bytes = readFileSync(join(v.dir, 'backups', f));
        expect(bytes.includes(Buffer.from('SQLite format 3')), `${f} holds a plain database`).toBe(false);
        expect(bytes.includes(Buffer.from('bulk.example.no')), `${f} holds plaintext user data`).toBe(false);
        expect(f).not.toBe('nightly.fdbackup');
      }
      expectHealthy(v.vaultDir, v.key).close();
      const s = await signIn({ dir: v.vaultDir }, ADMIN.name, ADMIN.password);
      try {
        expect((await checkVaultIntegrity(storeOf(s.vault), vaultAdminOf(s.vault), s.session)).ok).toBe(true);
        await backupVault(storeOf(s.vault), vaultAdminOf(s.vault), s.session, fileRef(dest));
        expect(readBackup(dest).header.vaultId).toBe(s.vault.vaultId);
      } finally {
        s.vault.close();
      }
    });
  }
});
