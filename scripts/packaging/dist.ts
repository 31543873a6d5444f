// `npm run dist [-- --win|--mac|--linux]`: builds the app (electron-vite), the stand-alone
// command line (dist-cli/, scripts/packaging/cli-sea.ts) and then the installers for the given
// platforms (default: this one) into dist/, with scripts/packaging/builder-config.ts.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build, Platform } from 'electron-builder';
import { builderConfig } from './builder-config.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const platforms = [args.includes('--win') && Platform.WINDOWS, args.includes('--mac') && Platform.MAC, args.includes('--linux') && Platform.LINUX].filter((p) => p !== false);

execFileSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'inherit' });
execFileSync(process.execPath, ['scripts/packaging/cli-sea.ts'], { cwd: root, stdio: 'inherit' });
const targets = new Map();
for (const p of platforms.length > 0 ? platforms : [Platform.current()]) for (const [k, v] of p.createTarget()) targets.set(k, v);
await build({ projectDir: root, targets, publish: 'never', config: builderConfig(process.env) });
