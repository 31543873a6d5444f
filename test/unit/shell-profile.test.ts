// The Chromium profile folder is never the vault folder, and a packaged build refuses debugging
// switches and development mode.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { APP_PARTITION, PRINT_PARTITION, profileDir } from '../../main/shell/profile.ts';
import { isDevMode, refusedDebugMessage, refusedDebugSwitch } from '../../main/shell/packaged.ts';
import { mainWindowOptions, printWindowOptions } from '../../main/shell/window-options.ts';

describe('profile folder', () => {
  it('is a folder of its own beside the default vault folder, also where names ignore case', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const appData = '/home/kari/.config';
      // Electron's default userData is <appData>/<name>: "factordesk", the vault folder on macOS and Windows.
      const p = profileDir(appData, join(appData, 'FactorDesk'), platform);
      expect(p, platform).toBe(join(appData, 'FactorDesk Profile'));
    }
  });

  it('moves out of the way of a configured vault folder that is, holds or lies inside it', () => {
    const appData = '/home/kari/.config';
    for (const vault of [join(appData, 'FactorDesk Profile'), join(appData, 'factordesk profile'), appData, '/home/kari', join(appData, 'FactorDesk Profile', 'vault')]) {
      const p = profileDir(appData, vault, 'darwin');
      const lp = p.toLowerCase();
      const lv = vault.toLowerCase();
      expect(lp === lv || lp.startsWith(lv + '/') || lv.startsWith(lp + '/'), `${vault} → ${p}`).toBe(false);
    }
    expect(() => profileDir('/', '/', 'linux')).toThrow();
  });

  it('keeps the windows in memory-only sessions', () => {
    expect(mainWindowOptions('/app/preload.cjs').webPreferences?.partition).toBe(APP_PARTITION);
    expect(printWindowOptions().webPreferences?.partition).toBe(PRINT_PARTITION);
    for (const p of [APP_PARTITION, PRINT_PARTITION]) expect(p.startsWith('persist:')).toBe(false);
  });
});

describe('packaged build', () => {
  it('exits on --inspect and --remote-debugging-port, in every spelling', () => {
    for (const arg of ['--inspect', '--inspect=9229', '--inspect-brk=0', '--remote-debugging-port=9222', '-remote-debugging-port=9222', '--REMOTE-DEBUGGING-PORT=1', '--remote-debugging-pipe']) {
      expect(refusedDebugSwitch(['/opt/FactorDesk/factordesk', arg], true), arg).not.toBe(null);
    }
    expect(refusedDebugSwitch(['/opt/FactorDesk/factordesk', '--lang=nb', 'inspect'], true)).toBe(null);
    // A development build may be debugged.
    expect(refusedDebugSwitch(['electron', '--inspect'], false)).toBe(null);
    const msg = refusedDebugMessage('--inspect');
    expect(msg).toContain('refused in an installed build');
    expect(msg).toContain('avvises i en installert versjon');
  });

  it('ignores FACTORDESK_DEV, so DevTools stay off', () => {
    expect(isDevMode(true, { FACTORDESK_DEV: '1' })).toBe(false);
    expect(isDevMode(false, { FACTORDESK_DEV: '1' })).toBe(true);
    expect(isDevMode(false, {})).toBe(false);
    expect(mainWindowOptions('/app/preload.cjs', { dev: isDevMode(true, { FACTORDESK_DEV: '1' }) }).webPreferences?.devTools).toBe(false);
  });
});
