// A vault that can be read but not written: a read-only folder (chmod, or a read-only mount when
// the tests run as root, who may write anywhere else), and a full disk simulated where SQLite
// writes (every statement that changes data fails with SQLITE_FULL, as on a full disk), so the
// tests run unprivileged too. Sign-in works as a read-only session that says so; lookups work;
// every change is refused with VAULT_READ_ONLY and nothing in the folder changes.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { ADMIN, oneJson, runCli } from '../fixtures/cli-harness.ts';
import { CTX, codeOf, insertUser, makeSuiteApp } from '../helpers/suites.ts';
import { signIn } from '../../main/store/sqlite/unlock.ts';
import { searchUsers } from '../../main/core/users.ts';
import { issueOneTimeCode } from '../../main/core/one-time-codes.ts';
import { toFactorDeskError } from '../../main/core/errors.ts';

const isRoot = process.getuid?.() === 0;

/** Every file of the folder with its hash: a read-only session must leave all of it as it was. */
function folderPrint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    // SQLite's WAL and its index appear empty beside a database that is only read (where it may create them).
    if (/^vault\.db-(wal|shm)$/.test(f) && (f.endsWith('shm') || statSync(p).size === 0)) continue;
    out[f] = statSync(p).isFile() ? createHash('sha256').update(readFileSync(p)).digest('hex') : 'dir';
  }
  return out;
}

/**
 * Makes `dir` read-only for this process: chmod 0500 for an ordinary user; as root (whom chmod
 * does not stop) a read-only bind mount of the folder over itself. Returns how to undo it, or
 * null where neither is possible (root without mount rights).
 */
