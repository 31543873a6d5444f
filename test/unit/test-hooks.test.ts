// The test switches (fast KDF, crash points, a moved clock) are on only for FactorDesk's own test
// runner: its global setup writes a random token to a private file and exports the path and the
// token; FACTORDESK_TEST_HOOKS=1 alone does nothing, and the command line refuses it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crashPoint, testHooksEnabled, RUNNER_FILE_VAR, RUNNER_TOKEN_VAR } from '../../main/platform/test-hooks.ts';
import { currentKdf, PRODUCTION_KDF, TEST_KDF } from '../../main/core/crypto.ts';
import { createVault } from '../../main/store/sqlite/first-run.ts';
import { unlockWithRecoveryKey } from '../../main/store/sqlite/unlock.ts';
import { oneJson, runCli, spawnCli } from '../fixtures/cli-harness.ts';
import { ADMIN, tempDir } from '../helpers/vault.ts';

const MESSAGE = "FACTORDESK_TEST_HOOKS is only for FactorDesk's own test suite";

/** Every scrypt N in a key-slot file. */
function slotNs(vaultDir: string): number[] {
  const out: number[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.alg === 'scrypt' && typeof o.N === 'number') out.push(o.N);
      Object.values(o).forEach(walk);
    }
  };
  walk(JSON.parse(readFileSync(join(vaultDir, 'keyslots.json'), 'utf8')));
  return out;
}

const cleanups: Array<() => void> = [];
let saved: Record<string, string | undefined>;
beforeEach(() => {
  saved = { file: process.env[RUNNER_FILE_VAR], token: process.env[RUNNER_TOKEN_VAR], hooks: process.env.FACTORDESK_TEST_HOOKS, crash: process.env.FACTORDESK_CRASH_AT };
});
afterEach(() => {
  const put = (k: string, v: string | undefined) => (v === undefined ? delete process.env[k] : (process.env[k] = v));
  put(RUNNER_FILE_VAR, saved.file);
  put(RUNNER_TOKEN_VAR, saved.token);
  put('FACTORDESK_TEST_HOOKS', saved.hooks);
  put('FACTORDESK_CRASH_AT', saved.crash);
  while (cleanups.length) cleanups.pop()!();
});

/** A token file as the runner writes it, in its own private folder; returns its path and token. */
function runnerFile(opts: { fileMode?: number; dirMode?: number; content?: string } = {}): { file: string; token: string; dir: string } {
  const t = tempDir('fd-hooks-');
  cleanups.push(t.cleanup);
  const dir = join(t.dir, 'runner');
  mkdirSync(dir, { mode: 0o700 });
  chmodSync(dir, opts.dirMode ?? 0o700);
  const token = 'ab'.repeat(32);
  const file = join(dir, 'token');
  writeFileSync(file, opts.content ?? token, { mode: 0o600 });
  chmodSync(file, opts.fileMode ?? 0o600);
  return { file, token, dir };
}

describe('testHooksEnabled', () => {
  it('is on in this test runner (its global setup wrote the token), so tests get the fast KDF', () => {
    expect(process.env.FACTORDESK_TEST_HOOKS).toBe('1');
    expect(testHooksEnabled()).toBe(true);
    expect(currentKdf()).toEqual(TEST_KDF);
  });

  it('is off with FACTORDESK_TEST_HOOKS=1 but no runner token, and new slots get the production KDF', () => {
    const env = { FACTORDESK_TEST_HOOKS: '1' };
    expect(testHooksEnabled(env)).toBe(false);
    delete process.env[RUNNER_TOKEN_VAR];
    delete process.env[RUNNER_FILE_VAR];
    expect(testHooksEnabled()).toBe(false);
    expect(currentKdf()).toEqual(PRODUCTION_KDF);
  });

  it('needs the right token in a private regular file in a private folder', () => {
    const good = runnerFile();
    const env = (file: string, token: string) => ({ FACTORDESK_TEST_HOOKS: '1', [RUNNER_FILE_VAR]: file, [RUNNER_TOKEN_VAR]: token });
    expect(testHooksEnabled(env(good.file, good.token))).toBe(true);
    expect(testHooksEnabled({ ...env(good.file, good.token), FACTORDESK_TEST_HOOKS: 'yes' })).toBe(false);
    expect(testHooksEnabled(env(good.file, 'cd'.repeat(32)))).toBe(false); // wrong token
    expect(testHooksEnabled(env(good.file, ''))).toBe(false);
    expect(testHooksEnabled(env(join(good.dir, 'missing'), good.token))).toBe(false);
    expect(testHooksEnabled(env('relative/token', good.token))).toBe(false);
    if (process.platform !== 'win32') {
      const readable = runnerFile({ fileMode: 0o644 });
      expect(testHooksEnabled(env(readable.file, readable.token))).toBe(false); // others may read it
      const openDir = runnerFile({ dirMode: 0o755 });
      expect(testHooksEnabled(env(openDir.file, openDir.token))).toBe(false); // others may list/replace it
      const link = join(good.dir, 'link');
      symlinkSync(good.file, link);
      expect(testHooksEnabled(env(link, good.token))).toBe(false);
    }
    const padded = runnerFile({ content: `${'ab'.repeat(32)}\n` });
    expect(testHooksEnabled(env(padded.file, padded.token))).toBe(false); // exactly the token, nothing else
  });

  it('a crash point is a no-op without the runner token (this process survives)', () => {
    delete process.env[RUNNER_TOKEN_VAR];
    process.env.FACTORDESK_CRASH_AT = 'unit.test.point';
    crashPoint('unit.test.point');
    expect(true).toBe(true);
  });
});

