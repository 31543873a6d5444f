import type { Handlers } from '../guard.ts';
import { fail } from '../../core/errors.ts';

type H = Pick<Handlers, 'radius-clients:add' | 'radius-clients:list' | 'radius-clients:remove' | 'users:import-begin' | 'automation-clients:create' | 'automation-clients:list' | 'automation-clients:revoke'>;

const serverOnly = (): never => fail('SERVER_ONLY', 'RADIUS clients belong to a FactorDesk server ("factordesk serve --radius"): manage them with "factordesk --server URL radius-client …".');
const automationServerOnly = (): never =>
  fail('SERVER_ONLY', 'Automation clients belong to a FactorDesk server (an unattended script calls its API): manage them with "factordesk --server URL automation-client …".');

/** Channels only a server serves: the app answers each with SERVER_ONLY (it runs no RADIUS and no API for scripts). */
export function serverOnlyHandlers(): H {
  return {
    'radius-clients:add': serverOnly,
    'radius-clients:list': serverOnly,
    'radius-clients:remove': serverOnly,
    'users:import-begin': () => fail('SERVER_ONLY', 'An import over a server begins with this request and streams its file to the server; in the app, choose the file with "Import users".'),
    'automation-clients:create': automationServerOnly,
    'automation-clients:list': automationServerOnly,
    'automation-clients:revoke': automationServerOnly,
  };
}
