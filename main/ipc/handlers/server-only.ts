import type { Handlers } from '../guard.ts';
import { fail } from '../../core/errors.ts';

type H = Pick<
  Handlers,
  'radius-clients:add' | 'radius-clients:list' | 'radius-clients:remove' | 'users:import-begin' | 'enrollment:sheet-render' | 'enrollment:sheet-not-printed' | 'automation-clients:create' | 'automation-clients:list' | 'automation-clients:revoke'
>;

const serverOnly = (): never => fail('SERVER_ONLY', 'RADIUS clients belong to a FactorDesk server ("factordesk serve --radius"): manage them with "factordesk --server URL radius-client …".');
const automationServerOnly = (): never =>
  fail('SERVER_ONLY', 'Automation clients belong to a FactorDesk server (an unattended script calls its API): manage them with "factordesk --server URL automation-client …".');

/** A sheet's HTML holds the QR secret: the renderer asks for printing, never for the sheet itself. */
const sheetOnServer = (): never => fail('SERVER_ONLY', 'A sheet is fetched from a server by the app itself: print it with "Print sheet" or "Save as PDF".');

/** Channels only a server serves: the app answers each with SERVER_ONLY (it runs no RADIUS, serves no sheets and no API for scripts). */
export function serverOnlyHandlers(): H {
  return {
    'radius-clients:add': serverOnly,
    'radius-clients:list': serverOnly,
    'radius-clients:remove': serverOnly,
    'users:import-begin': () => fail('SERVER_ONLY', 'An import over a server begins with this request and streams its file to the server; in the app, choose the file with "Import users".'),
    'enrollment:sheet-render': sheetOnServer,
    'enrollment:sheet-not-printed': sheetOnServer,
    'automation-clients:create': automationServerOnly,
    'automation-clients:list': automationServerOnly,
    'automation-clients:revoke': automationServerOnly,
  };
}
