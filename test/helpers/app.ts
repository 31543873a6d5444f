import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../main/ipc/setup.ts';
import type { AppDeps } from '../../main/app/controller.ts';
import { memoryPrefs } from '../../main/app/ports.ts';
import { ManualClock } from '../../main/core/clock.ts';
import type { Channel, EventName, Req, Result } from '../../contract/index.ts';
import { ADMIN } from './vault.ts';

export const OWN_FRAME = { url: 'app://factordesk/index.html', parent: null };

/** The app's controller and guarded dispatcher over a temp vault, with fake adapters (no Electron, no browser). */
export function makeApp(opts: { clock?: ManualClock; /** an existing vault folder (else a new one in the temp folder) */ dir?: string; printer?: AppDeps['printer']; /** server mode: where the app keeps its server */ connection?: AppDeps['connection'] } = {}) {
  const tmp = mkdtempSync(join(tmpdir(), 'fd-app-'));
  const clock = opts.clock ?? new ManualClock();
  const events: Array<{ event: EventName; data: unknown }> = [];
  const clipboard = { value: '' };
  const saved: Record<string, string | null> = {};
  const opened: Record<string, string | null> = {};
  const { controller, dispatch } = createApp({
    dir: opts.dir ?? join(tmp, 'vault'),
    configured: opts.dir !== undefined,
    clock,
    dialogs: { openFile: async (k) => opened[k] ?? null, saveFile: async (k) => saved[k] ?? null },
    printer: opts.printer ?? { print: async () => true, savePdf: async () => {} },
    prefs: memoryPrefs(),
    clipboard: { write: (e) => void (clipboard.value = e.text), read: () => clipboard.value, clear: () => (clipboard.value = '') },
    emit: (event, data) => events.push({ event, data }),
    openExternal: async () => {},
    // No SMTP delivery: its passes would interleave with what a test counts.
    outboxDelivery: false,
    ...(opts.connection ? { connection: opts.connection } : {}),
  });
  /** Calls a channel as the app's own window would. */
  const call = async <C extends Channel>(channel: C, req: Req<C>, frame: unknown = OWN_FRAME): Promise<Result<any>> =>
    dispatch(channel, { frame: frame as never, topFrame: frame }, req) as Promise<Result<any>>;
  return {
    tmp,
    clock,
    controller,
    dispatch,
    call,
    events,
    clipboard,
    saved,
    opened,
    /** Creates the vault with the admin signed in. */
    async firstRun() {
      const r = await call('session:first-run', { name: ADMIN.name, displayName: ADMIN.displayName, email: ADMIN.email, password: ADMIN.password });
      if (!r.ok) throw new Error(`first run failed: ${r.error.code}`);
      return r.value as { recoveryKey: string };
    },
    cleanup() {
      controller.lock('manual');
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
