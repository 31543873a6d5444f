// The installer configuration (issue 12 item 28). The Electron binary cannot be fetched here, so
// electron-builder packs the real `out/` into a Linux `--dir` build around a stand-in Electron;
// the app.asar it writes is then listed with @electron/asar.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listPackage } from '@electron/asar';
import { build, Platform } from 'electron-builder';
import { ASAR_UNPACK, builderConfig, NATIVE_MODULE } from '../../scripts/packaging/builder-config.ts';
import { ELECTRON_FUSES } from '../../scripts/packaging/fuses.ts';
import { checkMacSigning, macNotarize, signWindows, windowsSignCommand, type SignCommand } from '../../scripts/packaging/sign.ts';
import { ROOT } from '../helpers/suites.ts';

const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

describe('electron-builder configuration', () => {
  const config = builderConfig({});

  it('targets NSIS and MSI, dmg, AppImage and deb', () => {
    expect(config.win?.target).toEqual(['nsis', 'msi']);
    expect(config.mac?.target).toEqual(['dmg']);
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
  });

  it('sets the fuses from the fuse list: RunAsNode, NodeOptions, NodeCliInspect and file:// privileges off; asar integrity, asar-only and cookie encryption on', () => {
    expect(config.electronFuses).toEqual(ELECTRON_FUSES);
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      grantFileProtocolExtraPrivileges: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
    });
  });

  it('ships the stand-alone command line as resources/cli, unpacks the native module and does not rebuild it', () => {
    expect(config.extraResources).toEqual([{ from: 'dist-cli', to: 'cli', filter: ['**/*'] }]);
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(ASAR_UNPACK);
    expect(config.npmRebuild).toBe(false);
  });

  it('installs the command: the NSIS include and the deb scripts exist, the deb ones link /usr/bin/factordesk', () => {
    const nsh = readFileSync(join(ROOT, config.nsis!.include!), 'utf8');
    expect(nsh).toContain('!macro customInstall');
    expect(nsh).toContain('!macro customUnInstall');
    expect(nsh).toContain('$INSTDIR\\resources\\cli');
    expect(readFileSync(join(ROOT, config.deb!.afterInstall!), 'utf8')).toContain("ln -sf '/opt/FactorDesk/resources/cli/factordesk' /usr/bin/factordesk");
    expect(readFileSync(join(ROOT, config.deb!.afterRemove!), 'utf8')).toContain('rm -f /usr/bin/factordesk');
  });

  it.skipIf(!existsSync('/usr/bin/makensis'))('installer.nsh compiles with makensis, with its install and uninstall macros used', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-nsis-'));
    try {
      const nsi = join(dir, 'test.nsi');
      writeFileSync(
        nsi,
        [
          'Unicode true',
          `!include "${join(ROOT, 'scripts/packaging/installer.nsh')}"`,
          `OutFile "${join(dir, 'fd-installer.exe')}"`,
          'InstallDir "$LOCALAPPDATA\\FactorDesk"',
          'RequestExecutionLevel user',
          'Section "install"',
          '  !insertmacro customInstall',
          '  WriteUninstaller "$INSTDIR\\uninstall.exe"',
          'SectionEnd',
          'Section "Uninstall"',
          '  !insertmacro customUnInstall',
          'SectionEnd',
        ].join('\n'),
      );
      const r = spawnSync('makensis', ['-V2', '-WX', nsi], { encoding: 'utf8' });
      expect(r.stderr + r.stdout).not.toMatch(/error/i);
      expect(r.status).toBe(0);
      expect(existsSync(join(dir, 'fd-installer.exe'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('code-signing hooks', () => {
  const task = { path: 'C:\\build\\FactorDesk Setup.exe', hash: 'sha256', isNest: false };

  it('leaves Windows files unsigned without a certificate, and fails when signing is required', async () => {
    expect(windowsSignCommand(task.path, 'sha256', false, {}, 'win32')).toBeNull();
    const ran: SignCommand[] = [];
    await expect(signWindows(task, {}, 'win32', (c) => ran.push(c))).resolves.toBe(false);
    expect(ran).toEqual([]);
    await expect(signWindows(task, { FACTORDESK_REQUIRE_SIGNING: '1' }, 'win32', (c) => ran.push(c))).rejects.toThrow(/FACTORDESK_WIN_CERT_FILE/);
    expect(ran).toEqual([]);
  });

  it('signs with signtool on Windows and osslsigncode elsewhere, with the certificate from the environment', async () => {
    const env = { FACTORDESK_WIN_CERT_FILE: '/keys/fd.pfx', FACTORDESK_WIN_CERT_PASSWORD: 'pw-123' };
    const ran: SignCommand[] = [];
    await expect(signWindows(task, env, 'win32', (c) => ran.push(c))).resolves.toBe(true);
    expect(ran[0]!.tool).toBe('signtool.exe');
    expect(ran[0]!.args).toEqual(expect.arrayContaining(['sign', '/fd', 'sha256', '/f', '/keys/fd.pfx', '/p', 'pw-123']));
    expect(ran[0]!.args.at(-1)).toBe(task.path);
    const linux = windowsSignCommand('/b/app.exe', 'sha256', true, env, 'linux')!;
    expect(linux.tool).toBe('osslsigncode');
    expect(linux.args).toEqual(expect.arrayContaining(['-pkcs12', '/keys/fd.pfx', '-pass', 'pw-123', '-nest', '-in', '/b/app.exe', '-out', '/b/app.exe.signed']));
  });

  it('the config routes Windows signing through the hook', async () => {
    const sign = builderConfig({ FACTORDESK_REQUIRE_SIGNING: '1' }).win!.signtoolOptions!.sign as (t: typeof task) => Promise<unknown>;
    await expect(sign(task)).rejects.toThrow(/FACTORDESK_REQUIRE_SIGNING/);
  });

  it('notarizes macOS builds only with Apple credentials, and a required signature needs an identity', () => {
    expect(macNotarize({})).toBe(false);
    expect(builderConfig({}).mac!.notarize).toBe(false);
    const apple = { APPLE_ID: 'a@b.no', APPLE_APP_SPECIFIC_PASSWORD: 'x', APPLE_TEAM_ID: 'T' };
    expect(builderConfig(apple).mac!.notarize).toBe(true);
    expect(() => checkMacSigning({})).not.toThrow();
    expect(() => checkMacSigning({ FACTORDESK_REQUIRE_SIGNING: '1', ...apple })).toThrow(/CSC_LINK/);
    expect(() => checkMacSigning({ FACTORDESK_REQUIRE_SIGNING: '1', CSC_LINK: '/k.p12', ...apple })).not.toThrow();
  });
});

describe('what a packaged build contains (Linux --dir build around a stand-in Electron)', () => {
  let tmp = '';
  let appDir = '';
  let listing: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'out/main/index.js'))) execFileSync('npx', ['electron-vite', 'build'], { cwd: ROOT, stdio: 'ignore' });
    tmp = mkdtempSync(join(tmpdir(), 'fd-pack-'));
    const electronDist = join(tmp, 'electron');
    mkdirSync(electronDist);
    writeFileSync(join(electronDist, 'electron'), '#!/bin/sh\n');
    chmodSync(join(electronDist, 'electron'), 0o755);
    const cli = join(tmp, 'cli');
    mkdirSync(cli);
    writeFileSync(join(cli, 'factordesk'), 'stand-in');
    // Laid out as cli-sea.ts lays it out: the native module and the resources beside the executable.
    mkdirSync(join(cli, 'native', NATIVE_MODULE, 'lib'), { recursive: true });
    writeFileSync(join(cli, 'native', NATIVE_MODULE, 'lib', 'index.js'), 'stand-in');
    mkdirSync(join(cli, 'resources', 'fonts'), { recursive: true });
    writeFileSync(join(cli, 'resources', 'fonts', 'font.ttf'), 'stand-in');
    const config = builderConfig({});
    await build({
      projectDir: ROOT,
      targets: Platform.LINUX.createTarget('dir'),
      publish: 'never',
      // The stand-in binary has no fuse sentinel: the fuse values are checked above instead.
      config: { ...config, electronFuses: undefined, electronDist, electronVersion: PKG.devDependencies.electron!.replace(/^\^/, ''), extraResources: [{ ...(config.extraResources as Array<Record<string, unknown>>)[0]!, from: cli }], directories: { ...config.directories, output: join(tmp, 'dist') } },
    });
    appDir = join(tmp, 'dist', 'linux-unpacked');
    listing = listPackage(join(appDir, 'resources', 'app.asar'), { isPack: false }).map((p) => p.replaceAll('\\', '/'));
  }, 120_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('app.asar holds the built main, preload and renderer and package.json, no sources or source maps', () => {
    for (const f of ['/package.json', '/out/main/index.js', '/out/main/jobs-worker.js', '/out/preload/index.cjs', '/out/renderer/index.html']) expect(listing).toContain(f);
    expect(listing.filter((p) => /^\/(main|renderer|contract|test|scripts|preload)\//.test(p))).toEqual([]);
    expect(listing.filter((p) => p.startsWith('/out/') && p.endsWith('.map'))).toEqual([]);
  });

  it('includes every runtime dependency and no development one', () => {
    const modules = new Set(listing.filter((p) => p.startsWith('/node_modules/')).map((p) => p.split('/').slice(2, p.split('/')[2]!.startsWith('@') ? 4 : 3).join('/')));
    for (const dep of Object.keys(PKG.dependencies)) expect(modules, dep).toContain(dep);
    for (const dev of ['electron', 'electron-builder', 'vitest', 'vite', 'electron-vite', 'playwright-core', 'oxlint', 'node', 'postject']) expect(modules.has(dev), dev).toBe(false);
  });

  it('unpacks the native module beside app.asar, and ships the command line in resources/cli', () => {
    const unpacked = join(appDir, 'resources', 'app.asar.unpacked', 'node_modules', NATIVE_MODULE);
    const find = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? find(join(dir, e.name)) : [join(dir, e.name)]));
    expect(find(unpacked).some((f) => f.endsWith('.node'))).toBe(true);
    for (const f of ['factordesk', `native/${NATIVE_MODULE}/lib/index.js`, 'resources/fonts/font.ttf']) expect(existsSync(join(appDir, 'resources', 'cli', f)), f).toBe(true);
  });
});
