// The stand-alone command line (issue 12 item 28): built once as a Node 22 single executable,
// moved away from the project, then run with an empty PATH (no Node, no node_modules of the
// project): init, import-users, find and a PDF enrollment sheet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCliSea } from '../../scripts/packaging/cli-sea.ts';
import { ADMIN, cliEnv, oneJson, ROOT } from '../fixtures/cli-harness.ts';

const CSV = new URL('../fixtures/cli-users.csv', import.meta.url).pathname;
const KARI = 'kari.nordmann@example.no';

let tmp = '';
let exe = '';
let work = '';

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'fd-sea-test-'));
  await buildCliSea(ROOT, join(tmp, 'built'));
  // Moved: nothing may point back into the build folder or the project.
  renameSync(join(tmp, 'built'), join(tmp, 'installed'));
  exe = join(tmp, 'installed', 'factordesk');
  work = join(tmp, 'work');
}, 120_000);
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function fd(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(exe, ['--vault', join(tmp, 'vault'), '--json', '--operator', ADMIN.name, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...cliEnv({ FACTORDESK_PASSWORD: ADMIN.password, ...env }), PATH: '' },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('factordesk single executable', () => {
  it('is one executable with the native module and resources beside it, no bundle or sources', () => {
    expect(existsSync(exe)).toBe(true);
    expect(existsSync(join(tmp, 'installed', 'native', 'better-sqlite3-multiple-ciphers', 'lib', 'index.js'))).toBe(true);
    expect(existsSync(join(tmp, 'installed', 'resources', 'fonts'))).toBe(true);
    expect(existsSync(join(tmp, 'installed', 'factordesk.cjs'))).toBe(false);
    expect(existsSync(join(tmp, 'installed', 'main'))).toBe(false);
  });

  it('runs init, import-users, find and writes a PDF sheet with an empty PATH', () => {
    expect(work).not.toBe('');
    const v = fd(['--version']);
    expect(v.status).toBe(0);
    expect(oneJson(v.stdout).result).toEqual({ version: '0.1.0' });

    const init = fd(['init', '--name', ADMIN.name, '--display-name', ADMIN.displayName, '--email', ADMIN.email]);
    expect(init.stderr).toBe('');
    expect(oneJson(init.stdout).ok).toBe(true);

    const imp = fd(['import-users', CSV]);
    expect(oneJson(imp.stdout).ok, imp.stdout + imp.stderr).toBe(true);

    const found = fd(['find', 'kari']);
    expect(oneJson(found.stdout).ok).toBe(true);
    expect(found.stdout).toContain(KARI);

    const sheet = join(tmp, 'kari.pdf');
    const re = fd(['reenroll', KARI, '--checks', 'callback', '--ticket', 'HD-7', '--reason', 'New phone', '--sheet', sheet]);
    expect(oneJson(re.stdout).ok, re.stdout + re.stderr).toBe(true);
    expect(readFileSync(sheet).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });
});