describe('a key slot written outside the runner', () => {
  it('with FACTORDESK_TEST_HOOKS=1 but no runner token has the production N = 2^17', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    delete process.env[RUNNER_TOKEN_VAR];
    process.env.FACTORDESK_TEST_HOOKS = '1';
    const { vault } = await createVault({ dir: join(t.dir, 'vault') }, ADMIN);
    vault.close();
    const ns = slotNs(join(t.dir, 'vault'));
    expect(ns.length).toBeGreaterThan(0);
    expect(ns.every((n) => n === 2 ** 17)).toBe(true);
  });

  it('inside the runner has the fast N = 2^10 (the suite stays fast)', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { vault } = await createVault({ dir: join(t.dir, 'vault') }, ADMIN);
    vault.close();
    expect(slotNs(join(t.dir, 'vault'))).toContain(2 ** 10);
    expect(slotNs(join(t.dir, 'vault')).every((n) => n === 2 ** 10)).toBe(true);
  });
});

describe('the command line', () => {
  const noRunner = { [RUNNER_FILE_VAR]: undefined, [RUNNER_TOKEN_VAR]: undefined };

  it('refuses FACTORDESK_TEST_HOOKS=1 without the runner token (exit 2) and creates nothing', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const vaultDir = join(t.dir, 'vault');
    const r = await runCli(['--vault', vaultDir, 'init', '--name', ADMIN.name], { ...noRunner, FACTORDESK_PASSWORD: ADMIN.password });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(MESSAGE);
    expect(existsSync(vaultDir)).toBe(false);
    const j = await runCli(['--json', '--vault', vaultDir, 'operators', 'add', 'bob', '--role', 'agent'], { ...noRunner, FACTORDESK_PASSWORD: ADMIN.password });
    expect(j.status).toBe(2);
    expect(oneJson(j.stdout).error?.message).toContain(MESSAGE);
  });

  it('refuses FACTORDESK_TEST_NOW without the runner token', async () => {
    const r = await runCli(['--version'], { ...noRunner, FACTORDESK_TEST_HOOKS: undefined, FACTORDESK_TEST_NOW: String(Date.UTC(2031, 0, 1)) });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("FACTORDESK_TEST_NOW is only for FactorDesk's own test suite");
  });

  it('under the runner, FACTORDESK_TEST_NOW sets the time the vault records', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const vaultDir = join(t.dir, 'vault');
    const now = Date.UTC(2031, 5, 1, 12, 0, 0);
    const r = await runCli(['--json', '--vault', vaultDir, 'init', '--name', ADMIN.name], { FACTORDESK_PASSWORD: ADMIN.password, FACTORDESK_TEST_NOW: String(now) });
    expect(r.status, r.stderr).toBe(0);
    const vault = await unlockWithRecoveryKey({ dir: vaultDir }, oneJson(r.stdout).result.recoveryKey);
    try {
      const ats = (vault.db.prepare('SELECT at FROM audit_events ORDER BY seq').all() as Array<{ at: number }>).map((e) => e.at);
      expect(ats.length).toBeGreaterThan(0);
      for (const at of ats.slice(0, 1)) {
        expect(at).toBeGreaterThanOrEqual(now);
        expect(at - now).toBeLessThan(60_000);
      }
    } finally {
      vault.close();
    }
    const bad = await runCli(['--version'], { FACTORDESK_TEST_NOW: 'tomorrow' });
    expect(bad.status).toBe(2);
  });

  it('the spawned binary: refused without the runner token, fast KDF with it', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const refused = spawnCli(['--vault', join(t.dir, 'a'), 'init', '--name', ADMIN.name], { env: { ...noRunner, FACTORDESK_PASSWORD: ADMIN.password } });
    expect(refused.status, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(MESSAGE);
    expect(existsSync(join(t.dir, 'a'))).toBe(false);
    const made = spawnCli(['--vault', join(t.dir, 'b'), 'init', '--name', ADMIN.name], { env: { FACTORDESK_PASSWORD: ADMIN.password } });
    expect(made.status, made.stderr).toBe(0);
    expect(slotNs(join(t.dir, 'b')).every((n) => n === 2 ** 10)).toBe(true);
  });
});