function makeReadOnly(dir: string): (() => void) | null {
  if (!isRoot) {
    chmodSync(dir, 0o500);
    return () => chmodSync(dir, 0o700);
  }
  const r = spawnSync('sh', ['-c', 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"', 'sh', dir]);
  if (r.status !== 0) {
    spawnSync('umount', [dir]);
    return null;
  }
  return () => void spawnSync('umount', ['-l', dir]);
}

let root: string;
let vaultDir: string;
let undo: (() => void) | null = null;

function cli(args: string[], password = ADMIN.password) {
  return runCli(['--vault', vaultDir, '--operator', ADMIN.name, '--json', ...args], { FACTORDESK_PASSWORD: password });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fd-readonly-'));
  vaultDir = join(root, 'vault');
  const init = await runCli(['--vault', vaultDir, '--json', 'init', '--name', ADMIN.name, '--display-name', ADMIN.displayName, '--email', ADMIN.email], { FACTORDESK_PASSWORD: ADMIN.password });
  expect(init.status).toBe(0);
  const csv = join(root, 'users.csv');
  writeFileSync(csv, 'email,name,phone,organization\nkari.nordmann@example.no,Kari Nordmann,,Nordmann AS\n');
  expect((await cli(['import-users', csv])).status).toBe(0);
});

afterEach(() => {
  undo?.();
  undo = null;
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const readOnlyPossible = isRoot
  ? (() => {
      // Probe once: a container may run as root without the right to mount.
      const probe = mkdtempSync(join(tmpdir(), 'fd-ro-probe-'));
      const u = makeReadOnly(probe);
      u?.();
      rmSync(probe, { recursive: true, force: true });
      return u !== null;
    })()
  : true;

describe('a read-only vault folder', () => {
  it.skipIf(!readOnlyPossible)('read-only commands work and say the session is read-only; write commands say the folder is read-only; nothing changes', async () => {
    const before = folderPrint(vaultDir);
    undo = makeReadOnly(vaultDir);
    expect(undo).not.toBeNull();

    const found = await cli(['find', 'kari']);
    // It used to be "cannot be read (VAULT_MISSING)" for every command, even find.
    expect(found.status, found.stdout).toBe(0);
    const answer = oneJson(found.stdout);
    expect(answer.result.users.map((u: { email: string }) => u.email)).toEqual(['kari.nordmann@example.no']);
    expect(answer.warnings.join(' ')).toMatch(/read-only/);

    const shown = await cli(['show', 'kari.nordmann@example.no']);
    expect(shown.status, shown.stdout).toBe(0);
    expect(oneJson(shown.stdout).result.user.email).toBe('kari.nordmann@example.no');
    expect((await cli(['settings', 'show'])).status).toBe(0);

    const issued = await cli(['issue-code', 'kari.nordmann@example.no', '--checks', 'callback', '--ticket', 'HD-1', '--reason', 'Lost phone']);
    expect(issued.status).toBe(6);
    const err = oneJson(issued.stdout).error!;
    expect(err.code).toBe('VAULT_READ_ONLY');
    expect(err.message).toMatch(/folder is read-only/);
    const human = await runCli(['--vault', vaultDir, '--operator', ADMIN.name, 'settings', 'set', 'organizationName', 'Other'], { FACTORDESK_PASSWORD: ADMIN.password });
    expect(human.status).toBe(6);
    expect(human.stderr).toMatch(/folder is read-only.*\(VAULT_READ_ONLY\)/s);

    // A wrong password is still a wrong password.
    const wrong = await cli(['find', 'kari'], 'not the password at all, no');
    expect(wrong.status).toBe(3);
    expect(oneJson(wrong.stdout).error!.code).toBe('SIGNIN_FAILED');

    undo!();
    undo = null;
    expect(folderPrint(vaultDir)).toEqual(before);
    // Writable again: an ordinary session, audited.
    const again = await cli(['issue-code', 'kari.nordmann@example.no', '--checks', 'callback', '--ticket', 'HD-1', '--reason', 'Lost phone']);
    expect(again.status, again.stdout).toBe(0);
    expect(oneJson(again.stdout).warnings.join(' ')).not.toMatch(/read-only/);
  });

  it.skipIf(!readOnlyPossible)('the app signs in read-only and its session says so', async () => {
    undo = makeReadOnly(vaultDir);
    const app = makeSuiteApp({ dir: vaultDir });
    try {
      const status = await app.call('app:status', {});
      expect(status.value.vaultState).toBe('ready');
      const r = await app.signIn(ADMIN);
      expect(codeOf(r), r.ok ? '' : r.error.message).toBe('OK');
      expect(r.value.session.readOnly).toBe('folder');
      expect(r.value.warnings).toContain('READ_ONLY_FOLDER');
      expect(codeOf(await app.call('users:find', { query: 'nordm' }))).toBe('OK');
      const refused = await app.call('settings:update', { organizationName: 'Other' });
      expect(codeOf(refused)).toBe('VAULT_READ_ONLY');
      expect(refused.error?.details).toEqual({ reason: 'folder' });
    } finally {
      app.close();
      await app.controller.settled();
    }
  });

  it('a read-only open (what root gets without mount rights) writes nothing, not even the sign-in journal', async () => {
    const before = folderPrint(vaultDir);
    const s = await signIn({ dir: vaultDir, readOnly: true }, ADMIN.name, ADMIN.password);
    try {
      expect(s.store.readOnly).toBe('folder');
      expect(s.warnings).toContain('READ_ONLY_FOLDER');
      expect((await searchUsers(s.store, s.session, 'kari')).total).toBe(1);
      const user = (await searchUsers(s.store, s.session, 'kari')).items[0]!.id;
      const err = await issueOneTimeCode(s.store, s.session, user, CTX).then(
        () => null,
        (e: unknown) => toFactorDeskError(e),
      );
      expect(err?.code).toBe('VAULT_READ_ONLY');
    } finally {
      s.vault.close();
    }
    expect(folderPrint(vaultDir)).toEqual(before);
  });
});

describe('a full disk under SQLite (every change fails with SQLITE_FULL)', () => {
  const fault = { full: false };
  beforeAll(() => {
    const realPrepare = Database.prototype.prepare;
    vi.spyOn(Database.prototype, 'prepare').mockImplementation(function (this: Database.Database, sql: string) {
      const st = realPrepare.call(this, sql);
      if (st.reader) return st;
      const run = st.run.bind(st);
      st.run = ((...a: unknown[]) => {
        if (fault.full) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
        return (run as (...x: unknown[]) => Database.RunResult)(...a);
      }) as typeof st.run;
      return st;
    });
  });
  afterAll(() => vi.restoreAllMocks());

  it('sign-in gives a read-only session with a warning (it used to fail: every sign-in writes an event); lookups work, changes are refused; with room again all is as before', async () => {
    const app = makeSuiteApp();
    try {
      await app.firstRun();
      const user = insertUser(app.db(), 'kari.nordmann@example.no', 'Kari Nordmann');
      app.close();
      await app.controller.settled();
      fault.full = true;
      const r = await app.signIn(ADMIN);
      expect(codeOf(r), r.ok ? '' : r.error.message).toBe('OK');
      expect(r.value.session.readOnly).toBe('disk-full');
      // Only the disk: the journal and the vault were left consistent (no false alarm now or later).
      expect(r.value.warnings.filter((w: string) => w !== 'OPERATOR_UNLINKED')).toEqual(['READ_ONLY_DISK_FULL']);
      expect((await app.call('app:status', {})).value.session.readOnly).toBe('disk-full');
      const found = await app.call('users:find', { query: 'kari' });
      expect(found.value.items.map((u: { id: number }) => u.id)).toEqual([user]);
      expect(codeOf(await app.call('users:view', { userId: user }))).toBe('OK');
      const refused = await app.call('codes:issue-one-time', { userId: user, ...CTX });
      expect(codeOf(refused)).toBe('VAULT_READ_ONLY');
      expect(refused.error?.details).toEqual({ reason: 'disk-full' });
      expect(refused.error?.message).toMatch(/disk .* is full/);
      app.close();
      await app.controller.settled();
      fault.full = false;
      const again = await app.signIn(ADMIN);
      expect(codeOf(again)).toBe('OK');
      expect(again.value.session.readOnly).toBeNull();
      expect(again.value.warnings.filter((w: string) => w !== 'OPERATOR_UNLINKED')).toEqual([]);
      expect(codeOf(await app.call('codes:issue-one-time', { userId: user, ...CTX }))).toBe('OK');
    } finally {
      fault.full = false;
      app.cleanup();
    }
  });
});
