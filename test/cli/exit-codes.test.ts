// Exit codes for each class, the --json envelope for success and error, --help on every command,
// sign-in without a password on a pipe, and the Node version check of the bin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, AGENT, BIN, cliEnv, oneJson, runCli, spawnCli, type CliResult } from '../fixtures/cli-harness.ts';
import { journalName } from '../../main/core/signin.ts';
import { unlockWithRecoveryKey } from '../../main/store/sqlite/unlock.ts';
import { appendJournalEvent } from '../../main/store/sqlite/signin-journal.ts';
import { findUserByEmail } from '../../main/core/users.ts';
import { storeOf } from '../../main/store/sqlite/sqlite-store.ts';
import { LEGACY_CLIENT } from '../../main/store/repos/verification.ts';
import { COMMANDS } from '../../main/cli/main.ts';

const CSV = new URL('../fixtures/cli-users.csv', import.meta.url).pathname;
const KARI = 'kari.nordmann@example.no';
const OLA = 'ola.hansen@example.no';
const ACT = ['--checks', 'callback', '--ticket', 'HD-7', '--reason', 'Lost phone'];

let root: string;
let vaultDir: string;
let recoveryKey: string;

function cli(args: string[], opts: { as?: { name: string; password: string }; env?: Record<string, string | undefined>; dir?: string } = {}): Promise<CliResult> {
  const who = opts.as ?? ADMIN;
  return runCli(['--vault', opts.dir ?? vaultDir, '--operator', who.name, '--json', ...args], { FACTORDESK_PASSWORD: who.password, ...opts.env });
}

async function expectError(p: Promise<CliResult>, exit: number, code: string): Promise<void> {
  const r = await p;
  const j = oneJson(r.stdout);
  expect(j.ok, JSON.stringify(j)).toBe(false);
  expect(j.error!.code).toBe(code);
  expect(typeof j.error!.message).toBe('string');
  expect(j.error!.message.length).toBeGreaterThan(0);
  expect(r.status).toBe(exit);
}

