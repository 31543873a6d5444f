/**
 * `radius-client add|list|remove`: the RADIUS clients of a server, managed over it (admin). They
 * exist only on a server, so without --server each command checks its arguments and says so.
 */
import type { Channel, Req, Res } from '../../../contract/index.ts';
import { str, type Command, type Parsed } from '../command.ts';
import type { Context } from '../context.ts';
import type { Outcome } from '../output.ts';
import { usageError } from '../output.ts';
import { fail } from '../../core/errors.ts';
import { validRadiusAddress, validRadiusClientId, validRadiusLabel } from '../../core/radius-clients.ts';
import { localTime } from '../format.ts';

/** What a command needs of the server: one channel call (the server's guard checks role and input). */
export interface ChannelCaller {
  call<C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>>;
}

function addArgs(p: Parsed): { label: string; address: string } {
  const label = str(p, 'label');
  const address = str(p, 'address');
  if (label === undefined) throw usageError('Name the client with --label, e.g. --label "vpn gateway".', 'radius-client add');
  if (address === undefined) throw usageError('Give the address its requests come from: --address 192.0.2.10.', 'radius-client add');
  return { label: validRadiusLabel(label), address: validRadiusAddress(address) };
}

const onlyOverServer = (name: string): never =>
  fail('BAD_REQUEST', `RADIUS clients belong to a server: run "factordesk --server URL ${name} …" (sign in first with "login"); the server answers them when started with "serve --radius HOST:PORT".`);

export const radiusClientAdd: Command = {
  name: 'radius-client add',
  summary: 'add a RADIUS client of the server; prints its shared secret once (admin, with --server)',
  usage: ['--server URL radius-client add --label LABEL --address IP'],
  help: `Adds a RADIUS client (a VPN gateway, a NAS) that may send Access-Requests to the server's
RADIUS port ("serve --radius"). Its requests are known by their source address; each must carry a
Message-Authenticator. Prints the shared secret (40 random characters) this once (with --json:
result.secret): configure it on the client. The server keeps it sealed under its key.

  --label LABEL   a name for the audit and the log (letters, digits, spaces, . _ @ : / -)
  --address IP    the IPv4 or IPv6 address the client's requests come from (no host name)`,
  options: { label: { type: 'string' }, address: { type: 'string' } },
  args: [],
  admin: true,
  async run(_ctx, p) {
    addArgs(p);
    return onlyOverServer('radius-client add');
  },
};

export const radiusClientList: Command = {
  name: 'radius-client list',
  summary: 'list the RADIUS clients of the server (admin, with --server)',
  usage: ['--server URL radius-client list'],
  help: 'Lists each RADIUS client: id, address, label and when it was added (never its secret).',
  options: {},
  args: [],
  admin: true,
  async run() {
    return onlyOverServer('radius-client list');
  },
};

export const radiusClientRemove: Command = {
  name: 'radius-client remove',
  summary: 'remove a RADIUS client of the server by id (admin, with --server)',
  usage: ['--server URL radius-client remove ID'],
  help: 'Removes the RADIUS client with this id (see "radius-client list"): its requests are dropped from then on.',
  options: {},
  args: ['ID'],
  admin: true,
  async run(_ctx, p) {
    validRadiusClientId(p.args[0]);
    return onlyOverServer('radius-client remove');
  },
};

const row = (c: { id: string; address: string; label: string; createdAt: number }) => [c.id, c.address, c.label, localTime(c.createdAt)].join('\t');

/** The same commands over a server. */
export const RADIUS_REMOTE: Record<string, (ctx: Context, p: Parsed, api: ChannelCaller) => Promise<Outcome>> = {
  async 'radius-client add'(_ctx, p, api) {
    const r = await api.call('radius-clients:add', addArgs(p));
    return {
      result: { client: r.client, secret: r.secret },
      message: `Added the RADIUS client ${r.client.label} at ${r.client.address} (id ${r.client.id}). Its shared secret is below, shown this once: configure it on the client.`,
      text: r.secret,
    };
  },
  async 'radius-client list'(_ctx, _p, api) {
    const clients = await api.call('radius-clients:list', {});
    return { result: { clients }, text: clients.map(row).join('\n'), message: `${clients.length} RADIUS client${clients.length === 1 ? '' : 's'}.` };
  },
  async 'radius-client remove'(_ctx, p, api) {
    const c = await api.call('radius-clients:remove', { clientId: validRadiusClientId(p.args[0]) });
    return { result: { removed: c }, text: row(c), message: `Removed the RADIUS client ${c.label} at ${c.address}: its requests are dropped from now on.` };
  },
};
