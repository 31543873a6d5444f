import type { BrowserWindowConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { mainWindowOptions, printWindowOptions } from '../../main/shell/window-options.ts';

const PRELOAD = '/opt/factordesk/out/preload/index.cjs';

const HARDENED = {
  sandbox: true,
  contextIsolation: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  spellcheck: false,
  navigateOnDragDrop: false,
};

describe('mainWindowOptions', () => {
  it('is hardened, hidden until ready and at least 1280x720', () => {
    const o: BrowserWindowConstructorOptions = mainWindowOptions(PRELOAD);
    expect(o.webPreferences).toMatchObject({ ...HARDENED, preload: PRELOAD, devTools: false });
    expect(o.show).toBe(false);
    expect(o.minWidth).toBe(1280);
    expect(o.minHeight).toBe(720);
    expect(o.width).toBeGreaterThanOrEqual(1280);
    expect(o.height).toBeGreaterThanOrEqual(720);
  });

  it('allows DevTools only with the dev flag', () => {
    expect(mainWindowOptions(PRELOAD, {}).webPreferences?.devTools).toBe(false);
    expect(mainWindowOptions(PRELOAD, { dev: false }).webPreferences?.devTools).toBe(false);
    const dev = mainWindowOptions(PRELOAD, { dev: true });
    expect(dev.webPreferences?.devTools).toBe(true);
    // the dev flag loosens nothing else
    expect(dev.webPreferences).toMatchObject(HARDENED);
  });

  it('refuses a relative or missing preload path', () => {
    expect(() => mainWindowOptions('out/preload/index.cjs')).toThrow(/absolute/);
    expect(() => mainWindowOptions('')).toThrow(/absolute/);
  });

  it('returns a fresh object each call', () => {
    const a = mainWindowOptions(PRELOAD, { dev: true });
    const b = mainWindowOptions(PRELOAD);
    expect(a.webPreferences).not.toBe(b.webPreferences);
    expect(b.webPreferences?.devTools).toBe(false);
  });
});

describe('printWindowOptions', () => {
  it('is hidden, hardened, without preload, JavaScript or DevTools', () => {
    const o: BrowserWindowConstructorOptions = printWindowOptions();
    expect(o.show).toBe(false);
    expect(o.webPreferences).toMatchObject({ ...HARDENED, javascript: false, devTools: false });
    expect(o.webPreferences).not.toHaveProperty('preload');
  });
});
