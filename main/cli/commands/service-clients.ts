import type { Command } from '../command.ts';
import { fail } from '../../core/errors.ts';

const ONLY_OVER_SERVER = (name: string) => async (): Promise<never> =>
  fail('BAD_REQUEST', `"${name}" manages a server's login services: name the server with --server URL (before the command) or FACTORDESK_SERVER. A solo site runs "factordesk serve" on its vault (on the same machine, listening on 127.0.0.1) and names that server.`);

export const serviceClientCreate: Command = {
  name: 'service-client create',
  summary: 'create a login service client of a server; prints its id and secret once (admin, --server)',
  usage: ['--server URL service-client create --label LABEL'],
  help: `Creates a client for a login service (VPN gateway, web portal, PAM module) that verifies
users' codes with POST /api/v1/validate (HTTP Basic: CLIENT_ID:SECRET). The secret is printed
once (result.secret with --json); the server keeps only its hash. The client can do nothing
but verify codes.

  --label LABEL   what the client is (shown in the audit), e.g. "vpn-gateway"`,
  options: { label: { type: 'string' } },
  args: [],
  admin: true,
  run: ONLY_OVER_SERVER('service-client create'),
};

export const serviceClientList: Command = {
  name: 'service-client list',
  summary: "list a server's login service clients (admin, --server)",
  usage: ['--server URL service-client list'],
  help: 'Lists the service clients: id, label, created. No secret is shown.',
  options: {},
  args: [],
  admin: true,
  run: ONLY_OVER_SERVER('service-client list'),
};

export const serviceClientRevoke: Command = {
  name: 'service-client revoke',
  summary: 'revoke a login service client (admin, --server)',
  usage: ['--server URL service-client revoke CLIENT_ID'],
  help: 'Revokes the client: its secret stops working at once.',
  options: {},
  args: ['CLIENT_ID'],
  admin: true,
  run: ONLY_OVER_SERVER('service-client revoke'),
};
