// Fault suite: damaged, missing and lost files, and a full disk. Each gives a clear error code,
// nothing is overwritten or half-written, and the original comes back from the last backup.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeVault, ADMIN } from '../helpers/vault.ts';
import { CTX, codeOf, inspectVault, insertUser, insertUsers, makeSuiteApp, mountTmpfs, startFixture, unmountTmpfs, vaultFingerprint, type SuiteApp } from '../helpers/suites.ts';
import { signIn } from '../../main/store/sqlite/unlock.ts';
import { verifyAuditRows as verifyAuditChain } from '../../main/store/sqlite/audit-rows.ts';
import { toFactorDeskError } from '../../main/core/errors.ts';
import { verifyCode } from '../../main/core/verify.ts';
import { readSlotFile } from '../../main/store/sqlite/key-slots.ts';
import { backupVault, checkVaultIntegrity } from '../../main/core/vault-maintenance.ts';
import { storeOf } from '../../main/store/sqlite/sqlite-store.ts';
import { fileRef, vaultAdminOf } from '../../main/store/sqlite/vault-admin.ts';
import { restoreBackup } from '../../main/store/sqlite/backup.ts';

// The app's own file writes go through node:fs; where no small filesystem can be mounted, a
// write under `fullPrefix` fails with ENOSPC instead (pass-through otherwise). SQLite's own
// writes cannot be failed this way: the "vault disk full" case then needs the tmpfs.
const fsFault = vi.hoisted(() => ({ fullPrefix: null as string | null, fds: new Map<number, string>() }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const isFull = (p: unknown) => fsFault.fullPrefix !== null && typeof p === 'string' && p.startsWith(fsFault.fullPrefix);
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  const openSync = ((p: string, ...rest: unknown[]) => {
    const fd = (real.openSync as (...a: unknown[]) => number)(p, ...rest);
    fsFault.fds.set(fd, String(p));
    return fd;
  }) as typeof real.openSync;
  const closeSync = ((fd: number) => {
    fsFault.fds.delete(fd);
    real.closeSync(fd);
  }) as typeof real.closeSync;
  const writeSync = ((fd: number, ...rest: unknown[]) => {
    if (isFull(fsFault.fds.get(fd))) throw enospc();
    return (real.writeSync as (...a: unknown[]) => number)(fd, ...rest);
  }) as typeof real.writeSync;
  const writeFileSync = ((p: unknown, ...rest: unknown[]) => {
    if (isFull(p)) throw enospc();
    return (real.writeFileSync as (...a: unknown[]) => void)(p, ...rest);
  }) as typeof real.writeFileSync;
  const mod = { ...real, openSync, closeSync, writeSync, writeFileSync };
  return { ...mod, default: mod };
});

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const listing = (dir: string) => readdirSync(dir).sort();

const cleanups: Array<() => void> = [];
afterEach(() => {
  fsFault.fullPrefix = null;
  while (cleanups.length) cleanups.pop()!();
});

/** A vault with some thousands of users, closed (checkpointed), with a backup made before any damage. */
async function vaultWithBackup(users = 5_000) {
  const v = await makeVault({ withAgent: true });
  cleanups.push(v.cleanup);
  insertUsers(v.vault.db, users);
  const backup = join(v.dir, 'last.fdbackup');
  await backupVault(storeOf(v.vault), vaultAdminOf(v.vault), v.admin, fileRef(backup));
  const key = v.vault.keyForWorker();
  v.vault.close();
  const db = join(v.vaultDir, 'vault.db');
  return { ...v, backup, key, db, slots: join(v.vaultDir, 'keyslots.json') };
}

