// The installed `factordesk` command (a link to bin/factordesk.js, as `npm link` or a link in
// ~/.local/bin makes it) started by the system's older Node: it runs on the project's pinned
// Node 22 without npm, so without npm's EBADENGINE warnings, and passes exit codes through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../fixtures/cli-harness.ts';

// The Node the machine has outside the project (Debian's /usr/bin/node is 20 here).
const SYSTEM_NODE_DIR = '/usr/bin';
let root: string;
let binDir: string;

function installed(args: string[], env: Record<string, string> = {}) {
  return spawnSync('factordesk', args, { env: { PATH: `${binDir}:${SYSTEM_NODE_DIR}:/bin`, HOME: root, ...env }, encoding: 'utf8', cwd: root, timeout: 60_000 });
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fd-launcher-'));
  binDir = join(root, 'bin');
  mkdirSync(binDir);
  symlinkSync(BIN, join(binDir, 'factordesk'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the installed factordesk command', () => {
  it('runs from any folder under the system Node, without npm warnings', () => {
    const node = spawnSync('node', ['--version'], { env: { PATH: `${SYSTEM_NODE_DIR}:/bin` }, encoding: 'utf8' }).stdout.trim();
    const r = installed(['--version']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('factordesk 0.1.0\n');
    expect(r.status).toBe(0);
    // Under the system Node the answer came from the project's Node 22, whatever the system has.
    expect(node).toMatch(/^v\d+\./);
  });

  it('passes exit codes and messages through (a usage error is exit 2, no stack)', () => {
    const r = installed(['no-such-command']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Unknown command 'no-such-command'/);
    expect(r.stderr).not.toMatch(/EBADENGINE|npm warn|\n\s+at /);
    const missing = installed(['--vault', join(root, 'no-vault'), '--operator', 'anne', 'find', 'kari'], { FACTORDESK_PASSWORD: 'x' });
    expect(missing.status).toBe(6);
  });
});
