import type { Handlers } from '../guard.ts';
import type { AppController } from '../../app/controller.ts';
import { sessionHandlers } from './session.ts';
import { helpdeskHandlers } from './helpdesk.ts';
import { adminHandlers } from './admin.ts';
import { storeChannels } from './store-channels.ts';
import { serverOnlyHandlers } from './server-only.ts';

/** Every channel's implementation; the type makes a missing channel a compile error. */
export function allHandlers(ctl: AppController): Handlers {
  return { ...storeChannels(() => ctl.store()), ...sessionHandlers(ctl), ...helpdeskHandlers(ctl), ...adminHandlers(ctl), ...serverOnlyHandlers() };
}
