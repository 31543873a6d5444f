import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Runs a .ts fixture under this Node (22, type stripping) with test hooks on. */
export function runFixture(fixture: string, args: string[], env: Record<string, string> = {}): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const path = fileURLToPath(new URL(`../fixtures/${fixture}`, import.meta.url));
  const r = spawnSync(process.execPath, ['--no-warnings', path, ...args], {
    env: { ...process.env, FACTORDESK_TEST_HOOKS: '1', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}
