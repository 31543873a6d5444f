// The electron-builder configuration of the installers: Windows NSIS and MSI, macOS dmg, Linux
// AppImage and deb. `npm run dist` (scripts/packaging/dist.ts) builds with it;
// test/packaging/builder-config.test.ts checks it. The stand-alone command line (dist-cli/, made
// by `npm run dist:cli`) is shipped as resources/cli.
import type { Configuration } from 'electron-builder';
import { ELECTRON_FUSES } from './fuses.ts';
import { checkMacSigning, macNotarize, signWindows, type Env } from './sign.ts';

/** The native database module: unpacked from app.asar (a .node file cannot load from inside it). */
export const NATIVE_MODULE = 'better-sqlite3-multiple-ciphers';
export const ASAR_UNPACK = [`**/node_modules/${NATIVE_MODULE}/**`];

export function builderConfig(env: Env = process.env): Configuration {
  return {
    appId: 'no.factordesk.app',
    productName: 'FactorDesk',
    executableName: 'factordesk-app',
    directories: { output: 'dist', buildResources: 'resources' },
    // Only the built app and package.json go into app.asar; runtime dependencies are added by
    // electron-builder from package.json's `dependencies`.
    files: ['out/**/*', 'package.json', '!**/*.map'],
    asar: true,
    asarUnpack: ASAR_UNPACK,
    // The native module is built for Electron when it is installed; no rebuild at packaging.
    npmRebuild: false,
    extraResources: [{ from: 'dist-cli', to: 'cli', filter: ['**/*'] }],
    electronFuses: { ...ELECTRON_FUSES },
    win: {
      target: ['nsis', 'msi'],
      signtoolOptions: {
        signingHashAlgorithms: ['sha256'],
        sign: (task) => signWindows(task, env),
      },
    },
    nsis: {
      oneClick: false,
      perMachine: false,
      allowToChangeInstallationDirectory: true,
      include: 'scripts/packaging/installer.nsh',
    },
    msi: { oneClick: false, perMachine: true },
    mac: {
      target: ['dmg'],
      category: 'public.app-category.business',
      hardenedRuntime: true,
      notarize: macNotarize(env),
    },
    dmg: {},
    linux: {
      target: ['AppImage', 'deb'],
      category: 'Office',
      maintainer: 'FactorDesk',
    },
    deb: {
      afterInstall: 'scripts/packaging/linux/after-install.sh',
      afterRemove: 'scripts/packaging/linux/after-remove.sh',
    },
    // Checked before anything is packed: a required signature without its identity fails early.
    beforePack: async (ctx) => {
      if (ctx.electronPlatformName === 'darwin') checkMacSigning(env);
    },
  };
}
