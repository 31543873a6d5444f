/**
 * Test-only hooks: the fast KDF profile, named crash points and a moved clock. They are honoured
 * only inside FactorDesk's own test runner: FACTORDESK_TEST_HOOKS=1 alone does nothing. The
 * runner's global setup (test/helpers/global-setup.ts) writes a random token to a 0600 file in a
 * private temporary folder and exports the file's path and the token; hooks are on only while
 * both match. Processes the tests spawn inherit both. The Electron bundle replaces
 * `__FACTORDESK_APP_BUNDLE__` with `true` at build time, which turns the hooks off for good.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '../core/clock.ts';
import { FactorDeskError } from '../core/errors.ts';

declare const __FACTORDESK_APP_BUNDLE__: boolean | undefined;

/** The runner's token file (absolute path) and the token in it (64 hex digits). */
export const RUNNER_FILE_VAR = 'FACTORDESK_TEST_RUNNER_FILE';
export const RUNNER_TOKEN_VAR = 'FACTORDESK_TEST_RUNNER_TOKEN';

/** Variables only the test suite sets; the command line refuses them outside it. */
export const TEST_ONLY_VARS = ['FACTORDESK_TEST_HOOKS', 'FACTORDESK_TEST_NOW', 'FACTORDESK_CRASH_AT'] as const;

type Env = Record<string, string | undefined>;

/** Runner tokens already found valid (path and token); a check reads two inodes and a small file. */
const verified = new Set<string>();

/** True when test hooks may be used by this process (or by a process with environment `env`). */
export function testHooksEnabled(env: Env = process.env): boolean {
  const inAppBundle = typeof __FACTORDESK_APP_BUNDLE__ !== 'undefined' && __FACTORDESK_APP_BUNDLE__;
  if (inAppBundle || env.FACTORDESK_TEST_HOOKS !== '1') return false;
  return runnerTokenValid(env[RUNNER_FILE_VAR], env[RUNNER_TOKEN_VAR]);
}

/**
 * The token file must be a regular file (not a link) holding exactly the token, readable by
 * this OS user only, in a folder only this user can write: so a person cannot turn the hooks on
 * by copying one variable from a script, and another user cannot plant a token.
 */
function runnerTokenValid(file: string | undefined, token: string | undefined): boolean {
  if (!file || !token || !/^[0-9a-f]{64}$/.test(token) || !isAbsolute(file)) return false;
  const key = `${file}\0${token}`;
  if (verified.has(key)) return true;
  try {
    const f = lstatSync(file);
    const d = lstatSync(dirname(file));
    if (!f.isFile() || !d.isDirectory()) return false;
    if (process.platform !== 'win32') {
      const uid = process.getuid?.();
      if (f.uid !== uid || d.uid !== uid || (f.mode & 0o077) !== 0 || (d.mode & 0o077) !== 0) return false;
    }
    const content = readFileSync(file);
    const wanted = Buffer.from(token, 'utf8');
    if (content.length !== wanted.length || !timingSafeEqual(content, wanted)) return false;
  } catch {
    return false;
  }
  verified.add(key);
  return true;
}

/**
 * A test-only variable that is set while the hooks are off (the runner's token is missing), or
 * null. The command line refuses to run then rather than quietly ignore what the person asked.
 */
export function misusedTestVariable(env: Env): (typeof TEST_ONLY_VARS)[number] | null {
  if (testHooksEnabled(env)) return null;
  return TEST_ONLY_VARS.find((k) => env[k] !== undefined && env[k] !== '') ?? null;
}

/**
 * The clock for one process entry (the command line): the system clock, or, under test hooks,
 * one that starts at FACTORDESK_TEST_NOW (epoch milliseconds) and runs on from there.
 */
export function entryClock(env: Env = process.env): Clock {
  const raw = env.FACTORDESK_TEST_NOW;
  if (raw === undefined || raw === '' || !testHooksEnabled(env)) return systemClock;
  const start = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(start)) throw new FactorDeskError('BAD_REQUEST', 'FACTORDESK_TEST_NOW must be a time in epoch milliseconds.');
  const offset = start - systemClock.now();
  return { now: () => systemClock.now() + offset };
}

/**
 * A named point where the fault suite may kill this process (SIGKILL to itself), to prove that
 * every action is whole or absent after a crash. No-op unless test hooks are on and
 * FACTORDESK_CRASH_AT names this point (optionally `name@N` to crash on the N-th pass).
 */
export function crashPoint(name: string): void {
  const spec = process.env.FACTORDESK_CRASH_AT;
  if (!spec || !testHooksEnabled()) return;
  const [target, nth] = spec.split('@');
  if (target !== name) return;
  const wanted = nth ? Number(nth) : 1;
  passes.set(name, (passes.get(name) ?? 0) + 1);
  if ((passes.get(name) ?? 0) >= wanted) process.kill(process.pid, 'SIGKILL');
}

const passes = new Map<string, number>();
