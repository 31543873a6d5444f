// The Electron fuses of a packaged build, as data: electron-builder's `electronFuses` option
// flips them in the binary; test/unit/packaging-fuses.test.ts checks every value.

/** Every fuse of @electron/fuses' FuseV1Options, set explicitly (none left at Electron's default). */
export const ELECTRON_FUSES = {
  // The app binary never runs as plain Node (ELECTRON_RUN_AS_NODE): the CLI is its own executable.
  runAsNode: false,
  enableCookieEncryption: true,
  // NODE_OPTIONS / NODE_EXTRA_CA_CERTS and --inspect* are ignored by the installed app.
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  // app.asar is checked against its hash (means something only on signed Windows and macOS builds)
  // and is the only place code is loaded from.
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  loadBrowserProcessSpecificV8Snapshot: false,
  // The app serves its pages from app://, never file://.
  grantFileProtocolExtraPrivileges: false,
} as const;
