import { DirectorySearches } from '../../core/directory-searches.ts';
import { checkSiteBasics } from '../../core/settings.ts';
import { existsSync, readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { spkiPin } from '../../server/client.ts';
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
import { claimStoreForServe, openKeyedStore, openServerStore, parseStoreArg } from '../../server/open.ts';
import { initFolderServer, recoverFolderKey } from './server-folder.ts';
import type { ServerStore } from '../../store/port.ts';
import { smtpPasswordFromEnv, startSmtpDelivery } from '../../platform/smtp-transport.ts';
import { DELIVER_AFTER, type DeliveryWorker } from '../../core/outbox-delivery.ts';
import { startApiServer } from '../../server/http-api.ts';
import { HeadSigner } from '../../server/head-signer.ts';
import { verifySignedChain, type SignedHead } from '../../core/audit-signing.ts';
import type { AuditEvent } from '../../core/audit.ts';
import { writeNewFile } from '../files.ts';
import { startRadiusServer, type RunningRadius } from '../../server/radius/server.ts';
import { pathArg } from '../files.ts';
import { localTime } from '../format.ts';

/** Most an instance's clock may differ from the database's: TOTP steps must agree on every instance. */
const MAX_CLOCK_SKEW_MS = 2000;

export const serverInit: Command = {
  name: 'server init',
  summary: 'set a server store up: key file, first admin, recovery key (printed once)',
  usage: ['server init --store STORE --key-file FILE --name NAME [--display-name TEXT] [--email ADDRESS] [--organization TEXT] [--support-contact TEXT]'],
  help: `Sets up a store for "factordesk serve": creates the server key file (owner-only, never
overwritten), the first admin with a password (FACTORDESK_PASSWORD or typed twice) and a second
factor, and prints once the admin's second-factor enrollment URI (scan it into an authenticator
app) and a recovery key. The recovery key re-creates the server key file when that file is lost
("factordesk server recover-key"); keep it on paper, apart from the server.

On a folder that already holds a vault (made with "factordesk init"), --name names an existing
admin, whose password (FACTORDESK_PASSWORD or typed) unlocks it once; the vault is then opened
by the key file alone. The other operators enroll a second factor at their first server sign-in.

  --store STORE       a vault folder (the embedded store, e.g. /var/lib/factordesk), or
                      postgres://USER@HOST[:PORT]/DATABASE (the password comes from PGPASSFILE or
                      PGPASSWORD, never from the URL)
  --key-file FILE     where the new server key file is written (mode 0600)
  --name NAME         the first admin's sign-in name
  --display-name TEXT the name shown in the audit (default: NAME)
  --email ADDRESS     the admin's work email
  --organization TEXT the organisation's name, printed on sheets and named in notifications
  --support-contact TEXT  whom users call with questions (sheets, notifications)`,
  options: { store: { type: 'string' }, 'key-file': { type: 'string' }, name: { type: 'string' }, 'display-name': { type: 'string' }, email: { type: 'string' }, organization: { type: 'string' }, 'support-contact': { type: 'string' } },
  args: [],
  async run(ctx, p) {
    const storeArg = str(p, 'store');
    const keyFile = str(p, 'key-file');
    const rawName = str(p, 'name');
    if (storeArg === undefined) throw usageError('Name the store with --store FOLDER (a vault folder) or --store postgres://USER@HOST/DATABASE.', 'server init');
    if (keyFile === undefined) throw usageError('Say where the server key file goes with --key-file FILE.', 'server init');
    if (rawName === undefined) throw usageError('Name the first admin with --name.', 'server init');
    const keyPath = pathArg(keyFile, 'key file');
    const name = validOperatorName(rawName);
    const displayName = textArg(str(p, 'display-name'), 'display-name', 128) || name;
    const rawEmail = str(p, 'email');
    const email = rawEmail === undefined ? null : emailArg(rawEmail);
    const target = parseStoreArg(storeArg);
    if (target.kind === 'folder') {
      const site = checkSiteBasics({ organizationName: str(p, 'organization'), supportContact: str(p, 'support-contact') });
      return initFolderServer(ctx, { dir: target.dir, keyPath, name, displayName, email, site });
    }
    let password = ctx.io.env.FACTORDESK_PASSWORD;
    if (password === undefined || password === '') {
      if (!canPrompt(ctx.io)) fail('SIGNIN_FAILED', 'No password for the first admin: set FACTORDESK_PASSWORD or run the command in a terminal to type it.');
      password = await readHidden(ctx.io, 'Password for the first admin (15 characters or more): ');
      await assertPassword(password, [name, displayName]);
      if ((await readHidden(ctx.io, 'Type it again: ')) !== password) fail('BAD_REQUEST', 'The two passwords differ. Nothing was created.');
    }
    await assertPassword(password, [name, displayName]);
    // Checked before anything is written (the key file is never left behind for a bad value).
    const site = checkSiteBasics({ organizationName: str(p, 'organization'), supportContact: str(p, 'support-contact') });
    // The data key first: the store seals its secrets with it from the start.
    const dataKey = systemRandom.bytes(32);
    const store = await openServerStore(storeArg, dataKey, ctx.clock, systemRandom);
    try {
      if (await serverKeyRecords(store)) fail('VAULT_EXISTS', 'This store has been set up for a server already; nothing was changed.');
      const keys = newServerKeys(store.storeId, systemRandom, dataKey);
      const { recoveryKey, escrow } = escrowKeys(keys, systemRandom);
      // The key file first: a store whose key file could not be written is never set up.
      writeKeyFile(keyPath, keys);
      const r = await initServerStore(store, valueSealer(keys, systemRandom), { keyCheck: keyCheck(keys, systemRandom), escrow, signingPublicKey: signingPublicKey(keys) }, { name, displayName, email, password }, site);
      // A store used before it was set up may hold secrets in clear: sealed now, under the new key.
      await store.sealLegacySecrets();
      return {
        result: { storeId: store.storeId, keyFile: keyPath, operator: r.session.name, operatorOtpUri: r.operatorOtpUri, recoveryKey, auditPublicKey: signingPublicKey(keys) },
        message: `Set the store up with the admin ${r.session.name}; the server key file is ${keyPath} (keep it owner-only; back it up apart from the database).\nScan the first line into the admin's authenticator app. The second line is the recovery key: it re-creates the key file if it is lost. Both are shown this once. The third line is the public key that verifies the audit ("server audit-verify --public-key"); keep a copy apart from the server:`,
        text: `${r.operatorOtpUri}\n${recoveryKey}\naudit public key: ${signingPublicKey(keys)}`,
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
FACTORDESK_RECOVERY_KEY or typed). The new file is written to FILE (never over an existing one).
STORE is the vault folder or the postgres:// URL given to "server init".`,
  options: { store: { type: 'string' }, 'key-file': { type: 'string' } },
  args: [],
  async run(ctx, p) {
    const storeArg = str(p, 'store');
    const keyFile = str(p, 'key-file');
    if (storeArg === undefined || keyFile === undefined) throw usageError('Give --store STORE and --key-file FILE.', 'server recover-key');
    const keyPath = pathArg(keyFile, 'key file');
    const recoveryKey = await ctx.secret('FACTORDESK_RECOVERY_KEY', 'Recovery key: ', 'recovery key');
    const target = parseStoreArg(storeArg);
    if (target.kind === 'folder') return recoverFolderKey(ctx, target.dir, keyPath, recoveryKey);
    // Without a data key (it is what is being recovered): this process opens no sealed secret.
    const store = await openServerStore(storeArg, null, ctx.clock, systemRandom);
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
  const host = where.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  if (code === 'EADDRINUSE') return new FactorDeskError('IO_ERROR', `Something else ${verb} ${where} already.`);
  if (code === 'EACCES') return new FactorDeskError('IO_ERROR', `Not allowed to listen on ${where} (ports below 1024 need privileges).`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return new FactorDeskError('IO_ERROR', `The host ${host} is not known: give one of this computer's addresses (or 0.0.0.0 for all).`);
  if (code === 'EADDRNOTAVAIL') return new FactorDeskError('IO_ERROR', `${host} is not an address of this computer: give one of its addresses (or 0.0.0.0 for all).`);
  if (typeof code === 'string' && code.startsWith('ERR_OSSL')) return new FactorDeskError('BAD_REQUEST', 'The TLS certificate or key cannot be used by the server; make them again (PEM, without a passphrase).');
  return err;
}

/** Refuses a TLS certificate and key the server could not answer with, naming the file that is wrong. */
function checkTls(cert: Buffer, key: Buffer, certFile: string, keyFile: string): void {
  let x509: X509Certificate;
  let privateKey: KeyObject;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    fail('BAD_REQUEST', `--tls-cert ${certFile} holds no PEM certificate (is it the key?).`);
  }
  try {
    privateKey = createPrivateKey(key);
  } catch {
    fail('BAD_REQUEST', `--tls-key ${keyFile} holds no PEM private key without a passphrase (is it the certificate?).`);
  }
  if (!x509.checkPrivateKey(privateKey)) fail('BAD_REQUEST', `The TLS certificate ${certFile} and the key ${keyFile} do not belong together: give the key the certificate was made for.`);
}

export const serve: Command = {
  name: 'serve',
  summary: 'run the server: HTTPS API for the app, the CLI and login services',
  usage: ['serve --store STORE [--key-file FILE] --listen HOST:PORT --tls-cert FILE --tls-key FILE [--radius HOST:PORT]'],
  help: `Runs the FactorDesk server until SIGTERM or SIGINT, then stops cleanly (requests in
flight finish; a second signal meanwhile does not cut that short). The server key comes from
--key-file (mode 0600; refused when others can read it), else FACTORDESK_SERVER_KEY, else the
systemd credential factordesk-server-key. Refuses to start when this computer's clock is more
than 2 s off the database's.

  --store STORE      the vault folder set up by "server init", or
                     postgres://USER@HOST[:PORT]/DATABASE (password from PGPASSFILE or PGPASSWORD)
  --key-file FILE    the server key file written by "server init"
  --listen HOST:PORT where to listen (port 0 picks a free port; the address is printed)
  --tls-cert FILE    the TLS certificate (PEM) and --tls-key FILE its private key
  --heads-file FILE  where signed audit chain heads are appended outside the database
                     (default: the key file's name with .heads.jsonl)
  --radius HOST:PORT also answer RADIUS Access-Requests (PAP, Message-Authenticator required) on
                     this UDP address, e.g. 0.0.0.0:1812, from clients added with
                     "factordesk --server URL radius-client add"
Notifications are delivered through the SMTP relay in the settings while it runs (the relay
password from FACTORDESK_SMTP_PASSWORD).`,
  options: { store: { type: 'string' }, 'key-file': { type: 'string' }, listen: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'heads-file': { type: 'string' }, radius: { type: 'string' } },
  args: [],
  async run(ctx, p) {
    const searchLimit = searchesPerMinuteFromEnv(ctx.io.env);
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
    checkTls(cert, tlsKey, certFile, keyFileTls);
    const release = claimStoreForServe(storeArg, ctx.clock.now());
    let store: Awaited<ReturnType<typeof openKeyedStore>>;
    try {
      store = await openKeyedStore(storeArg, keys, ctx.clock, systemRandom);
    } catch (err) {
      release();
      throw err;
    }
    const headsArg = str(p, 'heads-file');
    const headsFile = headsArg !== undefined ? pathArg(headsArg, 'heads file') : keyFile !== undefined ? `${pathArg(keyFile, 'key file')}.heads.jsonl` : null;
    let server;
    let radius: RunningRadius | null = null;
    const log = (l: string) => ctx.io.stderr.write(`factordesk serve: ${l}\n`);
    // Started once the server listens; a change answered before then waits for its first pass.
    let delivery: DeliveryWorker | null = null;
    try {
      const skew = Math.abs((await store.databaseTime()) - ctx.clock.now());
      if (skew > MAX_CLOCK_SKEW_MS) fail('INTERNAL', `This computer's clock is ${Math.round(skew / 100) / 10} s off the database's: set the time (NTP) and start again. Authenticator codes need one clock.`);
      try {
        server = await startApiServer(
          { store, sealer: valueSealer(keys, systemRandom), tls: { cert, key: tlsKey }, log, searches: new DirectorySearches(searchLimit === undefined ? {} : { limitPerMinute: searchLimit }), smtpPasswordSet: !!smtpPasswordFromEnv(ctx.io.env), audit: { publicKey: signingPublicKey(keys), headsFile }, answered: (channel) => DELIVER_AFTER.has(channel) && delivery?.kick() },
          where,
        );
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
      release();
      throw err;
    }
    const signer = new HeadSigner(store, keys.signingKey, headsFile);
    await signer.signNow();
    signer.start();
    // Notifications leave through the SMTP relay in the settings, when one is set.
    delivery = startSmtpDelivery(store, { env: ctx.io.env, log });
    // The handlers go in before the line that says the server is up: a SIGTERM sent as soon as
    // it is read must stop the server cleanly, not kill it.
    // The handlers stay for the whole shutdown: a second signal (the one a process group and the
    // Node 20 relaunch both pass on, or an impatient Ctrl-C) does not kill it half-way.
    let stopping: string | null = null;
    let stop!: (s: string) => void;
    const signal = new Promise<string>((resolve) => (stop = resolve));
    const onSignal = (s: NodeJS.Signals) => {
      if (stopping) ctx.io.stderr.write(`factordesk serve: ${s} again: still finishing requests in flight (SIGKILL stops it at once)\n`);
      else stop((stopping = s));
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    ctx.io.stderr.write(`factordesk serve: listening on https://${hostPort(server.address)}\n`);
    // What operators compare when the desktop app connects the first time (and --pin of the CLI).
    ctx.io.stderr.write(`factordesk serve: server key sha256/${spkiPin(cert)}\n`);
    if (radius) ctx.io.stderr.write(`factordesk serve: RADIUS on udp ${hostPort(radius.address)}\n`);
    const stopped = await signal;
    ctx.io.stderr.write(`factordesk serve: ${stopped}: finishing requests in flight\n`);
    await Promise.all([server.close(), radius?.close()]);
    await Promise.all([signer.stop(), delivery.stop()]);
    if (signer.lastError) ctx.io.stderr.write(`factordesk serve: the last audit head could not be signed: ${signer.lastError}\n`);
    await store.close();
    release();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    return { result: { stopped: true, signal: stopped }, message: 'factordesk serve: stopped.' };
  },
};

interface AuditExport {
  format: 'factordesk.audit-export';
  storeId: string;
  events: AuditEvent[];
  signedHeads: SignedHead[];
}

async function readStoreAudit(storeArg: string, ctx: { clock: { now(): number }; io: { env: NodeJS.ProcessEnv } }, keyFile: string | undefined): Promise<AuditExport> {
  // Reading the audit of PostgreSQL needs no data key; a vault folder opens only with the key file.
  const store: ServerStore =
    parseStoreArg(storeArg).kind === 'folder'
      ? await openKeyedStore(storeArg, loadServerKeys(keyFile === undefined ? undefined : pathArg(keyFile, 'key file'), ctx.io.env), ctx.clock, systemRandom)
      : await openServerStore(storeArg, null, ctx.clock, systemRandom);
  try {
    return await store.read(async (tx) => {
      const events: AuditEvent[] = [];
      for await (const e of tx.audit.all()) events.push(e);
      const signedHeads = (await tx.serverAuth.signedHeads()).map((h) => ({ ...h, storeId: store.storeId }));
      return { format: 'factordesk.audit-export' as const, storeId: store.storeId, events, signedHeads };
    });
  } finally {
    await store.close();
  }
}

export const serverAuditExport: Command = {
  name: 'server audit-export',
  summary: "export a server's audit log with its signed chain heads (verifiable with the public key alone)",
  usage: ['server audit-export --store STORE [--key-file FILE] --out FILE'],
  help: `Writes every audit event and every signed chain head as one JSON file (FILE must not exist;
- for standard output). "server audit-verify --file FILE --public-key KEY" checks it anywhere.
A vault folder (--store FOLDER) opens with the server key file: --key-file FILE.`,
  options: { store: { type: 'string' }, out: { type: 'string' }, 'key-file': { type: 'string' } },
  args: [],
  async run(ctx, p) {
    const storeArg = str(p, 'store');
    const out = str(p, 'out');
    if (storeArg === undefined || out === undefined) throw usageError('Give --store STORE and --out FILE.', 'server audit-export');
    const data = await readStoreAudit(storeArg, ctx, str(p, 'key-file'));
    const text = JSON.stringify(data) + '\n';
    if (out === '-') return { result: { events: data.events.length, signedHeads: data.signedHeads.length }, text };
    writeNewFile(pathArg(out, 'export file'), text, 'export file');
    return { result: { file: out, events: data.events.length, signedHeads: data.signedHeads.length }, message: `Wrote ${data.events.length} events and ${data.signedHeads.length} signed heads to ${out}.` };
  },
};

export const serverAuditVerify: Command = {
  name: 'server audit-verify',
  summary: "verify a server's audit log (the store, or an export) with the audit public key alone",
  usage: ['server audit-verify (--store STORE [--key-file FILE] | --file EXPORT) --public-key KEY [--heads-file FILE]'],
  help: `Checks that the chain is whole, that every signed head verifies with KEY (printed by
"server init") and matches its event, and that no signed head — in the database, in the export,
or in the heads file kept outside the database — names more events than are left (a deleted
tail). Exit 0 when intact, 6 when not. A vault folder (--store FOLDER) opens with --key-file FILE.`,
  options: { store: { type: 'string' }, file: { type: 'string' }, 'public-key': { type: 'string' }, 'heads-file': { type: 'string' }, 'key-file': { type: 'string' } },
  args: [],
  async run(ctx, p) {
    const storeArg = str(p, 'store');
    const file = str(p, 'file');
    const publicKey = str(p, 'public-key');
    if ((storeArg === undefined) === (file === undefined)) throw usageError('Give either --store STORE or --file EXPORT.', 'server audit-verify');
    if (publicKey === undefined || !/^[A-Za-z0-9+/]{40,80}={0,2}$/.test(publicKey)) throw usageError('Give the audit public key printed by "server init" with --public-key.', 'server audit-verify');
    let data: AuditExport;
    if (file !== undefined) {
      try {
        data = JSON.parse(readFileSync(pathArg(file, 'export file'), 'utf8')) as AuditExport;
        if (data.format !== 'factordesk.audit-export' || !Array.isArray(data.events) || !Array.isArray(data.signedHeads)) throw new Error('format');
      } catch {
        fail('BAD_REQUEST', `${file} is not a FactorDesk audit export.`);
      }
    } else {
      data = await readStoreAudit(storeArg!, ctx, str(p, 'key-file'));
    }
    const heads = [...data.signedHeads];
    const headsFile = str(p, 'heads-file');
    if (headsFile !== undefined) {
      const path = pathArg(headsFile, 'heads file');
      if (!existsSync(path)) fail('BAD_REQUEST', `The heads file ${headsFile} does not exist.`);
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          heads.push(JSON.parse(line) as SignedHead);
        } catch {
          fail('BAD_REQUEST', `The heads file ${headsFile} holds a line that is not a signed head.`);
        }
      }
    }
    const r = await verifySignedChain(data.events, heads, publicKey, data.storeId);
    if (!r.ok) fail('VAULT_DAMAGED', `The audit log does not verify: ${r.problems.slice(0, 5).join('; ')}.`);
    return { result: r, text: `intact: ${r.count} events, ${r.headsChecked} signed heads checked${r.latestSigned ? `, latest signed ${localTime(r.latestSigned.at)} at event ${r.latestSigned.count}` : ''}` };
  },
};

/**
 * FACTORDESK_SEARCHES_PER_MINUTE: how many users one session may list in a minute before lookups
 * pause (default 2,000, what a person types); a whole number from 100, for a site whose own
 * tools look people up in bulk. Anything else stops `serve` before it starts.
 */
function searchesPerMinuteFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.FACTORDESK_SEARCHES_PER_MINUTE;
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = /^\s*\d{1,9}\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 100) fail('BAD_REQUEST', 'FACTORDESK_SEARCHES_PER_MINUTE must be a whole number of users, at least 100 (the default is 2000).', { field: 'FACTORDESK_SEARCHES_PER_MINUTE' });
  return n;
}