/** A copy of the vault folder (files only; no process has it open) to damage. */
function copyVault(name: string): string {
  const dest = join(root, name);
  mkdirSync(dest, { mode: 0o700 });
  for (const f of ['vault.db', 'keyslots.json', 'signin-journal.json']) if (existsSync(join(vaultDir, f))) copyFileSync(join(vaultDir, f), join(dest, f));
  return dest;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fd-cli-exit-'));
  vaultDir = join(root, 'vault');
  const init = await runCli(['--vault', vaultDir, '--json', 'init', '--name', ADMIN.name, '--display-name', ADMIN.displayName, '--email', ADMIN.email], { FACTORDESK_PASSWORD: ADMIN.password });
  recoveryKey = oneJson(init.stdout).result.recoveryKey;
  expect((await cli(['import-users', CSV])).status).toBe(0);
  // Linked to their own directory user, so no sign-in warns of a missing link.
  expect((await cli(['operators', 'update', ADMIN.name, '--user', ADMIN.email])).status).toBe(0);
  expect((await cli(['operators', 'add', AGENT.name, '--role', 'agent', '--email', AGENT.email], { env: { FACTORDESK_NEW_PASSWORD: AGENT.password } })).status).toBe(0);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('--help on every command', () => {
  it('prints usage on stdout and exits 0, for the whole tool, each group and each command', async () => {
    for (const args of [['--help'], ['-h'], ['help'], ...COMMANDS.map((c) => [...c.name.split(' '), '--help']), ['audit', '--help'], ['operators', '-h'], ['help', 'reenroll']]) {
      const r = await runCli(args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/Usage/);
      expect(r.stderr).toBe('');
    }
    const j = await runCli(['--json', 'verify', '--help']);
    expect(oneJson(j.stdout).result.help).toMatch(/POST \/api\/v1\/validate/);
    expect(oneJson(j.stdout).result.help).toMatch(/--service-key FILE is retired/);
  });

  it('works from the spawned binary, and `--help` needs no vault', () => {
    const r = spawnCli(['reenroll', '--help'], { env: { FACTORDESK_VAULT: join(root, 'does-not-exist') } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--sheet FILE\.pdf\|FILE\.html/);
    const top = spawnCli(['--help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/Exit codes/);
  });
});

describe('the --json envelope', () => {
  it('success: exactly one object {ok: true, result}', async () => {
    const r = await cli(['find', 'kari']);
    const j = oneJson(r.stdout);
    expect(j).toEqual({ ok: true, result: { users: [expect.objectContaining({ email: KARI })], hasMore: false }, warnings: [] });
    expect(r.status).toBe(0);
  });

  it('error: exactly one object {ok: false, error: {code, message}}, even for a broken command line', async () => {
    for (const args of [['--json', 'nope'], ['--json', 'find'], ['--json', '--vault']]) {
      const r = await runCli(args);
      const j = oneJson(r.stdout);
      expect(j.ok).toBe(false);
      expect(j.error!.code).toBe('BAD_REQUEST');
      expect(r.status).toBe(2);
    }
  });

  it('without --json, results go to stdout and messages to stderr', async () => {
    const r = await runCli(['--vault', vaultDir, '--operator', 'anne', 'issue-code', KARI, ...ACT], { FACTORDESK_PASSWORD: ADMIN.password });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d{4} \d{4}\n$/);
    expect(r.stderr).toMatch(/valid until/);
    expect(r.stderr).not.toContain(r.stdout.trim());
  });
});

describe('exit codes', () => {
  it('0: ok, and find with no match', async () => {
    const r = await cli(['find', 'nobody-here']);
    expect(r.status).toBe(0);
    expect(oneJson(r.stdout).result.users).toEqual([]);
  });

  it('1: a rejected code (verify) and CODE_REJECTED (confirm)', async () => {
    const v = await cli(['verify', OLA, '000000']);
    expect(v.status).toBe(1);
    expect(oneJson(v.stdout)).toEqual({ ok: true, result: { result: 'rejected' }, warnings: [] });
    expect((await cli(['reenroll', OLA, ...ACT])).status).toBe(0);
    await expectError(cli(['confirm', OLA, '000000']), 1, 'CODE_REJECTED');
    // Counted failures are cleared again for the later cases.
    expect((await cli(['clear-lock', OLA, ...ACT])).status).toBe(0);
  });

  it('2: usage and validation errors, each with its own code', async () => {
    await expectError(cli(['verify', KARI, '12 34 5']), 2, 'BAD_REQUEST');
    await expectError(cli(['bogus']), 2, 'BAD_REQUEST');
    await expectError(cli(['find', 'x', '--nope']), 2, 'BAD_REQUEST');
    await expectError(cli(['issue-code', KARI, '--checks', 'known-email', '--ticket', 'T', '--reason', 'R']), 2, 'CHECKS_REQUIRED');
    await expectError(cli(['issue-code', KARI, '--ticket', 'T', '--reason', 'R']), 2, 'CHECKS_REQUIRED');
    await expectError(cli(['issue-code', KARI, '--checks', 'callback', '--reason', 'R']), 2, 'TICKET_REQUIRED');
    await expectError(cli(['issue-code', KARI, '--checks', 'callback', '--ticket', 'T']), 2, 'REASON_REQUIRED');
    await expectError(cli(['issue-code', ADMIN.email, ...ACT]), 2, 'OWN_ACCOUNT');
    await expectError(cli(['issue-code', 'siri.disabled@example.no', ...ACT]), 2, 'USER_DISABLED');
    await expectError(cli(['operators', 'add', 'bob', '--role', 'agent'], { env: { FACTORDESK_NEW_PASSWORD: 'password1234567' } }), 2, 'WEAK_PASSWORD');
    await expectError(
      runCli(['--vault', join(root, 'weak'), '--json', 'init', '--name', 'bob'], { FACTORDESK_PASSWORD: 'short' }),
      2,
      'WEAK_PASSWORD',
    );
    expect(existsSync(join(root, 'weak', 'vault.db'))).toBe(false);
    await expectError(cli(['audit', 'verify'], { as: AGENT }), 2, 'FORBIDDEN');
    await expectError(cli(['clear-lock', KARI, ...ACT], { as: AGENT }), 2, 'FORBIDDEN');
    await expectError(cli(['import-users', CSV], { as: AGENT }), 2, 'FORBIDDEN');
    await expectError(cli(['confirm', KARI, '123456']), 2, 'NO_PENDING_ENROLLMENT');
  });

  it('3: sign-in failed, no password on a pipe, rate limited, operator locked', async () => {
    await expectError(cli(['find', 'kari'], { as: { name: ADMIN.name, password: 'wrong password, long enough' } }), 3, 'SIGNIN_FAILED');
    await expectError(cli(['find', 'kari'], { as: { name: 'nobody', password: 'wrong password, long enough' } }), 3, 'SIGNIN_FAILED');
    // No FACTORDESK_PASSWORD and stdin is not a terminal: nothing to ask on.
    const r = await runCli(['--vault', vaultDir, '--operator', 'anne', 'find', 'kari'], { FACTORDESK_PASSWORD: undefined });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/FACTORDESK_PASSWORD/);
    // Repeated failures for one name are spaced out, then locked (the journal survives restarts).
    const eve = { name: 'eve', password: 'not the password at all' };
    let last: CliResult | undefined;
    for (let i = 0; i < 6; i++) last = await cli(['find', 'kari'], { as: eve });
    expect(oneJson(last!.stdout).error!.code).toBe('RATE_LIMITED');
    expect(last!.status).toBe(3);
    for (let i = 0; i < 20; i++) appendJournalEvent(vaultDir, { at: Date.now(), name: journalName('mallory'), outcome: 'failed' });
    await expectError(cli(['find', 'kari'], { as: { name: 'mallory', password: 'whatever it is, it is wrong' } }), 3, 'OPERATOR_LOCKED');
  });

  it('4: user not found', async () => {
    await expectError(cli(['show', 'nobody@example.no']), 4, 'NOT_FOUND');
    await expectError(cli(['issue-code', 'nobody@example.no', ...ACT]), 4, 'NOT_FOUND');
  });

  it('verify: an address that is no user answers exactly as a wrong code does (exit 1, the same JSON and stderr)', async () => {
    const run = (json: boolean, email: string) => runCli(['--vault', vaultDir, '--operator', ADMIN.name, ...(json ? ['--json'] : []), 'verify', email, '000000'], { FACTORDESK_PASSWORD: ADMIN.password });
    for (const json of [true, false]) {
      // Ola, not Kari: Kari's lock further down comes from a state kept from before counting was per client.
      const wrong = await run(json, OLA);
      const unknown = await run(json, 'nobody@example.no');
      expect(wrong.status).toBe(1);
      expect(unknown).toEqual(wrong);
    }
    expect(oneJson((await cli(['verify', 'nobody@example.no', '000000'])).stdout)).toEqual({ ok: true, result: { result: 'rejected' }, warnings: [] });
  });

  it('5: user locked for verification (verify → locked, confirm → USER_LOCKED)', async () => {
    const v = await unlockWithRecoveryKey({ dir: vaultDir }, recoveryKey);
    try {
      const store = storeOf(v);
      const kari = (await findUserByEmail(store, KARI))!;
      const now = Date.now();
      // A lock kept from before counting was per client holds for every client (also this operator).
      await store.write((tx) => tx.verification.set(kari.id, LEGACY_CLIENT, { failures: 10, lockedAt: now, lockedUntil: now + 3_600_000 }));
    } finally {
      v.close();
    }
    const r = await cli(['verify', KARI, '123456']);
    expect(r.status).toBe(5);
    expect(oneJson(r.stdout)).toEqual({ ok: true, result: { result: 'locked' }, warnings: [] });
    expect((await cli(['reenroll', KARI, ...ACT])).status).toBe(0);
    await expectError(cli(['confirm', KARI, '123456']), 5, 'USER_LOCKED');
    expect((await cli(['clear-lock', KARI, ...ACT])).status).toBe(0);
    expect((await cli(['verify', KARI, '123456'])).status).toBe(1);
  });

  // The per-client lock and the unknown-address rule of login services are tested where they
  // now run: test/integration/workflows.test.ts (core) and test/server/throttle-clients.test.ts (HTTP, RADIUS).
  it('2: service keys are retired: service-key create and verify --service-key are refused, nothing is written or read', async () => {
    for (const who of [ADMIN, AGENT]) {
      await expectError(cli(['service-key', 'create', join(root, 'agent.key'), '--label', 'portal'], { as: who }), 2, 'SERVICE_KEY_RETIRED');
      await expectError(cli(['service-key', 'create']), 2, 'SERVICE_KEY_RETIRED');
    }
    expect(existsSync(join(root, 'agent.key'))).toBe(false);
    const created = await cli(['service-key', 'create', join(root, 'agent.key')]);
    expect(oneJson(created.stdout).error!.message).toMatch(/unwraps the vault key/);
    expect(oneJson(created.stdout).error!.message).toMatch(/service-client create/);
    expect(oneJson(created.stdout).error!.message).toMatch(/127\.0\.0\.1/);
    // No vault, no key file, no sign-in needed: the refusal comes first; the code on stdin is not read.
    const verify = await runCli(['--vault', join(root, 'no-vault-here'), '--json', 'verify', OLA, '-', '--service-key', join(root, 'none.key')], { FACTORDESK_PASSWORD: undefined }, '123456\n');
    expect(verify.status).toBe(2);
    expect(oneJson(verify.stdout).error).toMatchObject({ code: 'SERVICE_KEY_RETIRED', message: expect.stringMatching(/POST \/api\/v1\/validate/) });
    const nb = await runCli(['--vault', vaultDir, 'verify', OLA, '000000', '--service-key', join(root, 'none.key')], { LANG: 'nb_NO.UTF-8', FACTORDESK_PASSWORD: undefined });
    expect(nb.status).toBe(2);
    expect(nb.stderr).toMatch(/Tjenestenøkler er avviklet/);
    expect(nb.stderr).toMatch(/POST \/api\/v1\/validate/);
    // The operator's own verify is still there.
    expect((await cli(['verify', OLA, '000000'])).status).toBe(1);
    expect((await cli(['clear-lock', OLA, ...ACT])).status).toBe(0);
  });

  it('6: vault missing, damaged, newer, slots invalid — and the files are never replaced', async () => {
    await expectError(cli(['find', 'kari'], { dir: join(root, 'no-such-folder') }), 6, 'VAULT_MISSING');
    const viaEnv = await runCli(['--json', 'find', 'kari'], { FACTORDESK_VAULT: join(root, 'missing-too'), FACTORDESK_OPERATOR: 'anne', FACTORDESK_PASSWORD: ADMIN.password });
    expect(viaEnv.status).toBe(6);
    expect(oneJson(viaEnv.stdout).error!.code).toBe('VAULT_MISSING');
    mkdirSync(join(root, 'empty'));
    await expectError(cli(['find', 'kari'], { dir: join(root, 'empty') }), 6, 'VAULT_MISSING');

    const damaged = copyVault('damaged');
    truncateSync(join(damaged, 'vault.db'), statSync(join(damaged, 'vault.db')).size - 100);
    const bytes = readFileSync(join(damaged, 'vault.db'));
    await expectError(cli(['find', 'kari'], { dir: damaged }), 6, 'VAULT_DAMAGED');
    expect(readFileSync(join(damaged, 'vault.db')).equals(bytes)).toBe(true);

    const slots = copyVault('slots');
    writeFileSync(join(slots, 'keyslots.json'), '{"format":"factordesk.keyslots","version":1,"slots":"; DROP TABLE"}');
    await expectError(cli(['find', 'kari'], { dir: slots }), 6, 'SLOTS_INVALID');

    const newer = copyVault('newer');
    const v = await unlockWithRecoveryKey({ dir: newer }, recoveryKey);
    v.db.pragma('user_version = 999');
    v.close();
    await expectError(cli(['find', 'kari'], { dir: newer }), 6, 'VAULT_NEWER');
  });

  it('6: restore and rotate-key refuse while another process has the vault open (VAULT_BUSY)', async () => {
    const file = join(root, 'busy.fdbackup');
    expect((await cli(['backup', file])).status).toBe(0);
    const other = await unlockWithRecoveryKey({ dir: vaultDir }, recoveryKey);
    try {
      const before = readdirSync(vaultDir).sort();
      await expectError(cli(['restore', file]), 6, 'VAULT_BUSY');
      await expectError(cli(['rotate-key']), 6, 'VAULT_BUSY');
      expect(readdirSync(vaultDir).filter((f) => f.includes('before-restore'))).toEqual([]);
      expect(readdirSync(vaultDir).sort()).toEqual(before);
    } finally {
      other.close();
    }
    // The recovery key still opens the vault: nothing was rotated.
    (await unlockWithRecoveryKey({ dir: vaultDir }, recoveryKey)).close();
    // Once nobody else has it open, the recovery key (from the environment, no operator) restores.
    const noOperator = { FACTORDESK_PASSWORD: undefined, FACTORDESK_RECOVERY_KEY: recoveryKey };
    const r = await runCli(['--vault', vaultDir, '--json', 'restore', file, '--recovery-key'], noOperator);
    expect(r.status).toBe(0);
    const kept = oneJson(r.stdout).result.kept as string[];
    expect(kept.some((k) => /vault\.db\.before-restore-/.test(k))).toBe(true);
    await expectError(runCli(['--vault', vaultDir, '--json', 'restore', file, '--recovery-key'], { FACTORDESK_RECOVERY_KEY: 'AAAA-BBBB' }), 2, 'BAD_REQUEST');
    const undo = await runCli(['--vault', vaultDir, '--json', 'restore', '--undo', '--recovery-key'], noOperator);
    expect(undo.status).toBe(0);
    expect((await cli(['audit', 'verify'])).status).toBe(0);
  });
});

describe('the password prompt on a terminal', () => {
  const script = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));
  it.skipIf(!script || process.platform !== 'linux')('asks without echo and signs in', async () => {
    const { spawn } = await import('node:child_process');
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} --vault ${JSON.stringify(vaultDir)} --operator anne audit verify`;
    const child = spawn(script!, ['-qec', cmd, '/dev/null'], { env: cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      // Type only once the prompt is up (raw mode on), as a person would.
      if (!sent && out.includes('Password: ')) {
        sent = true;
        child.stdin.write(`${ADMIN.password}\r`);
      }
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(status).toBe(0);
    expect(out).toMatch(/ok: \d+ events, anchor ok/);
    expect(out).not.toContain(ADMIN.password);
  });
});

describe('the bin', () => {
  const olderNode = () => {
    const candidates = ['/usr/bin/node', '/usr/local/bin/node'].filter((p) => existsSync(p));
    return candidates.find((p) => Number(spawnSync(p, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.split('.')[0]) < 22);
  };

  it('started by a Node older than 22, runs itself again on the pinned Node 22', () => {
    const old = olderNode();
    if (!old) return; // no older Node on this machine to try
    const r = spawnSync(old, [BIN, '--help'], { env: cliEnv(), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/factordesk/);
  });

  it('without the pinned Node, an older Node is refused with a clear message and exit 6 (both languages)', () => {
    const old = olderNode();
    if (!old) return; // no older Node on this machine to try
    // The launcher alone, in a folder with no node_modules beside it.
    const lone = join(root, 'lone', 'bin');
    mkdirSync(lone, { recursive: true });
    copyFileSync(BIN, join(lone, 'factordesk.js'));
    writeFileSync(join(root, 'lone', 'package.json'), '{"type":"module"}');
    const en = spawnSync(old, [join(lone, 'factordesk.js'), '--help'], { env: { ...cliEnv(), LANG: 'C.UTF-8', LC_ALL: '' }, encoding: 'utf8' });
    expect(en.status).toBe(6);
    expect(en.stderr).toMatch(/Node\.js 22\.18/);
    expect(en.stderr).toMatch(/npm install/);
    expect(en.stdout).toBe('');
    const nb = spawnSync(old, [join(lone, 'factordesk.js'), '--help'], { env: { ...cliEnv(), LC_ALL: 'nb_NO.UTF-8' }, encoding: 'utf8' });
    expect(nb.status).toBe(6);
    expect(nb.stderr).toMatch(/trenger Node\.js 22\.18/);
  });

  it('never prints a stack trace, even for an internal error', () => {
    // A vault folder that is a file: an unexpected state, answered in one line.
    const file = join(root, 'not-a-folder');
    writeFileSync(file, 'x');
    const r = spawnCli(['--vault', file, '--operator', 'anne', 'find', 'kari'], { env: { FACTORDESK_PASSWORD: ADMIN.password } });
    expect(r.status).toBe(6);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });
});

describe('operators (admin)', () => {
  it('lists, disables (sign-in then fails, exit 3), resets the password (enabled again) and removes', async () => {
    const list = oneJson((await cli(['operators', 'list'])).stdout).result.operators as Array<{ name: string; role: string }>;
    expect(list.map((o) => `${o.name}:${o.role}`)).toEqual(['anne:admin', 'per:agent']);
    expect((await cli(['operators', 'disable', 'per'])).status).toBe(0);
    await expectError(cli(['find', 'kari'], { as: AGENT }), 3, 'SIGNIN_FAILED');
    const fresh = 'a brand new passphrase for per';
    expect((await cli(['operators', 'reset-password', 'per'], { env: { FACTORDESK_NEW_PASSWORD: fresh } })).status).toBe(0);
    expect((await cli(['find', 'kari'], { as: { name: 'per', password: fresh } })).status).toBe(0);
    await expectError(cli(['operators', 'disable', 'anne']), 2, 'FORBIDDEN');
    await expectError(cli(['operators', 'disable', 'nobody']), 4, 'NOT_FOUND');
    const rm = await cli(['operators', 'remove', 'per']);
    expect(oneJson(rm.stdout).result).toEqual({ rekeyRecommended: true, keyRotated: true });
    await expectError(cli(['find', 'kari'], { as: { name: 'per', password: fresh } }), 3, 'SIGNIN_FAILED');
  });
});
