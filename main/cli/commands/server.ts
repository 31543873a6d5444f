import { readFileSync } from 'node:fs';
import { str, type Command } from '../command.ts';
import { emailArg, textArg } from '../args.ts';
import { usageError } from '../output.ts';
import { canPrompt, readHidden } from '../prompt.ts';
import { fail, FactorDeskError } from '../../core/errors.ts';
import { assertPassword } from '../../core/passwords.ts';
import { validOperatorName } from '../../core/operators.ts';
import { systemRandom } from '../../core/clock.ts';
import { initServerStore, serverKeyRecords } from '../../core/server-auth.ts';
import { escrowKeys, keyCheck, loadServerKeys, newServerKeys, openEscrow, signingPublicKey, valueSealer, writeKeyFile } from '../../server/server-key.ts';
import { openKeyedStore, openServerStore } from '../../server/open.ts';
import { startApiServer } from '../../server/http-api.ts';
import { startRadiusServer, type RunningRadius } from '../../server/radius/server.ts';
import { pathArg } from '../files.ts';

/** Most an instance's clock may differ from the database's: TOTP steps must agree on every instance. */
const MAX_CLOCK_SKEW_MS = 2000;

export const serverInit: Command = {
  name: 'server init',
  summary: 'set a server store up: key file, first admin, recovery key (printed once)',
  usage: ['server init --store STORE --key-file FILE --name NAME [--display-name TEXT] [--email ADDRESS]'],
  help: `Sets up a store for "factordesk serve": creates the server key file (owner-only, never
overwritten), the first admin with a password (FACTORDESK_PASSWORD or typed twice) and a second
factor, and prints once the admin's second-factor enrollment URI (scan it into an authenticator
app) and a recovery key. The recovery key re-creates the server key file when that file is lost
("factordesk server recover-key"); keep it on paper, apart from the server.

  --store STORE       postgres://USER@HOST[:PORT]/DATABASE (the password comes from PGPASSFILE or
                      PGPASSWORD, never from the URL)
  --key-file FILE     where the new server key file is written (mode 0600)
  --name NAME         the first admin's sign-in name
  --display-name TEXT the name shown in the audit (default: NAME)
  --email ADDRESS     the admin's work email`,
  options: { store: { type: 'string' }, 'key-file': { type: 'string' }, name: { type: 'string' }, 'display-name': { type: 'string' }, email: { type: 'string' } },
  args: [],
  async run(ctx, p) {
    const storeArg = str(p, 'store');
    const keyFile = str(p, 'key-file');
    const rawName = str(p, 'name');
    if (storeArg === undefined) throw usageError('Name the store with --store postgres://USER@HOST/DATABASE.', 'server init');
    if (keyFile === undefined) throw usageError('Say where the server key file goes with --key-file FILE.', 'server init');
    if (rawName === undefined) throw usageError('Name the first admin with --name.', 'server init');
    const keyPath = pathArg(keyFile, 'key file');
    const name = validOperatorName(rawName);
    const displayName = textArg(str(p, 'display-name'), 'display-name', 128) || name;
    const rawEmail = str(p, 'email');
    const email = rawEmail === undefined ? null : emailArg(rawEmail);
    let password = ctx.io.env.FACTORDESK_PASSWORD;
    if (password === undefined || password === '') {
      if (!canPrompt(ctx.io)) fail('SIGNIN_FAILED', 'No password for the first admin: set FACTORDESK_PASSWORD or run the command in a terminal to type it.');
      password = await readHidden(ctx.io, 'Password for the first admin (15 characters or more): ');
      assertPassword(password, [name, displayName]);
      if ((await readHidden(ctx.io, 'Type it again: ')) !== password) fail('BAD_REQUEST', 'The two passwords differ. Nothing was created.');
    }
    assertPassword(password, [name, displayName]);
    const store = await openServerStore(storeArg, ctx.clock, systemRandom);
    try {
      if (await serverKeyRecords(store)) fail('VAULT_EXISTS', 'This store has been set up for a server already; nothing was changed.');
      const keys = newServerKeys(store.storeId, systemRandom);
      const { recoveryKey, escrow } = escrowKeys(keys, systemRandom);
      // The key file first: a store whose key file could not be written is never set up.
      writeKeyFile(keyPath, keys);
      const r = await initServerStore(store, valueSealer(keys, systemRandom), { keyCheck: keyCheck(keys, systemRandom), escrow, signingPublicKey: signingPublicKey(keys) }, { name, displayName, email, password });
      return {
        result: { storeId: store.storeId, keyFile: keyPath, operator: r.session.name, operatorOtpUri: r.operatorOtpUri, recoveryKey },
        message: `Set the store up with the admin ${r.session.name}; the server key file is ${keyPath} (keep it owner-only; back it up apart from the database).\nScan the first line into the admin's authenticator app. The second line is the recovery key: it re-creates the key file if it is lost. Both are shown this once:`,
        text: `${r.operatorOtpUri}\n${recoveryKey}`,
      };
    } finally {
      await store.close();
    }
  },
};

