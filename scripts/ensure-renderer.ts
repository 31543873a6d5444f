// Builds the app (electron-vite, the project's own binary) when out/renderer/index.html is
// missing or older than anything the renderer is built from. `node scripts/ensure-renderer.ts`
// does it from the command line; the bench imports `ensureRenderer`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** What the renderer bundle is made from: its sources, the shared contract, the build config. */
const SOURCES = ['renderer', 'contract', 'electron.vite.config.ts'];

/** Newest modification time (ms) of a file or of any file under a folder; 0 when absent. */
function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, e.name)));
  }
  return newest;
}

/** Why a build is needed ('missing', 'stale'), or null when out/renderer is up to date. */
export function rendererBuildNeeded(root = ROOT): 'missing' | 'stale' | null {
  const index = join(root, 'out', 'renderer', 'index.html');
  if (!existsSync(index)) return 'missing';
  const built = statSync(index).mtimeMs;
  return SOURCES.some((s) => newestMtime(join(root, s)) > built) ? 'stale' : null;
}

/** Runs `electron-vite build` when needed; throws when the build fails. Returns whether it built. */
export function ensureRenderer(root = ROOT, log: (s: string) => void = (s) => process.stderr.write(`${s}\n`)): boolean {
  const why = rendererBuildNeeded(root);
  if (!why) return false;
  const bin = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'electron-vite.cmd' : 'electron-vite');
  if (!existsSync(bin)) throw new Error(`out/renderer is ${why} and ${bin} is not installed: run npm install.`);
  log(`out/renderer is ${why}: running electron-vite build`);
  const r = spawnSync(bin, ['build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], timeout: 10 * 60_000, shell: process.platform === 'win32' });
  if (r.error) throw new Error(`electron-vite build could not run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`electron-vite build failed (exit ${r.status ?? r.signal}).`);
  if (!existsSync(join(root, 'out', 'renderer', 'index.html'))) throw new Error('electron-vite build finished without out/renderer/index.html.');
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  try {
    ensureRenderer();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