/** Restores the last backup over a damaged folder and proves the original is back. */
async function restoreAndCheck(v: Awaited<ReturnType<typeof vaultWithBackup>>, users: number) {
  const before = listing(v.vaultDir);
  await restoreBackup({ dir: v.vaultDir }, v.backup, { name: ADMIN.name, password: ADMIN.password }, v.clock.now());
  // The damaged files were kept aside, never deleted.
  for (const f of before.filter((f) => ['vault.db', 'keyslots.json'].includes(f))) expect(listing(v.vaultDir).some((g) => g.startsWith(`${f}.before-restore-`)), f).toBe(true);
  const s = await signIn({ dir: v.vaultDir, clock: v.clock }, ADMIN.name, ADMIN.password);
  try {
    expect(await checkVaultIntegrity(storeOf(s.vault), vaultAdminOf(s.vault), s.session)).toEqual({ ok: true, problems: [] });
    expect((s.vault.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n).toBe(users);
    expect(verifyAuditChain(s.vault.db, s.vault.anchor())).toMatchObject({ ok: true });
  } finally {
    s.vault.close();
  }
}

describe('damaged vault file', () => {
  it('a truncated vault file: VAULT_DAMAGED at sign-in (also at a page boundary), the file untouched, recoverable from the backup', async () => {
    const v = await vaultWithBackup();
    const size = statSync(v.db).size;
    for (const cut of [size - 100, Math.floor(size / 4096 / 2) * 4096]) {
      truncateSync(v.db, cut);
      const hash = sha(v.db);
      const files = listing(v.vaultDir);
      const app = makeSuiteApp({ dir: v.vaultDir, clock: v.clock });
      cleanups.push(app.cleanup);
      const r = await app.signIn(ADMIN);
      expect(codeOf(r), `cut at ${cut}`).toBe('VAULT_DAMAGED');
      expect(r.ok ? '' : r.error.message).toMatch(/backup/i);
      expect(sha(v.db)).toBe(hash); // never "repaired", replaced or recreated
      expect(statSync(v.db).size).toBe(cut);
      expect(listing(v.vaultDir)).toEqual(files);
      // The start screen still answers, and first run refuses to create over it.
      expect((await app.call('app:status', {})).ok).toBe(true);
      expect(codeOf(await app.call('session:first-run', { name: 'eve', displayName: 'Eve', password: 'a long enough new password 1' }))).toBe('VAULT_EXISTS');
      expect(sha(v.db)).toBe(hash);
    }
    await restoreAndCheck(v, 5_000);
  });

  it('a flipped byte in a data page in the middle: found when that page is read and by the integrity check, recoverable from the backup', async () => {
    const v = await vaultWithBackup();
    const bytes = readFileSync(v.db);
    const pages = bytes.length / 4096;
    expect(pages).toBeGreaterThan(100);
    const page = Math.floor(pages / 2); // 0-based: SQLite's page page+1, far from page 1
    bytes[page * 4096 + 1000]! ^= 0x5a;
    writeFileSync(v.db, bytes);

    // Opening reads page 1 and the schema, not necessarily the damaged page.
    const app = makeSuiteApp({ dir: v.vaultDir, clock: v.clock });
    cleanups.push(app.cleanup);
    const r = await app.signIn(ADMIN);
    if (r.ok) {
      // Reading every b-tree (each table, and each index through a scan that uses it) reads every
      // page: the damaged page's HMAC fails on one of them.
      const scans: string[] = [];
      try {
        const objs = app.db().prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%'").all() as Array<{ type: string; name: string; tbl_name: string; sql: string | null }>;
        for (const o of objs) {
          if (o.type === 'table') scans.push(`SELECT * FROM "${o.name}"`);
          else {
            const cols = (app.db().prepare(`PRAGMA index_info("${o.name}")`).all() as Array<{ name: string | null }>).map((c) => c.name).filter((c): c is string => !!c);
            // A partial index is used only by a query with its WHERE clause.
            const where = /\)\s+WHERE\s+(.+)$/is.exec(o.sql ?? '')?.[1];
            if (cols.length) scans.push(`SELECT ${cols.map((c) => `"${c}"`).join(', ')} FROM "${o.tbl_name}" INDEXED BY "${o.name}"${where ? ` WHERE ${where}` : ''} ORDER BY ${cols.map((c) => `"${c}"`).join(', ')}`);
          }
        }
      } catch {
        scans.push('SELECT * FROM users');
      }
      const errors: unknown[] = [];
      for (const sql of scans) {
        try {
          app.db().prepare(sql).all();
        } catch (err) {
          errors.push(err);
        }
      }
      // A page no b-tree uses (a free page) is read by no query; the integrity check below still finds it.
      for (const err of errors) expect(toFactorDeskError(err).code).toBe('VAULT_DAMAGED');
      const check = await checkVaultIntegrity(storeOf(app.controller.vaultOrNull!), vaultAdminOf(app.controller.vaultOrNull!), app.controller.session!);
      expect(check.ok).toBe(false);
      // SQLite names the page, or (when the damaged page is one its own walk needs, as a leaf of a
      // WITHOUT ROWID b-tree) stops with "malformed": which one depends on where the middle page falls.
      expect(check.problems.join('\n')).toMatch(/page|malformed/);
      // The same check on demand through the app (a worker thread with its own connection).
      const job = await app.call('vault:integrity', {});
      expect(job).toMatchObject({ ok: true, value: { ok: false } });
      expect(job.value.problems.length).toBeGreaterThan(0);
      app.close();
    } else {
      expect(codeOf(r)).toBe('VAULT_DAMAGED');
    }
    await restoreAndCheck(v, 5_000);
  });
});

