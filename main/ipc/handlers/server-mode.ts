/**
 * The channels in server mode: the desktop app is a client of a FactorDesk server. Sign-in,
 * lock, status, preferences, links and the clipboard stay in the main process; every other
 * channel goes to the server with the session's token (the server's guard checks it again).
 * Vault-only work (first run, recovery, the vault folder) is refused here. A sheet is printed
 * here: the server renders it (and records it) for this main process, which prints or saves it.
 * The channels that choose a server (`server:*`) are in `serverChoiceHandlers`, for both modes.
 */
import type { Handler, Handlers } from '../guard.ts';
import type { AppController } from '../../app/controller.ts';
import { CHANNEL_NAMES, type Channel } from '../../../contract/index.ts';
import { fail } from '../../core/errors.ts';
import { probeServer, serverOrigin } from '../../server/client.ts';
import { vaultState } from '../../store/sqlite/vault.ts';
import { serverImportHandlers } from './server-imports.ts';

const HERE_ONLY: Partial<Record<Channel, string>> = {
  'session:first-run': 'This app is a client of a server: a server is set up with "factordesk server init" on the server host.',
  'session:recover': 'A server is recovered on the server host ("factordesk server recover-key").',
  'session:recovery-stored': 'A server keeps its recovery key on the server host.',
  'settings:choose-logo': 'The logo of a server is set on the server host for now.',
  'users:import-begin': 'Choose the file with "Import users": the app streams it to the server.',
};

/** Channels the server serves to this main process only: a sheet's HTML holds the QR secret and never reaches the renderer. */
const MAIN_ONLY: Partial<Record<Channel, string>> = {
  'enrollment:sheet-render': 'The app fetches a sheet from the server itself: print it with "Print sheet" or "Save as PDF".',
  'enrollment:sheet-not-printed': 'The app records a sheet that did not come out itself.',
};

/** Activity is passed on to the server at most this often (its sessions end after 15 minutes idle). */
const ACTIVITY_EVERY_MS = 60_000;

