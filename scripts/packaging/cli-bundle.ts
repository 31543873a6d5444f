// Bundles the command line into one CommonJS file for the Node 22 single executable. Everything
// is inlined except the native database module, which ships beside the executable.
import { build } from 'vite';
import { join } from 'node:path';

/** The module that is not bundled: it holds a native binary, loaded from `native/` beside the executable. */
export const CLI_NATIVE_MODULE = 'better-sqlite3-multiple-ciphers';

// A single executable's own `require` loads only built-in modules: everything else comes from
// a require rooted at the executable. `import.meta.url` is given a place inside the executable's
// folder (lib/cli/) so that `../../resources/…` finds the files shipped beside it.
const BANNER = [
  '"use strict";',
  // The native module sits in native/ beside the executable (installers drop folders named node_modules from their resources).
  'var __fdRequire = require("node:module").createRequire(process.execPath);',
  'require = function (id) { return id === "better-sqlite3-multiple-ciphers" ? __fdRequire(require("node:path").join(require("node:path").dirname(process.execPath), "native", id)) : __fdRequire(id); };',
  'var __fdModuleUrl = require("node:url").pathToFileURL(require("node:path").join(require("node:path").dirname(process.execPath), "lib", "cli", "factordesk.cjs")).href;',
].join('\n');

/** Writes `<outDir>/factordesk.cjs` from main/cli/sea-main.ts. */
export async function bundleCli(root: string, outDir: string): Promise<string> {
  await build({
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
        output: { format: 'cjs', entryFileNames: 'factordesk.cjs', codeSplitting: false, banner: BANNER },
      },
    },
  });
  return join(outDir, 'factordesk.cjs');
}
