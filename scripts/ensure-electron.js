// Installs the Electron binary before `npm start` if it is missing. electron >= 42 has no
// postinstall and fetches its binary lazily; this makes the first start explicit and gives a
// clear message where the download is blocked (see README: "Where the Electron download is blocked").
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const electronDir = dirname(require.resolve('electron/package.json'));
const pathFile = join(electronDir, 'path.txt');
const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
const installed = override
  ? existsSync(override)
  : existsSync(pathFile) && existsSync(join(electronDir, 'dist', readFileSync(pathFile, 'utf8')));

if (!installed) {
  console.error('FactorDesk: installing the Electron binary (first start only)…');
  const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(
      '\nFactorDesk: the Electron binary could not be downloaded.\n' +
        'Set ELECTRON_MIRROR to a reachable mirror, or ELECTRON_OVERRIDE_DIST_PATH to a folder holding an\n' +
        'Electron 45 build, then run `npm start` again. The command line (`npx factordesk`) works without Electron.',
    );
    process.exit(1);
  }
}