/** The handlers the app uses while it is a server's client (`local` are this app's own). */
export function serverModeHandlers(ctl: AppController, local: Handlers): Handlers {
  const link = () => ctl.link ?? fail('INTERNAL', 'This app is not connected to a server.');
  const out = {} as Record<Channel, Handler<Channel>>;
  for (const c of CHANNEL_NAMES) out[c] = ((req: unknown) => link().call(c, req)) as Handler<Channel>;
  for (const [c, why] of Object.entries({ ...HERE_ONLY, ...MAIN_ONLY }) as Array<[Channel, string]>) out[c] = () => fail('NOT_IN_SERVER_MODE', why);
  let lastActivity = 0;
  const imports = serverImportHandlers(ctl, link);
  const mine: Partial<Handlers> = {
    'app:status': local['app:status'],
    'app:open-external': local['app:open-external'],
    'prefs:set': local['prefs:set'],
    'server:probe': local['server:probe'],
    'server:connect': local['server:connect'],
    'server:forget': local['server:forget'],
    'clipboard:copy': ({ text }) => {
      if (!link().session) fail('SESSION_LOCKED', 'Sign in first.');
      return ctl.clipboard.copy(text);
    },
    ...imports,
    'enrollment:print-sheet': async ({ userId, enrollmentId, mode, language }) => {
      const l = link();
      if (!l.session) fail('SESSION_LOCKED', 'Sign in first.');
      const printer = ctl.deps.printer;
      // The file is chosen first: the server records the sheet as sent when it hands it over.
      let file: string | null = null;
      if (mode === 'pdf') {
        file = await ctl.deps.dialogs.saveFile('sheet-pdf', 'factordesk-sheet.pdf');
        if (!file) return { done: false, file: null };
      }
      // Recorded as sent on the server before the print dialog opens (a session that locks while
      // it is up must not leave a printed sheet without its event); what did not come out is added after.
      const sheet = await l.call('enrollment:sheet-render', { userId, enrollmentId, language, output: mode === 'print' ? 'printer' : 'pdf' });
      const notPrinted = (reason: 'cancelled' | 'failed') =>
        l.call('enrollment:sheet-not-printed', { userId, enrollmentId: sheet.enrollmentId, sheetId: sheet.sheetId, language, reason }).then(
          () => undefined,
          () => undefined,
        );
      if (mode === 'print') {
        let done = false;
        try {
          done = await printer.print(sheet.html);
        } catch (err) {
          await notPrinted('failed');
          throw err;
        }
        if (!done) await notPrinted('cancelled');
        return { done, file: null };
      }
      try {
        await printer.savePdf(sheet.html, file!);
      } catch (err) {
        await notPrinted('failed');
        throw err;
      }
      return { done: true, file };
    },
    'session:sign-in': async ({ name, password, otp }) => {
      const l = link();
      if (l.session) ctl.lock('manual');
      const before = ctl.sessionGeneration;
      const session = await l.signIn(name, password, otp);
      // Locked while the sign-in was on its way (the computer locked or went to sleep): not signed in.
      if (ctl.sessionGeneration !== before) {
        await l.signOut();
        fail('SESSION_LOCKED', 'FactorDesk locked while signing in: sign in again.');
      }
      await ctl.openServerSession(l);
      // Imports that ended while this operator was signed out.
      return { session, warnings: [], jobReports: await imports['jobs:reports']({}, l.session) };
    },
    'session:second-factor': () => link().takeSecondFactor(),
    'session:activity': async () => {
      const l = link();
      if (!l.session) return { ok: true as const };
      ctl.idle.touch();
      const now = ctl.clock.now();
      if (now - lastActivity >= ACTIVITY_EVERY_MS) {
        lastActivity = now;
        await l.call('session:activity', {}).catch(() => undefined);
      }
      return { ok: true as const };
    },
    'session:lock': async () => {
      ctl.lock('manual');
      return { locked: true as const };
    },
  };
  return { ...(out as unknown as Handlers), ...(mine as Handlers) };
}

/** Choosing a server: in a solo app only at first run (no vault yet); in server mode only while signed out. */
export function serverChoiceHandlers(ctl: AppController): Pick<Handlers, 'server:probe' | 'server:connect' | 'server:forget'> {
  const mayChoose = () => {
    if (ctl.link) {
      if (ctl.link.session) fail('CONFLICT', 'Sign out before choosing another server.');
      return;
    }
    if (ctl.session) fail('CONFLICT', 'This app has a vault open: a server is chosen at first run.');
    if (vaultState(ctl.deps.dir, ctl.deps.configured) !== 'none') fail('CONFLICT', 'This computer has a vault: a server is chosen at first run, before a vault exists.');
  };
  return {
    'server:probe': async ({ url }) => {
      mayChoose();
      const r = await probeServer(url);
      if (!r.ok) fail(r.error.code, r.error.message, (r.error as { details?: Record<string, unknown> }).details);
      return r.value;
    },
    'server:connect': async ({ url, pin }) => {
      mayChoose();
      const origin = serverOrigin(url);
      if (!origin) fail('BAD_REQUEST', 'Give the server as https://NAME[:PORT].', { field: 'url' });
      // Asked again: the key confirmed is the key that answers now (the probe's health check goes through that key).
      const probe = await probeServer(origin);
      if (!probe.ok) fail(probe.error.code, probe.error.message);
      if (probe.value.pin !== pin) fail('SERVER_KEY_CHANGED', 'The server now shows another key than the one you confirmed: check with your administrator.');
      if (!probe.value.factorDesk) fail('SERVER_UNREACHABLE', `${origin} does not answer as a FactorDesk server.`);
      ctl.useServer({ url: origin, pin });
      return ctl.status();
    },
    'server:forget': async () => {
      if (!ctl.link) fail('SERVER_ONLY', 'This app is not connected to a server.');
      mayChoose();
      ctl.useServer(null);
      return ctl.status();
    },
  };
}
