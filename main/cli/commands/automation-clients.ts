/**
 * `automation-client create|list|revoke`: the automation clients of a server (admin), what an
 * unattended script such as the nightly import runs with instead of an operator's password and
 * second factor. They exist only on a server, so without --server each command checks its
 * arguments and says so.
 */
import { AUTOMATION_SCOPES } from '../../../contract/index.ts';
import { str, type Command, type Parsed } from '../command.ts';
import type { Context } from '../context.ts';
import type { Outcome } from '../output.ts';
import { usageError } from '../output.ts';
import { fail, FactorDeskError } from '../../core/errors.ts';
import { validAutomationClientId, validAutomationLabel, validAutomationScopes } from '../../core/automation-clients.ts';
import { localTime } from '../format.ts';
import type { ChannelCaller } from './radius-clients.ts';

const NAME = 'automation-client create';

/** The label and scopes of `create`, checked before anything is sent: an unknown scope is a usage error naming the valid ones. */
function createArgs(p: Parsed): { label: string; scopes: string[] } {
  const label = str(p, 'label');
  const scope = str(p, 'scope');
  if (label === undefined) throw usageError('Name the client with --label, e.g. --label "nightly import".', NAME);
  if (scope === undefined) throw usageError(`Give its scopes with --scope SCOPE[,SCOPE…], from: ${AUTOMATION_SCOPES.join(', ')}.`, NAME);
  try {
    return { label: validAutomationLabel(label), scopes: validAutomationScopes(scope.split(',').map((s) => s.trim())) };
  } catch (err) {
    if (err instanceof FactorDeskError && err.code === 'BAD_REQUEST') throw usageError(err.message, NAME);
    throw err;
  }
}

const onlyOverServer = (name: string): never =>
  fail('BAD_REQUEST', `Automation clients belong to a server: run "factordesk --server URL ${name} …" (sign in first with "login" as an admin).`);

export const automationClientCreate: Command = {
  name: NAME,
  summary: 'create an automation client for an unattended script; prints its id and secret once (admin, with --server)',
  usage: ['--server URL automation-client create --label LABEL --scope SCOPE[,SCOPE…]'],
  help: `Creates a client for an unattended script (the nightly import, a report) that calls the
server without an operator's password and second factor. It may do exactly its scopes, nothing
else: it never signs in, never verifies codes, never manages operators or clients.
Prints the client id and the secret this once (with --json: result.clientId and result.secret);
the server keeps only a keyed hash. The script sets FACTORDESK_CLIENT_ID and
FACTORDESK_CLIENT_SECRET (or FACTORDESK_CLIENT_FILE, a file of mode 0600 with the two lines)
and runs commands with --server, no login.

  --label LABEL          what the client is (shown in the audit), e.g. "nightly import"
  --scope SCOPE[,…]      ${AUTOMATION_SCOPES.join(', ')}`,
  options: { label: { type: 'string' }, scope: { type: 'string' } },
  args: [],
  admin: true,
  async run(_ctx, p) {
    createArgs(p);
    return onlyOverServer(NAME);
  },
};

export const automationClientList: Command = {
  name: 'automation-client list',
  summary: 'list the automation clients of the server (admin, with --server)',
  usage: ['--server URL automation-client list'],
  help: 'Lists each automation client that is not revoked: id, label, scopes, when and by whom it was created, when it was last used. Never a secret.',
  options: {},
  args: [],
  admin: true,
  async run() {
    return onlyOverServer('automation-client list');
  },
};

export const automationClientRevoke: Command = {
  name: 'automation-client revoke',
  summary: 'revoke an automation client by id (admin, with --server)',
  usage: ['--server URL automation-client revoke ID'],
  help: 'Revokes the automation client with this id (see "automation-client list"): its next request is refused.',
  options: {},
  args: ['ID'],
  admin: true,
  async run(_ctx, p) {
    validAutomationClientId(p.args[0]);
    return onlyOverServer('automation-client revoke');
  },
};

const row = (c: { clientId: string; label: string; scopes: string[]; createdAt: number; createdBy: string; lastUsedAt: number | null }) =>
  [c.clientId, c.label, c.scopes.join(','), localTime(c.createdAt), c.createdBy, c.lastUsedAt === null ? 'never used' : localTime(c.lastUsedAt)].join('\t');

/** The same commands over a server. */
export const AUTOMATION_REMOTE: Record<string, (ctx: Context, p: Parsed, api: ChannelCaller) => Promise<Outcome>> = {
  async [NAME](_ctx, p, api) {
    const r = await api.call('automation-clients:create', createArgs(p));
    return {
      result: { clientId: r.client.clientId, secret: r.secret, client: r.client },
      message: `Created the automation client ${r.client.label} (scopes ${r.client.scopes.join(', ')}). Below are its id and its secret, shown this once: give them to the script as FACTORDESK_CLIENT_ID and FACTORDESK_CLIENT_SECRET.`,
      text: `${r.client.clientId}\n${r.secret}`,
    };
  },
  async 'automation-client list'(_ctx, _p, api) {
    const clients = await api.call('automation-clients:list', {});
    return { result: { clients }, text: clients.map(row).join('\n'), message: `${clients.length} automation client${clients.length === 1 ? '' : 's'}.` };
  },
  async 'automation-client revoke'(_ctx, p, api) {
    const c = await api.call('automation-clients:revoke', { clientId: validAutomationClientId(p.args[0]) });
    return { result: { revoked: c }, text: row(c), message: `Revoked the automation client ${c.label}: its next request is refused.` };
  },
};
