import { attachAlertLogToVaultStores } from '../platform/alert-outputs.ts';
import { AppController, type AppDeps } from '../app/controller.ts';
import { allHandlers } from './handlers/index.ts';
import { createDispatcher, type Dispatch, type SenderInfo } from './guard.ts';
import { CHANNEL_NAMES, IPC_PREFIX, type Channel } from '../../contract/index.ts';
import { APP_ORIGIN } from '../shell/protocol.ts';
import { recordRefusedCall } from '../core/signin.ts';

/** What `ipcMain.handle` looks like to us (so tests can pass a recorder). */
export interface IpcRegistrar {
  handle(channel: string, listener: (event: { senderFrame: SenderInfo['frame']; sender: { mainFrame: unknown } }, payload: unknown) => Promise<unknown>): void;
}

/** Builds the controller and the guarded dispatcher (no Electron involved). */
export function createApp(deps: AppDeps, trustedOrigins: readonly string[] = [APP_ORIGIN]): { controller: AppController; dispatch: Dispatch } {
  const controller = new AppController(deps);
  // Each alert the app raises on its vault is written to the alert log (setting alertLogPath).
  attachAlertLogToVaultStores();
  const dispatch = createDispatcher(allHandlers(controller), {
    session: () => (controller.link ? controller.link.session : controller.session),
    trustedOrigins,
    onRefused: async (channel, code, session) => {
      // A refused sender or role is worth one audit event when a vault is open; bad payloads are not.
      const vault = controller.vaultOrNull;
      if (code !== 'FORBIDDEN' || !vault || !session) return;
      // Through the store's queue (a write may be running); never let auditing a refusal break it.
      await recordRefusedCall(controller.store(), session, channel).catch(() => {});
    },
  });
  return { controller, dispatch };
}

/** Registers every channel with the IPC registrar; call before creating any window. */
export function registerChannels(ipc: IpcRegistrar, dispatch: Dispatch): readonly Channel[] {
  for (const channel of CHANNEL_NAMES) {
    ipc.handle(IPC_PREFIX + channel, (event, payload) => dispatch(channel, { frame: event.senderFrame, topFrame: event.sender.mainFrame }, payload));
  }
  return CHANNEL_NAMES;
}
