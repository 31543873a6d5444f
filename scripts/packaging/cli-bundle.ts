// Bundles the command line into one CommonJS file. Two uses: the Node 22 single executable
// (`npm run dist:cli`, everything inlined except the native database module, which ships beside
// the executable) and the project's own `factordesk` command (`npm run build:cli`, loaded by
// bin/factordesk.js while it matches the sources), which starts in a fraction of the time the
// TypeScript sources take to load.
import { build } from 'vite';
import { join } from 'node:path';

/** The module that is not bundled: it holds a native binary, loaded from `native/` beside the executable. */
export const CLI_NATIVE_MODULE = 'better-sqlite3-multiple-ciphers';

// A single executable's own `require` loads only built-in modules: everything else comes from
// a require rooted at the executable. `import.meta.url` is given a place inside the executable's
// folder (lib/cli/) so that `../../resources/…` finds the files shipped beside it.
const SEA_BANNER = [
  '"use strict";',
  // The native module sits in native/ beside the executable (installers drop folders named node_modules from their resources).
  'var __fdRequire = require("node:module").createRequire(process.execPath);',
  'require = function (id) { return id === "better-sqlite3-multiple-ciphers" ? __fdRequire(require("node:path").join(require("node:path").dirname(process.execPath), "native", id)) : __fdRequire(id); };',
  'var __fdModuleUrl = require("node:url").pathToFileURL(require("node:path").join(require("node:path").dirname(process.execPath), "lib", "cli", "factordesk.cjs")).href;',
].join('\n');

// In the project (out/cli/factordesk.cjs and its chunks in out/cli/chunks/, loaded when a
// command needs them) the native module comes from node_modules as usual. Every module of a
// chunk shares one `import.meta.url`; it is placed two folders below the root, as the sources
// are, so `../../resources/…` is the project's resources/ and the jobs worker
// (`./jobs-worker.ts` beside main/app/jobs.ts) runs from its source.
function projectBanner(chunk: { fileName: string }): string {
  const up = ['..', ...chunk.fileName.split('/').slice(0, -1).map(() => '..')].map((p) => JSON.stringify(p)).join(', ');
  return ['"use strict";', `var __fdModuleUrl = require("node:url").pathToFileURL(require("node:path").join(__dirname, ${up}, "..", "main", "app", "factordesk.cjs")).href;`].join('\n');
}

export type CliBundle = { file: string; /** The project files (not node_modules) the bundle was made from, relative to the root. */ sources: string[] };

async function bundle(root: string, outDir: string, banner: string | ((chunk: { fileName: string }) => string), split: boolean): Promise<CliBundle> {
  const out = await build({
    configFile: false,
    root,
    logLevel: 'warn',
    define: { 'import.meta.url': '__fdModuleUrl' },
    ssr: { noExternal: true, external: [CLI_NATIVE_MODULE] },
    build: {
      ssr: join(root, 'main/cli/sea-main.ts'),
      outDir,
      emptyOutDir: true,
      target: 'node22',
      minify: false,
      sourcemap: false,
      copyPublicDir: false,
      rolldownOptions: {
        external: [CLI_NATIVE_MODULE, /^node:/, 'pg-native'],
        output: { format: 'cjs', entryFileNames: 'factordesk.cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', codeSplitting: split, banner },
      },
    },
  });
  const outputs = (Array.isArray(out) ? out : [out]).flatMap((o) => ('output' in o ? o.output : []));
  const prefix = root.endsWith('/') ? root : `${root}/`;
  const sources = new Set<string>();
  for (const chunk of outputs) {
    if (chunk.type !== 'chunk') continue;
    for (const id of chunk.moduleIds) {
      const path = id.replace(/\?.*$/, '');
      if (path.startsWith(prefix) && !path.includes('/node_modules/')) sources.add(path.slice(prefix.length));
    }
  }
  return { file: join(outDir, 'factordesk.cjs'), sources: [...sources].sort() };
}

/** Writes `<outDir>/factordesk.cjs` from main/cli/sea-main.ts, for the single executable. */
export async function bundleCli(root: string, outDir: string): Promise<string> {
  return (await bundle(root, outDir, SEA_BANNER, false)).file;
}

/** Writes `<outDir>/factordesk.cjs` for bin/factordesk.js, which loads it from out/cli/. */
export async function bundleProjectCli(root: string, outDir: string): Promise<CliBundle> {
  return bundle(root, outDir, projectBanner, true);
}