describe('missing or corrupt key-slot file', () => {
  const corruptions: Array<[string, (text: string) => string | null]> = [
    ['missing', () => null],
    ['empty', () => ''],
    ['cut in half', (t) => t.slice(0, Math.floor(t.length / 2))],
    ['not JSON', () => '\u0000\u0001garbage'],
    ['JSON of another shape', () => JSON.stringify({ format: 'factordesk.keyslots', version: 1, slots: 'none' })],
    ['a flipped character in a wrapped key', (t) => t.replace(/"ct": "([A-Za-z0-9+/])/, (_m, c: string) => `"ct": "${c === 'A' ? 'B' : 'A'}`)],
  ];
  for (const [what, damage] of corruptions) {
    it(`${what}: a clear error (SLOTS_INVALID / SIGNIN_FAILED), nothing overwritten, first run refused, recoverable from the backup`, async () => {
      const v = await vaultWithBackup(1_000);
      const original = readFileSync(v.slots, 'utf8');
      const damaged = damage(original);
      if (damaged === null) unlinkSync(v.slots);
      else writeFileSync(v.slots, damaged);
      const dbHash = sha(v.db);
      const slotHash = damaged === null ? null : sha(v.slots);
      const app = makeSuiteApp({ dir: v.vaultDir, clock: v.clock });
      cleanups.push(app.cleanup);
      const r = await app.signIn(ADMIN);
      // A wrapped key that no longer opens is indistinguishable from a wrong password (one code on purpose).
      expect(codeOf(r)).toBe(what.startsWith('a flipped') ? 'SIGNIN_FAILED' : 'SLOTS_INVALID');
      expect(codeOf(await app.call('session:first-run', { name: 'eve', displayName: 'Eve', password: 'a long enough new password 1' }))).toBe('VAULT_EXISTS');
      expect(codeOf(await app.call('session:recover', { recoveryKey: v.recoveryKey, name: ADMIN.name, password: 'a long enough new password 1' }))).toBe(what.startsWith('a flipped') ? 'OK' : 'SLOTS_INVALID');
      app.close();
      if (!what.startsWith('a flipped')) {
        expect(sha(v.db)).toBe(dbHash);
        if (slotHash === null) expect(existsSync(v.slots)).toBe(false);
        else expect(sha(v.slots)).toBe(slotHash);
        await restoreAndCheck(v, 1_000);
      }
    });
  }
});

describe('a deleted WAL after acknowledged actions', () => {
  it('loses the actions since the last checkpoint; the app notices (anchor ahead) and says so in audit:verify', async () => {
    const v = await makeVault({ withAgent: true });
    cleanups.push(v.cleanup);
    const user = insertUser(v.vault.db, 'kari.nordmann@example.no', 'Kari Nordmann');
    const key = v.vault.keyForWorker();
    v.vault.close(); // checkpointed: vault.db holds everything so far
    const child = startFixture('fault-wal.ts', [v.vaultDir, ADMIN.name, String(user), '6'], { FD_PASSWORD: ADMIN.password });
    const exit = await child.exit;
    expect(exit.signal, exit.stderr).toBe('SIGKILL');
    const ack = JSON.parse(exit.stdout.trim()) as { acknowledged: Array<{ action: string; seq: number }>; head: { count: number }; anchor: { count: number } };
    expect(ack.acknowledged).toHaveLength(6);
    expect(ack.anchor.count).toBe(ack.head.count); // the anchor followed every acknowledged action
    expect(existsSync(join(v.vaultDir, 'vault.db-wal'))).toBe(true);

    unlinkSync(join(v.vaultDir, 'vault.db-wal'));
    if (existsSync(join(v.vaultDir, 'vault.db-shm'))) unlinkSync(join(v.vaultDir, 'vault.db-shm'));

    // What is lost: the sign-in and every acknowledged action since the vault was last closed.
    const ins = inspectVault(v.vaultDir, key);
    try {
      expect(ins.integrity).toEqual([]); // the file itself is consistent
      expect(ins.chain.firstBroken).toBeNull();
      expect(ins.chain.anchor).toBe('ahead');
      expect(ins.chain.ok).toBe(false);
      expect(ins.chain.count).toBeLessThan(ack.acknowledged[0]!.seq);
      expect((ins.db.prepare('SELECT count(*) AS n FROM one_time_codes').get() as { n: number }).n).toBe(0);
      expect((ins.db.prepare('SELECT count(*) AS n FROM backup_code_sets').get() as { n: number }).n).toBe(0);
      expect((ins.db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n).toBe(0);
    } finally {
      ins.close();
    }

    // The app opens the vault and its chain check reports the loss, also after new events.
    const app = makeSuiteApp({ dir: v.vaultDir, clock: v.clock });
    cleanups.push(app.cleanup);
    const signedIn = await app.signIn(ADMIN);
    expect(codeOf(signedIn)).toBe('OK');
    // Noticed at sign-in already: the operator is warned that events were lost.
    expect((signedIn as { ok: true; value: { warnings: string[] } }).value.warnings).toContain('EVENTS_LOST');
    const report = await app.call('audit:verify', {});
    expect(report).toMatchObject({ ok: true, value: { ok: false, anchor: 'ahead', firstBroken: null } });
    // The anchor is not moved back over the evidence.
    expect(app.controller.vaultOrNull!.anchor()!.count).toBe(ack.anchor.count);
    expect(codeOf(await app.call('audit:verify', {}))).toBe('OK');
    expect((await app.call('audit:verify', {})).value.anchor).toBe('ahead');
  });
});

// ---- a full disk ---------------------------------------------------------------------------

const FORCE_MOCK = process.env.FD_FORCE_ENOSPC_MOCK === '1';
// Mounted while the file is collected, so tests that need a real small filesystem can be skipped
// (not silently passed) where none can be mounted.
const mntParent: string = mkdtempSync(join(tmpdir(), 'fd-full-'));
const mnt: string = join(mntParent, 'small-disk');
const usingTmpfs = !FORCE_MOCK && mountTmpfs(mnt, 8 * 1024 * 1024);
if (!usingTmpfs) mkdirSync(mnt, { recursive: true });
console.log(usingTmpfs ? `full-disk tests on a real 8 MB tmpfs at ${mnt}` : 'full-disk tests: no tmpfs here, app file writes fail with a simulated ENOSPC');

afterAll(() => {
  if (usingTmpfs) unmountTmpfs(mnt);
  rmSync(mntParent, { recursive: true, force: true });
});

/** Fills the small disk to the last byte (tmpfs), or makes every app write under it fail (mock). */
function fillDisk(): () => void {
  if (!usingTmpfs) {
    fsFault.fullPrefix = mnt;
    return () => (fsFault.fullPrefix = null);
  }
  const filler = join(mnt, `filler-${Date.now()}`);
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 0x55);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
  }
  // Fill the last partial block too.
  const one = Buffer.alloc(1);
  try {
    for (;;) writeSync(fd, one);
  } catch {
    /* full */
  }
  closeSync(fd);
  return () => unlinkSync(filler);
}

/** An app whose vault lives at `dir`, with one user and some history. */
async function appAt(dir: string): Promise<{ app: SuiteApp; user: number }> {
  const app = makeSuiteApp({ dir });
  cleanups.push(() => {
    app.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await app.firstRun();
  // Twenty codes by one admin fill the history; the velocity limits are not what this tests.
  expect(codeOf(await app.call('settings:update', { velocityPerHour: 100, velocityPerDay: 100 }))).toBe('OK');
  const user = insertUser(app.db(), 'kari.nordmann@example.no', 'Kari Nordmann');
  for (let i = 0; i < 20; i++) expect(codeOf(await app.call('codes:issue-one-time', { userId: user, ...CTX }))).toBe('OK');
  return { app, user };
}

const tempFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.endsWith('.partial') || /\.[0-9a-f]{12}\.db$/.test(f));

describe('a full disk', () => {
  // Needs a real small filesystem: SQLite's own writes cannot be failed by a mock.
  it.skipIf(!usingTmpfs)('the vault disk is full: DISK_FULL, nothing changed, lookups still work, the vault opens once there is room', async () => {
    const { app, user } = await appAt(join(mnt, 'vault-a'));
    // A fresh WAL after a checkpoint that truncated it: any commit must grow the file.
    app.db().pragma('wal_checkpoint(TRUNCATE)');
    const before = vaultFingerprint(app.db());
    const free = fillDisk();
    const r = await app.call('codes:issue-one-time', { userId: user, ...CTX });
    expect(codeOf(r)).toBe('DISK_FULL');
    expect(r.ok ? '' : r.error.message).toMatch(/disk is full/i);
    expect(vaultFingerprint(app.db())).toEqual(before);
    expect(tempFiles(app.dir)).toEqual([]);
    expect(codeOf(await app.call('users:find', { query: 'kari' }))).toBe('OK');
    free();
    for (const f of ['keyslots.json', 'signin-journal.json'].filter((f) => existsSync(join(app.dir, f)))) expect(() => JSON.parse(readFileSync(join(app.dir, f), 'utf8')), f).not.toThrow();
    app.close();
    expect(codeOf(await app.signIn(ADMIN))).toBe('OK');
    expect(await checkVaultIntegrity(storeOf(app.controller.vaultOrNull!), vaultAdminOf(app.controller.vaultOrNull!), app.controller.session!)).toEqual({ ok: true, problems: [] });
    expect((await app.call('audit:verify', {})).value).toMatchObject({ ok: true, anchor: 'ok' });
    expect(codeOf(await app.call('codes:issue-one-time', { userId: user, ...CTX }))).toBe('OK');
  });

  it.skipIf(!usingTmpfs)('signing in while the vault disk is full opens a read-only session that says so: lookups work, changes are refused, nothing is written', async () => {
    const { app, user } = await appAt(join(mnt, 'vault-c'));
    app.close(); // with room: the WAL and its index are checkpointed and removed
    const files = listing(app.dir);
    const free = fillDisk();
    const r = await app.signIn(ADMIN);
    // It used to refuse the sign-in (DISK_FULL, or INTERNAL before that): every sign-in writes.
    expect(codeOf(r), r.ok ? '' : r.error.message).toBe('OK');
    expect((r as { ok: true; value: { warnings: string[]; session: { readOnly: string } } }).value.warnings).toContain('READ_ONLY_DISK_FULL');
    expect((r as { ok: true; value: { session: { readOnly: string } } }).value.session.readOnly).toBe('disk-full');
    const found = await app.call('users:find', { query: 'kari' });
    expect(codeOf(found)).toBe('OK');
    expect(found.value.items.map((u: { id: number }) => u.id)).toEqual([user]);
    expect(codeOf(await app.call('users:view', { userId: user }))).toBe('OK');
    const refused = await app.call('codes:issue-one-time', { userId: user, ...CTX });
    expect(codeOf(refused)).toBe('VAULT_READ_ONLY');
    expect(refused.ok ? null : refused.error.details).toEqual({ reason: 'disk-full' });
    app.close();
    free();
    // SQLite may leave an empty WAL and WAL index behind (harmless; removing them could race
    // another process): nothing else appears and nothing has content.
    const extra = listing(app.dir).filter((f) => !files.includes(f));
    expect(extra.every((f) => /^vault\.db-(wal|shm)$/.test(f)), extra.join(',')).toBe(true);
    if (extra.includes('vault.db-wal')) expect(statSync(join(app.dir, 'vault.db-wal')).size).toBe(0);
    expect(files.every((f) => listing(app.dir).includes(f))).toBe(true);
    // With room again the next sign-in is an ordinary one.
    const again = await app.signIn(ADMIN);
    expect(codeOf(again)).toBe('OK');
    expect(again.value.session.readOnly).toBeNull();
    expect(codeOf(await app.call('codes:issue-one-time', { userId: user, ...CTX }))).toBe('OK');
  });

  it('a sign-in whose journal write hits a full disk (ENOSPC) is a read-only session, and locking it leaves no open vault behind', async () => {
    if (process.platform !== 'linux') return; // reads /proc/self/fd
    const parent = mkdtempSync(join(tmpdir(), 'fd-leak-'));
    cleanups.push(() => rmSync(parent, { recursive: true, force: true }));
    const { app, user } = await appAt(join(parent, 'vault'));
    app.close();
    const openHandles = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(join(app.dir, 'vault.db'));
        } catch {
          return false;
        }
      }).length;
    expect(openHandles()).toBe(0);
    const journal = join(app.dir, 'signin-journal.json');
    const journalBefore = existsSync(journal) ? sha(journal) : null;
    // Only the app's own writes in the vault folder fail: SQLite opens the vault, the journal cannot be written.
    fsFault.fullPrefix = app.dir;
    const r = await app.signIn(ADMIN);
    expect(codeOf(r), r.ok ? '' : r.error.message).toBe('OK');
    expect(r.value.warnings).toContain('READ_ONLY_DISK_FULL');
    expect(codeOf(await app.call('users:find', { query: 'kari' }))).toBe('OK');
    expect(codeOf(await app.call('codes:issue-one-time', { userId: user, ...CTX }))).toBe('VAULT_READ_ONLY');
    expect(existsSync(journal) ? sha(journal) : null).toBe(journalBefore);
    app.close();
    fsFault.fullPrefix = null;
    expect(app.controller.vaultOrNull).toBeNull();
    expect(openHandles(), 'an unlocked vault connection left open after the read-only session').toBe(0);
  });

  it('BUG: an action whose commit fits but whose anchor write hits the full disk must not be reported as DISK_FULL "nothing was changed"', async () => {
    // The WAL is reused from its start after a checkpoint, so the commit needs no new space; the
    // anchor refresh that follows (an atomic write of keyslots.json) does.
    const { app, user } = await appAt(join(mnt, 'vault-b'));
    app.db().pragma('wal_checkpoint(RESTART)');
    const before = vaultFingerprint(app.db());
    const activeBefore = app.db().prepare("SELECT id FROM one_time_codes WHERE status = 'active'").pluck().all();
    const free = fillDisk();
    const r = await app.call('codes:issue-one-time', { userId: user, ...CTX });
    free();
    expect(tempFiles(app.dir)).toEqual([]);
    if (!r.ok) {
      expect(r.error.code).toBe('DISK_FULL');
      // The caller was told nothing happened: then nothing may have happened.
      expect(app.db().prepare("SELECT id FROM one_time_codes WHERE status = 'active'").pluck().all(), 'the earlier code was voided and a new one stored, but never shown').toEqual(activeBefore);
      expect(vaultFingerprint(app.db())).toEqual(before);
    } else {
      // Or the action counts as done: the code works and the anchor catches up.
      expect((await verifyCode(app.controller.store(), app.controller.session!, user, r.value.code)).result).toBe('accepted');
    }
    expect((await app.call('audit:verify', {})).value).toMatchObject({ ok: true, anchor: 'ok' });
  });
});

describe('an export destination that is full (a full USB stick)', () => {
  async function appOnLocalDisk() {
    const parent = mkdtempSync(join(tmpdir(), 'fd-dest-'));
    const r = await appAt(join(parent, 'vault'));
    cleanups.push(() => rmSync(parent, { recursive: true, force: true }));
    return r;
  }
  const destDir = () => {
    const d = join(mnt, `dest-${Math.random().toString(16).slice(2)}`);
    mkdirSync(d);
    return d;
  };

  it('a backup: DISK_FULL, no file at the destination, nothing left behind, no backup recorded', async () => {
    const { app } = await appOnLocalDisk();
    const dest = join(destDir(), 'vault.fdbackup');
    const audit = vaultFingerprint(app.db()).audit;
    const free = fillDisk();
    let err: unknown = null;
    try {
      await backupVault(storeOf(app.controller.vaultOrNull!), vaultAdminOf(app.controller.vaultOrNull!), app.controller.session!, fileRef(dest));
    } catch (e) {
      err = e;
    }
    free();
    expect(toFactorDeskError(err).code).toBe('DISK_FULL');
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(join(dest, '..'))).toEqual([]);
    expect(vaultFingerprint(app.db()).audit).toBe(audit);
  });

  it('BUG: outbox export: DISK_FULL leaves every notification pending (none marked exported without a file)', async () => {
    const { app } = await appOnLocalDisk();
    const dir = destDir();
    app.saved['outbox-json'] = join(dir, 'outbox.json');
    const pending = () => app.db().prepare('SELECT count(*) FROM outbox WHERE exported_at IS NULL').pluck().get() as number;
    const before = pending();
    expect(before).toBe(20);
    const free = fillDisk();
    const r = await app.call('outbox:export', { format: 'json' });
    free();
    expect(codeOf(r)).toBe('DISK_FULL');
    expect(readdirSync(dir)).toEqual([]);
    expect(pending(), 'notifications marked exported although no file was written: they are never delivered').toBe(before);
    // And exporting again once there is room hands them all over.
    const again = await app.call('outbox:export', { format: 'json' });
    expect(again).toMatchObject({ ok: true, value: { count: before } });
  });

  it('BUG: audit export: DISK_FULL records no "audit.export ok" event for an export that did not happen', async () => {
    const { app } = await appOnLocalDisk();
    const dir = destDir();
    app.saved['audit-csv'] = join(dir, 'audit.csv');
    const count = () => app.db().prepare("SELECT count(*) FROM audit_events WHERE action = 'audit.export'").pluck().get() as number;
    const free = fillDisk();
    const r = await app.call('audit:export', { format: 'csv' });
    free();
    expect(codeOf(r)).toBe('DISK_FULL');
    expect(readdirSync(dir)).toEqual([]);
    expect(count(), 'the audit says the log was exported').toBe(0);
  });

  // A key file that cannot be saved revokes its slot again: test/integration/operators.test.ts.
  it('service key: the retired channel is refused on a full disk too, and adds no key slot', async () => {
    const { app } = await appOnLocalDisk();
    const dir = destDir();
    app.saved['service-key'] = join(dir, 'login.key');
    const slots = () => readSlotFile(join(app.dir, 'keyslots.json')).slots.filter((s) => s.kind === 'service').length;
    const free = fillDisk();
    const r = await app.call('service-keys:create', { label: 'login' });
    free();
    expect(codeOf(r)).toBe('SERVICE_KEY_RETIRED');
    expect(readdirSync(dir)).toEqual([]);
    expect(slots(), 'a service slot exists for a key nobody has').toBe(0);
  });
});