export const serverRecoverKey: Command = {
  name: 'server recover-key',
  summary: 're-create a lost server key file from the recovery key',
  usage: ['server recover-key --store STORE --key-file FILE'],
  help: `Re-creates the server key file from the recovery key printed by "server init" (from
FACTORDESK_RECOVERY_KEY or typed). The new file is written to FILE (never over an existing one).`,
  options: { store: { type: 'string' }, 'key-file': { type: 'string' } },
  args: [],
  async run(ctx, p) {
    const storeArg = str(p, 'store');
    const keyFile = str(p, 'key-file');
    if (storeArg === undefined || keyFile === undefined) throw usageError('Give --store STORE and --key-file FILE.', 'server recover-key');
    const keyPath = pathArg(keyFile, 'key file');
    const recoveryKey = await ctx.secret('FACTORDESK_RECOVERY_KEY', 'Recovery key: ', 'recovery key');
    const store = await openServerStore(storeArg, ctx.clock, systemRandom);
    try {
      const rec = await serverKeyRecords(store);
      if (!rec?.escrow) fail('VAULT_MISSING', 'This store has not been set up for a server.');
      const keys = openEscrow(rec.escrow, recoveryKey, store.storeId);
      if (!keys) fail('WRONG_KEY', 'That recovery key does not open this store’s key escrow.');
      writeKeyFile(keyPath, keys);
      await store.write(async (tx) => {
        await tx.audit.append({ action: 'server.recover-key', operator: null, outcome: 'ok', details: { via: 'cli' } }, ctx.clock.now());
      });
      return { result: { keyFile: keyPath }, message: `Wrote the server key file ${keyPath}.` };
    } finally {
      await store.close();
    }
  },
};

/** HOST:PORT, with [v6] in brackets. */
function listenArg(v: string, flagName = 'listen', example = '127.0.0.1:8443'): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw usageError(`--${flagName} takes HOST:PORT, e.g. ${example}.`, 'serve');
  return { host: m[1] ?? m[2]!, port };
}

