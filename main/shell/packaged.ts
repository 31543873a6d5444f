// What a packaged (installed) build refuses: debugging switches, DevTools and the FACTORDESK_DEV
// switch. Plain TypeScript so the rule is tested under Node; main/index.ts applies it.

/**
 * Switches that would open the main process or the renderers to a debugger. The fuses already
 * make Node ignore --inspect*; Chromium's remote debugging has no fuse, so the app exits instead.
 */
const DEBUG_SWITCHES = ['--inspect', '--inspect-brk', '--inspect-port', '--inspect-publish-uid', '--inspect-wait', '--debug', '--debug-brk', '--debug-port', '--remote-debugging-port', '--remote-debugging-pipe', '--remote-debugging-address', '--remote-allow-origins'];

/** The first debugging switch in `argv` when the build is packaged (null in a development build or when none is there). */
export function refusedDebugSwitch(argv: readonly string[], packaged: boolean): string | null {
  if (!packaged) return null;
  for (const arg of argv) {
    // Chromium also accepts one leading dash ("-remote-debugging-port=9222").
    const a = arg.startsWith('--') ? arg : arg.startsWith('-') ? `-${arg}` : null;
    if (!a) continue;
    const name = a.split('=')[0]!.toLowerCase();
    if (DEBUG_SWITCHES.includes(name)) return name;
  }
  return null;
}

/** The one line printed (in both languages) before a packaged build exits on a debugging switch. */
export function refusedDebugMessage(name: string): string {
  return `FactorDesk: ${name} is refused in an installed build; nothing was started.\nFactorDesk: ${name} avvises i en installert versjon; ingenting ble startet.\n`;
}

/** Development mode (DevTools, the toggle in the View menu): never in a packaged build, whatever FACTORDESK_DEV says. */
export function isDevMode(packaged: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  return !packaged && env.FACTORDESK_DEV === '1';
}
