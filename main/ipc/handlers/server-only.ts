import type { Handlers } from '../guard.ts';
import { fail } from '../../core/errors.ts';

type H = Pick<Handlers, 'radius-clients:add' | 'radius-clients:list' | 'radius-clients:remove' | 'users:import-begin'>;

const serverOnly = (): never => fail('SERVER_ONLY', 'RADIUS clients belong to a FactorDesk server ("factordesk serve --radius"): manage them with "factordesk --server URL radius-client …".');

/** Channels only a server serves: the app answers each with SERVER_ONLY (it runs no RADIUS). */
export function serverOnlyHandlers(): H {
  return {
    'radius-clients:add': serverOnly,
    'radius-clients:list': serverOnly,
    'radius-clients:remove': serverOnly,
    'users:import-begin': () => fail('SERVER_ONLY', 'An import over a server begins with this request and streams its file to the server; in the app, choose the file with "Import users".'),
  };
}