const hostPort = (a: { address: string; port: number; family: string }) => `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;

/** A failed listen as a coded error: the address in use or not allowed; anything else as it is. */
function listenError(err: unknown, where: string, verb: string): unknown {
  const code = (err as { code?: string }).code;
  if (code === 'EADDRINUSE') return new FactorDeskError('IO_ERROR', `Something else ${verb} ${where} already.`);
  if (code === 'EACCES') return new FactorDeskError('IO_ERROR', `Not allowed to listen on ${where} (ports below 1024 need privileges).`);
  return err;
}

export const serve: Command = {
  name: 'serve',
  summary: 'run the server: HTTPS API for the app, the CLI and login services',
  usage: ['serve --store STORE [--key-file FILE] --listen HOST:PORT --tls-cert FILE --tls-key FILE [--radius HOST:PORT]'],
  help: `Runs the FactorDesk server until SIGTERM or SIGINT, then stops cleanly (requests in
flight finish). The server key comes from --key-file (mode 0600; refused when others can read
it), else FACTORDESK_SERVER_KEY, else the systemd credential factordesk-server-key. Refuses to
start when this computer's clock is more than 2 s off the database's.

  --store STORE      postgres://USER@HOST[:PORT]/DATABASE (password from PGPASSFILE or PGPASSWORD)
  --key-file FILE    the server key file written by "server init"
  --listen HOST:PORT where to listen (port 0 picks a free port; the address is printed)
  --tls-cert FILE    the TLS certificate (PEM) and --tls-key FILE its private key
  --radius HOST:PORT also answer RADIUS Access-Requests (PAP, Message-Authenticator required) on
                     this UDP address, e.g. 0.0.0.0:1812, from clients added with
                     "factordesk --server URL radius-client add"`,
  options: { store: { type: 'string' }, 'key-file': { type: 'string' }, listen: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, radius: { type: 'string' } },
  args: [],
  async run(ctx, p) {
    const storeArg = str(p, 'store');
    const listen = str(p, 'listen');
    const certFile = str(p, 'tls-cert');
    const keyFileTls = str(p, 'tls-key');
    if (storeArg === undefined) throw usageError('Name the store with --store.', 'serve');
    if (listen === undefined) throw usageError('Say where to listen with --listen HOST:PORT.', 'serve');
    if (certFile === undefined || keyFileTls === undefined) throw usageError('Give the TLS certificate and key: --tls-cert FILE --tls-key FILE.', 'serve');
    const where = listenArg(listen);
    const radiusListen = str(p, 'radius');
    const radiusWhere = radiusListen === undefined ? null : listenArg(radiusListen, 'radius', '0.0.0.0:1812');
    const keyFile = str(p, 'key-file');
    const keys = loadServerKeys(keyFile === undefined ? undefined : pathArg(keyFile, 'key file'), ctx.io.env);
    let cert: Buffer;
    let tlsKey: Buffer;
    try {
      cert = readFileSync(pathArg(certFile, 'certificate'));
      tlsKey = readFileSync(pathArg(keyFileTls, 'TLS key'));
    } catch {
      fail('BAD_REQUEST', 'The TLS certificate or key file cannot be read.');
    }
    const store = await openKeyedStore(storeArg, keys, ctx.clock, systemRandom);
    let server;
    let radius: RunningRadius | null = null;
    const log = (l: string) => ctx.io.stderr.write(`factordesk serve: ${l}\n`);
    try {
      const skew = Math.abs((await store.databaseTime()) - ctx.clock.now());
      if (skew > MAX_CLOCK_SKEW_MS) fail('INTERNAL', `This computer's clock is ${Math.round(skew / 100) / 10} s off the database's: set the time (NTP) and start again. Authenticator codes need one clock.`);
      try {
        server = await startApiServer({ store, sealer: valueSealer(keys, systemRandom), tls: { cert, key: tlsKey }, log }, where);
      } catch (err) {
        throw listenError(err, listen, 'listens on');
      }
      if (radiusWhere) {
        try {
          radius = await startRadiusServer({ store, sealer: valueSealer(keys, systemRandom), clock: ctx.clock, log }, radiusWhere);
        } catch (err) {
          await server.close();
          throw listenError(err, radiusListen!, 'receives on');
        }
      }
    } catch (err) {
      await store.close();
      throw err;
    }
    ctx.io.stderr.write(`factordesk serve: listening on https://${hostPort(server.address)}\n`);
    if (radius) ctx.io.stderr.write(`factordesk serve: RADIUS on udp ${hostPort(radius.address)}\n`);
    const signal = await new Promise<string>((resolve) => {
      const stop = (s: string) => () => resolve(s);
      process.once('SIGTERM', stop('SIGTERM'));
      process.once('SIGINT', stop('SIGINT'));
    });
    ctx.io.stderr.write(`factordesk serve: ${signal}: finishing requests in flight\n`);
    await Promise.all([server.close(), radius?.close()]);
    await store.close();
    return { result: { stopped: true, signal }, message: 'factordesk serve: stopped.' };
  },
};
