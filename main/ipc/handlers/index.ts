import type { Handlers } from '../guard.ts';
import type { AppController } from '../../app/controller.ts';
import { sessionHandlers } from './session.ts';
import { helpdeskHandlers } from './helpdesk.ts';
import { adminHandlers } from './admin.ts';
import { storeChannels } from './store-channels.ts';
import { serverOnlyHandlers } from './server-only.ts';
import { DELIVER_AFTER } from '../../core/outbox-delivery.ts';
import { serverChoiceHandlers, serverModeHandlers } from './server-mode.ts';
import { fail } from '../../core/errors.ts';

/**
 * Every channel's implementation; the type makes a missing channel a compile error. While the
 * app is a server's client (ctl.link), each channel is answered by serverModeHandlers instead.
 */
export function allHandlers(ctl: AppController): Handlers {
  const all: Handlers = {
    ...storeChannels(() => ctl.store(), ctl.searches, () => ctl.smtpPasswordSet()),
    ...sessionHandlers(ctl),
    ...helpdeskHandlers(ctl),
    ...adminHandlers(ctl),
    ...serverOnlyHandlers(),
    ...serverChoiceHandlers(ctl),
    'session:second-factor': () => fail('SERVER_ONLY', 'A second factor is set up when signing in to a server.'),
  };
  const remote = serverModeHandlers(ctl, all);
  // In the app, disabling or removing an operator also rotates the vault key, in the background.
  const { 'operators:disable': disable, 'operators:remove': remove } = all;
  all['operators:disable'] = async (req, s) => {
    const op = await disable(req, s);
    void ctl.rotateAfterRevocation(op.name, 'disable');
    return op;
  };
  all['operators:remove'] = async (req, s) => {
    const name = (await ctl.store().read((tx) => tx.operators.get(req.operatorId)))?.name ?? req.operatorId;
    const r = await remove(req, s);
    void ctl.rotateAfterRevocation(name, 'remove');
    return r;
  };
  // Every request waits while background work has the vault closed (a key rotation: seconds).
  const waiting = {} as Record<string, unknown>;
  for (const [channel, handler] of Object.entries(all) as Array<[string, (req: unknown, s: unknown) => unknown]>) {
    const viaServer = (remote as unknown as Record<string, (req: unknown, s: unknown) => unknown>)[channel]!;
    waiting[channel] = async (req: unknown, s: unknown) => {
      if (ctl.link) return viaServer(req, s);
      await ctl.whenOpen();
      const result = await handler(req, s);
      if (DELIVER_AFTER.has(channel)) ctl.deliverySoon();
      return result;
    };
  }
  return waiting as unknown as Handlers;
}
