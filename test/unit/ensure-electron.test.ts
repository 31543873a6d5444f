// `npm start` where the Electron binary cannot be downloaded: scripts/ensure-electron.js prints
// its own message and the reason in one line, never the installer's raw stack. The installer is
// a stand-in that fails like Electron's does offline, or Electron's own with the network blocked
// (a mirror on a closed local port and an empty cache): nothing is downloaded either way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../scripts/ensure-electron.js', import.meta.url));
const STACK = /\n\s+at .+:\d+:\d+|node:internal|TypeError/;
let root: string;

/** Runs ensureElectron over `electronDir` in a child, as `npm start` would run the script. */
function ensure(electronDir: string, env: Record<string, string | undefined> = {}) {
  const code = `import { ensureElectron } from ${JSON.stringify(SCRIPT)}; process.exitCode = ensureElectron({ electronDir: process.argv[1] });`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  return spawnSync(process.execPath, ['--input-type=module', '-e', code, electronDir], { env: childEnv, encoding: 'utf8', timeout: 60_000 });
}

/** A fake electron package folder whose install.js fails the way Electron's does offline. */
function fakeElectron(name: string, installJs: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'install.js'), installJs);
  return dir;
}

const FETCH_FAILED = `const e = new TypeError('fetch failed'); e.cause = new Error('connect ECONNREFUSED 127.0.0.1:443'); console.error(e.stack); console.error('  [cause]: ' + e.cause.stack); process.exit(1);`;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fd-ensure-electron-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('ensure-electron', () => {
  it('a failed download prints the way out and the reason, no stack (exit 1)', () => {
    const dir = fakeElectron('offline', FETCH_FAILED);
    for (const env of [{ ELECTRON_OVERRIDE_DIST_PATH: undefined }, { ELECTRON_OVERRIDE_DIST_PATH: '' }]) {
      const r = ensure(dir, env);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/the Electron binary could not be downloaded/);
      expect(r.stderr).toMatch(/ELECTRON_MIRROR/);
      expect(r.stderr).toMatch(/\(The download failed: fetch failed\.\)/);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.stdout).toBe('');
    }
  });

  it('an installer that dies without an error line still gets the message alone', () => {
    const r = ensure(fakeElectron('silent', 'process.exit(3);'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/could not be downloaded/);
    expect(r.stderr).not.toMatch(/The download failed/);
  });

  it('an installed binary or an existing override folder: nothing runs (exit 0)', () => {
    const dir = fakeElectron('installed', 'throw new Error("must not run");');
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'path.txt'), 'electron');
    writeFileSync(join(dir, 'dist', 'electron'), '');
    expect(ensure(dir).status).toBe(0);
    const other = fakeElectron('override', 'throw new Error("must not run");');
    const r = ensure(other, { ELECTRON_OVERRIDE_DIST_PATH: dir });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('an override folder that does not exist is named, not downloaded around', () => {
    const r = ensure(fakeElectron('missing-override', FETCH_FAILED), { ELECTRON_OVERRIDE_DIST_PATH: join(root, 'no-such-electron') });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ELECTRON_OVERRIDE_DIST_PATH names .*no-such-electron, which does not exist/);
    expect(r.stderr).not.toMatch(STACK);
  });

  const electronDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  const installed = existsSync(join(electronDir, 'path.txt'));
  it.skipIf(installed)("Electron's own installer with the network blocked: the message, no stack", () => {
    const cache = join(root, 'cache');
    mkdirSync(cache);
    const r = spawnSync(process.execPath, [SCRIPT], {
      env: { ...process.env, ELECTRON_MIRROR: 'http://127.0.0.1:9/', electron_config_cache: cache, ELECTRON_OVERRIDE_DIST_PATH: '', HTTPS_PROXY: '', HTTP_PROXY: '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/could not be downloaded/);
    expect(r.stderr).not.toMatch(STACK);
    expect(existsSync(join(electronDir, 'path.txt'))).toBe(false);
  });
});
