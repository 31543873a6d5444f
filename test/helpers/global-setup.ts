// Vitest global setup: the token that turns FactorDesk's test hooks on (fast KDF, crash points,
// FACTORDESK_TEST_NOW) for this run only. A random token goes into a 0600 file in a fresh 0700
// folder; its path and the token are exported, so test workers and every process they spawn
// (CLI children, fixtures) inherit them. main/core/test-hooks.ts checks that both match.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUNNER_FILE_VAR, RUNNER_TOKEN_VAR } from '../../main/platform/test-hooks.ts';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'fd-test-runner-'));
  chmodSync(dir, 0o700);
  const token = randomBytes(32).toString('hex');
  const file = join(dir, 'token');
  writeFileSync(file, token, { mode: 0o600, flag: 'wx' });
  process.env[RUNNER_FILE_VAR] = file;
  process.env[RUNNER_TOKEN_VAR] = token;
  process.env.FACTORDESK_TEST_HOOKS = '1';
  return () => rmSync(dir, { recursive: true, force: true });
}
