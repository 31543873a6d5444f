// `npm run dist:cli`: the `factordesk` command line as a Node 22 single executable (SEA) in
// dist-cli/ (or the folder given as the first argument). The CLI is bundled into one CommonJS
// file (cli-bundle.ts), turned into a SEA blob and injected with postject into a copy of the
// Node 22 binary of the pinned `node` devDependency. Beside the executable: the native database
// module (native/better-sqlite3-multiple-ciphers, this platform's prebuilt binary only)
// and resources/ (the sheet's font). Built for the platform it runs on.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCli, CLI_NATIVE_MODULE } from './cli-bundle.ts';

/** The sentinel Node looks for to know a blob was injected (documented in Node's SEA guide). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export async function buildCliSea(root: string, outDir: string): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'fd-sea-'));
  try {
    const bundle = await bundleCli(root, join(work, 'bundle'));
    const blob = join(work, 'factordesk.blob');
    const seaConfig = join(work, 'sea-config.json');
    writeFileSync(seaConfig, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false }));
    const node = join(root, 'node_modules', 'node', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
    if (!existsSync(node)) throw new Error(`the pinned Node 22 binary is missing (${node}): run npm ci`);
    execFileSync(node, ['--experimental-sea-config', seaConfig], { stdio: ['ignore', 'ignore', 'inherit'] });

    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const exe = join(outDir, process.platform === 'win32' ? 'factordesk.exe' : 'factordesk');
    copyFileSync(node, exe);
    chmodSync(exe, 0o755);
    // The binary's signature is removed on macOS (and re-signed ad hoc after); Windows builds are signed by the installer build.
    if (process.platform === 'darwin') execFileSync('codesign', ['--remove-signature', exe]);
    const postject = join(root, 'node_modules', 'postject', 'dist', 'cli.js');
    const postjectArgs = [postject, exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE];
    if (process.platform === 'darwin') postjectArgs.push('--macho-segment-name', 'NODE_SEA');
    execFileSync(node, postjectArgs, { stdio: ['ignore', 'ignore', 'inherit'] });
    if (process.platform === 'darwin') execFileSync('codesign', ['--sign', '-', exe]);

    // The native module, with only this platform's prebuilt binary.
    const src = join(root, 'node_modules', CLI_NATIVE_MODULE);
    const dst = join(outDir, 'native', CLI_NATIVE_MODULE);
    mkdirSync(join(dst, 'prebuilds'), { recursive: true });
    copyFileSync(join(src, 'package.json'), join(dst, 'package.json'));
    copyFileSync(join(src, 'LICENSE'), join(dst, 'LICENSE'));
    cpSync(join(src, 'lib'), join(dst, 'lib'), { recursive: true });
    for (const f of readdirSync(join(src, 'prebuilds'))) if (f.startsWith(`${process.platform}-`)) copyFileSync(join(src, 'prebuilds', f), join(dst, 'prebuilds', f));
    cpSync(join(root, 'resources'), join(outDir, 'resources'), { recursive: true });
    return exe;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const exe = await buildCliSea(root, resolve(root, process.argv[2] ?? 'dist-cli'));
  process.stdout.write(`factordesk dist:cli: ${exe}\n`);
}
