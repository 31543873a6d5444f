// The fuses a packaged build gets: every fuse Electron has is set, each to the hardened value.
import { describe, expect, it } from 'vitest';
import { FuseV1Options } from '@electron/fuses';
import { ELECTRON_FUSES } from '../../scripts/packaging/fuses.ts';

describe('electron fuses', () => {
  it('sets RunAsNode, NodeOptions, NodeCliInspect and file:// privileges off; asar integrity, asar-only and cookie encryption on', () => {
    expect(ELECTRON_FUSES).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('leaves no fuse of the installed @electron/fuses at its default', () => {
    const names = Object.keys(FuseV1Options).filter((k) => Number.isNaN(Number(k)));
    const ours = Object.keys(ELECTRON_FUSES).map((k) => k[0]!.toUpperCase() + k.slice(1));
    expect(ours.sort()).toEqual(names.sort());
  });
});
