// Installs the Electron binary before `npm start` if it is missing. electron >= 42 has no
// postinstall and fetches its binary lazily; this makes the first start explicit and gives a
// clear message where the download is blocked (see README: "Where the Electron download is blocked").
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BLOCKED =
  'FactorDesk: the Electron binary could not be downloaded.\n' +
  'Set ELECTRON_MIRROR to a reachable mirror, or ELECTRON_OVERRIDE_DIST_PATH to a folder holding an\n' +
  'Electron 45 build, then run `npm start` again. The command line (`npx factordesk`) works without Electron.';

/**
 * The one line worth showing from the installer's output: the error's own message (e.g.
 * "fetch failed", "HTTPError: Response code 404"), never its stack.
 */
export function failureReason(output) {
  const lines = String(output ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/^at\s/.test(l));
  const err = lines.find((l) => /^(?:[A-Z]\w*)?Error\b[^:]*:/.test(l)) ?? lines.find((l) => /\b(?:ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN)\b/.test(l));
  if (!err) return null;
  // Drop the class name and any control characters; keep it to one short line.
  const text = err.replace(/^(?:[A-Z]\w*)?Error\b[^:]*:\s*/, '').replace(/[\u0000-\u001f\u007f]/g, '');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text || null;
}

/**
 * Makes sure the Electron binary is there; runs Electron's own installer when it is not. The
 * installer's output is captured, not passed through: where the download fails it prints a raw
 * stack (`TypeError: fetch failed` …), and a person needs the way out, not the trace.
 * Returns the exit code for the process (0 when Electron is ready).
 */
export function ensureElectron({ electronDir, env = process.env, log = (m) => console.error(m), execPath = process.execPath } = {}) {
  const pathFile = join(electronDir, 'path.txt');
  // An empty ELECTRON_OVERRIDE_DIST_PATH means "not set" (as Electron itself reads it).
  const override = env.ELECTRON_OVERRIDE_DIST_PATH || '';
  if (override) {
    if (existsSync(override)) return 0;
    log(`FactorDesk: ELECTRON_OVERRIDE_DIST_PATH names ${resolve(override)}, which does not exist.\n` + 'Point it at the folder of an unpacked Electron 45 build, or unset it to download Electron.');
    return 1;
  }
  const installed = existsSync(pathFile) && existsSync(join(electronDir, 'dist', readFileSync(pathFile, 'utf8')));
  if (installed) return 0;
  log('FactorDesk: installing the Electron binary (first start only)…');
  const childEnv = { ...env };
  if (childEnv.ELECTRON_OVERRIDE_DIST_PATH === '') delete childEnv.ELECTRON_OVERRIDE_DIST_PATH;
  const r = spawnSync(execPath, [join(electronDir, 'install.js')], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (r.status === 0 && !r.error) return 0;
  const reason = r.error ? r.error.message : failureReason(`${r.stderr ?? ''}\n${r.stdout ?? ''}`);
  log(`\n${BLOCKED}${reason ? `\n(The download failed: ${reason}.)` : ''}`);
  return 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const require = createRequire(import.meta.url);
  const code = ensureElectron({ electronDir: dirname(require.resolve('electron/package.json')) });
  if (code !== 0) process.exit(code);
}
