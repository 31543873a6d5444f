/**
 * The command line as a client of a server (`--server URL` or FACTORDESK_SERVER): `login` keeps
 * a session token in a file only the OS user can read, `logout` ends it, and the commands that
 * work over a server call the server's channels with it. Every other command says where it
 * runs instead (on the server host, or not in server mode): SERVER_SUPPORT lists each one.
 */
import { chmodSync, createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { Channel, Req, Res, Result, UserSummary } from '../../contract/index.ts';
import { FactorDeskError, fail, toFactorDeskError } from '../core/errors.ts';
import { ServerClient, type ServerTrust } from '../server/client.ts';
import { writeFileAtomic } from '../platform/fs-atomic.ts';
import type { Command, Parsed } from './command.ts';
import { str, flag } from './command.ts';
import type { Context } from './context.ts';
import type { Outcome } from './output.ts';
import { DetailedError, usageError } from './output.ts';
import { newFileArg, writeNewFile } from './files.ts';
import { renderSelfEnrollmentSheet } from '../platform/self-enrollment-sheet.ts';
import { renderEnrollmentSheetPdf } from '../platform/sheet-pdf.ts';
import { actionContext, choiceArg, codeArg, emailArg, intArg, resolveCode } from './args.ts';
import { describeFactors, headerWorded, importArgs, importOutcome, importProgressLine, previewOutcome } from './commands/users.ts';
import { cliLanguage } from './language.ts';
import type { ImportReport } from '../core/import-users.ts';
import type { ImportPreview, JobStatusView } from '../../contract/index.ts';
import { localTime } from './format.ts';
import { canPrompt, readHidden } from './prompt.ts';
import type { FactorSummary } from '../core/factors.ts';
import { RADIUS_REMOTE } from './commands/radius-clients.ts';
import { ALERTS_REMOTE } from './commands/alerts.ts';
import { APPROVALS_REMOTE } from './commands/approvals.ts';
import { AUTOMATION_REMOTE } from './commands/automation-clients.ts';
import { automationCredential } from './automation-credential.ts';

/** How each command relates to a server: it works over it, it is the server host's own tool, or it has no server form. */
export type ServerSupport = 'over-server' | 'server-host' | 'not-in-server-mode';

export const SERVER_SUPPORT: Record<string, { support: ServerSupport; note?: string }> = {
  login: { support: 'over-server' },
  logout: { support: 'over-server' },
  find: { support: 'over-server' },
  show: { support: 'over-server' },
  'issue-code': { support: 'over-server' },
  'issue-enrollment-code': { support: 'over-server' },
  'backup-codes': { support: 'over-server' },
  reenroll: { support: 'over-server' },
  confirm: { support: 'over-server' },
  'lost-phone': { support: 'over-server', note: 'with self-enrollment on the server’s page; --sheet writes HTML with the page address and steps' },
  'reprint-sheet': { support: 'over-server' },
  'clear-lock': { support: 'over-server' },
  'operators list': { support: 'over-server' },
  'settings show': { support: 'over-server' },
  'service-client create': { support: 'over-server' },
  'service-client list': { support: 'over-server' },
  'service-client revoke': { support: 'over-server' },
  init: { support: 'server-host', note: 'a server is set up with "factordesk server init" on the server host' },
  'import-users': { support: 'over-server', note: 'the file streams to the server; progress from the job’s status' },
  verify: { support: 'not-in-server-mode', note: 'login services verify through the server’s validation API (POST /api/v1/validate with a service client)' },
  refuse: { support: 'server-host', note: 'record refused requests from the app, or on the server host for now' },
  'outbox export': { support: 'server-host' },
  'outbox deliver': { support: 'server-host', note: 'a server delivers the outbox by itself while it runs' },
  'audit verify': { support: 'over-server', note: 'the chain and the server’s signed heads, with its audit public key' },
  'audit export': { support: 'server-host' },
  backup: { support: 'server-host', note: 'back the store up with its own tools: pg_dump, plus the server key file kept apart' },
  restore: { support: 'server-host', note: 'restore the store with its own tools (pg_restore) and the key file' },
  check: { support: 'server-host', note: 'check the store with its own tools' },
  'rotate-key': { support: 'server-host' },
  'service-key create': { support: 'not-in-server-mode', note: 'service keys are retired; login services use service clients of the server (service-client create)' },
  'service-key list': { support: 'not-in-server-mode' },
  'service-key revoke': { support: 'not-in-server-mode' },
  'settings set': { support: 'server-host', note: 'change settings from the app, or on the server host for now' },
  'operators add': { support: 'server-host', note: 'add operators from the app, or on the server host for now' },
  'operators update': { support: 'server-host', note: 'change operators from the app, or on the server host for now' },
  'operators disable': { support: 'server-host' },
  'operators remove': { support: 'server-host' },
  'operators reset-password': { support: 'server-host' },
  'operators unlock': { support: 'server-host' },
  'server init': { support: 'server-host' },
  'server recover-key': { support: 'server-host' },
  'server audit-export': { support: 'server-host' },
  'server audit-verify': { support: 'server-host' },
  serve: { support: 'server-host' },
  'alerts list': { support: 'over-server' },
  'alerts ack': { support: 'over-server' },
  'approvals list': { support: 'over-server' },
  'approvals approve': { support: 'over-server' },
  'approvals reject': { support: 'over-server' },
  'approvals run': { support: 'over-server' },
  privileged: { support: 'over-server' },
  'radius-client add': { support: 'over-server' },
  'radius-client list': { support: 'over-server' },
  'radius-client remove': { support: 'over-server' },
  'automation-client create': { support: 'over-server' },
  'automation-client list': { support: 'over-server' },
  'automation-client revoke': { support: 'over-server' },
};

/** Where the server, its trust and the session file come from. */
export interface ServerTarget {
  url: string;
  trust: ServerTrust;
  sessionFile: string;
}

/** The session file for a server URL: FACTORDESK_SESSION_FILE, else one per server in the per-user folder. */
export function sessionFileFor(url: string, env: NodeJS.ProcessEnv): string {
  if (env.FACTORDESK_SESSION_FILE) return env.FACTORDESK_SESSION_FILE;
  const base = process.platform === 'win32' ? join(env.APPDATA || join(homedir(), 'AppData', 'Roaming'), 'FactorDesk') : join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'FactorDesk');
  return join(base, 'sessions', `${createHash('sha256').update(new URL(url).origin).digest('hex').slice(0, 16)}.json`);
}

/** The server target from the global flags and environment; null when no server is named. */
export function serverTarget(g: { server?: string; caCert?: string; pin?: string }, env: NodeJS.ProcessEnv): ServerTarget | null {
  const url = g.server ?? env.FACTORDESK_SERVER;
  if (url === undefined || url === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError('--server takes an address such as https://factordesk.example.no:8443.');
  }
  if (parsed.protocol !== 'https:') throw usageError('A FactorDesk server is reached over https:// only.');
  const caFile = g.caCert ?? env.FACTORDESK_CA_CERT;
  const pin = g.pin ?? env.FACTORDESK_SERVER_PIN;
  let ca: Buffer | undefined;
  if (caFile) {
    try {
      ca = readFileSync(caFile);
    } catch {
      throw usageError(`The CA certificate ${caFile} cannot be read.`);
    }
  }
  if (pin !== undefined && !/^(sha256\/)?[A-Za-z0-9+/]{43}=$/.test(pin)) throw usageError('--pin takes the base64 SHA-256 of the server key (sha256/…=).');
  return { url: parsed.origin, trust: { ...(ca ? { ca } : {}), ...(pin ? { pin } : {}) }, sessionFile: sessionFileFor(parsed.origin, env) };
}

interface SavedSession {
  url: string;
  token: string;
  operator: string;
  expiresAt: number;
}

function readSaved(t: ServerTarget): SavedSession | null {
  if (!existsSync(t.sessionFile)) return null;
  try {
    const v = JSON.parse(readFileSync(t.sessionFile, 'utf8')) as SavedSession;
    return v.url === t.url && typeof v.token === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** Calls channels of the server with the saved session; answers are values, errors are thrown as coded errors. */
export class RemoteApi {
  readonly client: ServerClient;
  /** The signed-in operator's name (from the saved session). */
  readonly operator: string;
  constructor(client: ServerClient, operator = '') {
    this.client = client;
    this.operator = operator;
  }
  async call<C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>> {
    return unwrap(await this.client.call<Res<C>>(channel, req));
  }
}

function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  const e = r.error as { code: FactorDeskError['code']; message: string; details?: Record<string, unknown> };
  if (e.code === 'SESSION_LOCKED') throw new FactorDeskError('SESSION_LOCKED', `${e.message} Run "factordesk --server URL login".`);
  throw new FactorDeskError(e.code, e.message, e.details);
}

/** The user with exactly this email, through the server's lookup (NOT_FOUND otherwise). */
async function userIdByEmail(api: RemoteApi, email: string): Promise<UserSummary> {
  const r = await api.call('users:find', { query: email, limit: 20, offset: 0 });
  const u = r.items.find((x) => x.email.normalize('NFC').toLowerCase() === email.normalize('NFC').toLowerCase());
  if (!u) fail('NOT_FOUND', 'There is no user with that email address.');
  return u;
}

/**
 * The sheet of a pending enrollment, rendered and recorded by the server, written here as a new
 * 0600 file: PDF (rendered here, as in a vault) for a name ending in .pdf, else the server's HTML.
 * A file that cannot be written is recorded on the server as not printed.
 */
async function writeServedSheet(api: RemoteApi, req: { userId: number; enrollmentId?: number; language: 'nb' | 'en' }, path: string): Promise<void> {
  const pdf = /\.pdf$/i.test(path);
  const sheet = await api.call('enrollment:sheet-render', { ...req, output: pdf ? 'pdf' : 'html' });
  try {
    const data = pdf ? Buffer.from(await renderEnrollmentSheetPdf(sheet.input, sheet.paperSize)) : sheet.html;
    writeNewFile(path, data, 'sheet file');
  } catch (err) {
    await api.call('enrollment:sheet-not-printed', { userId: sheet.userId, enrollmentId: sheet.enrollmentId, sheetId: sheet.sheetId, language: sheet.language, reason: 'failed' }).catch(() => undefined);
    throw err;
  }
}

type RemoteRun = (ctx: Context, p: Parsed, api: RemoteApi) => Promise<Outcome>;

/** How often an import's progress is asked for while its file streams. */
const IMPORT_POLL_MS = 500;

/** The commands that work over a server, each through the channels (the server's guard checks role and input). */
const REMOTE: Record<string, RemoteRun> = {
  async find(_ctx, p, api) {
    const q = p.args[0]!;
    if (q.trim().length === 0) throw usageError('Give the start of an email address or name.', 'find');
    const limit = intArg(str(p, 'limit'), 'limit', 1, 100) ?? 20;
    const offset = intArg(str(p, 'offset'), 'offset', 0, 900) ?? 0;
    const r = await api.call('users:find', { query: q, limit, offset });
    const text = r.items.map((u) => [u.email, u.name, u.organization ?? '', u.status].join('\t')).join('\n');
    return { result: { users: r.items, hasMore: r.hasMore }, text: r.hasMore ? `${text}\n…` : text, message: r.items.length === 0 ? 'No user matches.' : undefined };
  },
  async show(_ctx, p, api) {
    const user = await userIdByEmail(api, emailArg(p.args[0]!));
    const s = await api.call('users:view', { userId: user.id });
    return { result: s, text: describeFactors(s as unknown as FactorSummary) };
  },
  async 'import-users'(ctx, p, api) {
    const { path, encoding, dryRun } = importArgs(p);
    const language = cliLanguage(ctx.io.env);
    const totalBytes = path ? statSync(path).size : null;
    const { jobId } = await api.call('users:import-begin', { ...(dryRun ? { dryRun } : {}), ...(encoding !== 'auto' ? { encoding } : {}), ...(totalBytes !== null ? { totalBytes } : {}) });
    const upload = api.client.upload<ImportReport | ImportPreview>(`import/${jobId}`, path ? createReadStream(path) : ctx.io.stdin, totalBytes);
    // Progress from the job's status while the file streams; Ctrl-C asks the server to stop between batches, a second one breaks off.
    let cancelled = false;
    const onSigint = (): void => {
      if (cancelled) return upload.abort();
      cancelled = true;
      void api.call('users:import-cancel', { jobId }).catch(() => {});
    };
    process.on('SIGINT', onSigint);
    let polling = true;
    const poll = (async () => {
      while (polling) {
        await new Promise((r) => setTimeout(r, IMPORT_POLL_MS));
        if (!polling) break;
        const st = await api.client.call<JobStatusView>('jobs:status', { jobId });
        if (st.ok && st.value.state === 'running' && polling) ctx.out.progress(importProgressLine(st.value), ctx.interactive);
      }
    })();
    try {
      const answer = await headerWorded(upload.result.then(unwrap), language, ctx.out.isJson);
      if (ctx.interactive) ctx.out.progress('', true);
      return dryRun ? previewOutcome(answer as ImportPreview, language) : importOutcome(ctx, answer as ImportReport);
    } finally {
      polling = false;
      process.removeListener('SIGINT', onSigint);
      await poll;
    }
  },
  async 'audit verify'(_ctx, _p, api) {
    const r = await api.call('audit:verify', {});
    if (!r.ok) {
      const where = r.firstBroken !== null ? `first broken event: ${r.firstBroken} (${r.problem ?? 'changed'})` : `the signed heads are ${r.anchor}${r.problem ? ` (${r.problem})` : ''}`;
      throw new DetailedError('VAULT_DAMAGED', `The server's audit chain does not verify: ${where}. Keep the database and the heads file as evidence.`, r as unknown as Record<string, unknown>);
    }
    return { result: r, text: `ok: ${r.count} events, signed heads ${r.anchor}` };
  },
  async 'issue-code'(_ctx, p, api) {
    const minutes = intArg(str(p, 'minutes'), 'minutes', 5, 1440);
    const action = actionContext(p);
    const user = await userIdByEmail(api, emailArg(p.args[0]!));
    const r = await api.call('codes:issue-one-time', { userId: user.id, ...action, ...(minutes === undefined ? {} : { minutes }) });
    return { result: r, message: `One-time code for ${user.email}, valid until ${localTime(r.expiresAt)}. Read it to the user; it is not shown again.`, text: r.code };
  },
  async 'issue-enrollment-code'(_ctx, p, api) {
    const action = actionContext(p);
    const user = await userIdByEmail(api, emailArg(p.args[0]!));
    const r = await api.call('enrollment:issue-code', { userId: user.id, ...action });
    return {
      result: r,
      message: `Enrollment code for ${user.email}, valid until ${localTime(r.expiresAt)}. Give it to the user with the address of the enrollment page (/enroll on this server); it is not shown again.`,
      text: r.code,
    };
  },
  async 'backup-codes'(_ctx, p, api) {
    const action = actionContext(p);
    const user = await userIdByEmail(api, emailArg(p.args[0]!));
    const r = await api.call('codes:backup', { userId: user.id, ...action });
    return { result: r, message: `New backup codes for ${user.email}; the old set no longer works. They are not shown again.`, text: r.codes.join('\n') };
  },
  async reenroll(ctx, p, api) {
    const action = actionContext(p);
    const language = choiceArg(str(p, 'language'), 'language', ['nb', 'en'] as const, 'nb');
    const sheetArg = str(p, 'sheet');
    // Check the destination first: the re-enrollment must not happen when its sheet cannot be written.
    const sheetPath = sheetArg === undefined ? null : newFileArg(sheetArg, 'sheet file', 'standard output carries the enrollment URI and key.');
    const user = await userIdByEmail(api, emailArg(p.args[0]!));
    const r = await api.call('enrollment:reenroll', { userId: user.id, ...action, voidCodes: flag(p, 'void-codes'), withBackupCodes: flag(p, 'backup-codes') });
    const result = { enrollmentId: r.enrollmentId, uri: r.uri, key: r.key, deadline: r.deadline, sheetId: r.sheetId, ...(r.backupCodes ? { codes: r.backupCodes } : {}), sheet: null as string | null };
    const text = [`URI: ${r.uri}`, `Key: ${r.key}`, `Set up before: ${localTime(r.deadline)}`, `Sheet id: ${r.sheetId}`, ...(r.backupCodes ? ['Backup codes:', ...r.backupCodes] : [])];
    if (sheetPath) {
      try {
        await writeServedSheet(api, { userId: user.id, enrollmentId: r.enrollmentId, language }, sheetPath);
        result.sheet = sheetPath;
        text.push(`Sheet: ${sheetPath}`);
      } catch (err) {
        // The re-enrollment happened: hand over URI and key anyway, and say the sheet failed.
        const e = toFactorDeskError(err);
        if (!ctx.out.isJson) ctx.io.stdout.write(`${text.join('\n')}\n`);
        throw new DetailedError(e.code === 'BAD_REQUEST' ? 'IO_ERROR' : e.code, `The re-enrollment was done (the old authenticator is revoked), but the sheet could not be written: ${e.message} Write it again within 30 minutes with "factordesk reprint-sheet ${user.email} --sheet FILE".`, { result });
      }
    }
    return { result, message: `Re-enrollment started for ${user.email}: the old authenticator is revoked. Set the new one up before ${localTime(r.deadline)}; the URI and key are not shown again.`, text: text.join('\n') };
  },
  async 'reprint-sheet'(_ctx, p, api) {
    const language = choiceArg(str(p, 'language'), 'language', ['nb', 'en'] as const, 'nb');
    const sheetArg = str(p, 'sheet');
    if (sheetArg === undefined) throw usageError('Name the sheet file with --sheet FILE.pdf.', 'reprint-sheet');
    const sheetPath = newFileArg(sheetArg, 'sheet file', 'the sheet is a file to print.');
    const user = await userIdByEmail(api, emailArg(p.args[0]!));
    await writeServedSheet(api, { userId: user.id, language }, sheetPath);
    return { result: { sheet: sheetPath }, text: sheetPath, message: `The enrollment sheet of ${user.email} is written again.` };
  },
  async 'lost-phone'(ctx, p, api) {
    const action = actionContext(p);
    const language = choiceArg(str(p, 'language'), 'language', ['nb', 'en'] as const, 'nb');
    const sheetArg = str(p, 'sheet');
    // Over a server the user scans their own QR on the page: the sheet carries the page's address,
    // the steps and the enrollment code (HTML), never a QR. Checked before anything changes.
    if (sheetArg !== undefined && /\.pdf$/i.test(sheetArg)) fail('NOT_IN_SERVER_MODE', 'Over a server the lost-phone sheet is written as HTML (FILE.html): the user scans their own QR on the enrollment page.');
    const sheetPath = sheetArg === undefined ? null : newFileArg(sheetArg, 'sheet file', 'standard output carries the one-time code and the enrollment code.');
    const user = await userIdByEmail(api, emailArg(p.args[0]!));
    const r = await api.call('users:lost-phone', { userId: user.id, ...action });
    if (r.enrollment.mode !== 'self') fail('INTERNAL', 'The server answered without self-enrollment.');
    const e = r.enrollment;
    const pageUrl = new URL(e.pagePath, api.client.base).toString();
    const result = { actionId: r.actionId, revokedAuthenticator: r.revokedAuthenticator, oneTimeCode: r.oneTimeCode, enrollment: { mode: e.mode, code: e.code, expiresAt: e.expiresAt, pageUrl }, sheet: null as string | null };
    const text = [`One-time code: ${r.oneTimeCode.code} (valid until ${localTime(r.oneTimeCode.expiresAt)})`, `Enrollment code: ${e.code} (valid until ${localTime(e.expiresAt)})`, `Enrollment page: ${pageUrl}`];
    if (sheetPath) {
      try {
        const html = await renderSelfEnrollmentSheet({ language, user: { name: user.name, email: user.email }, pageUrl, code: e.code, expiresAt: e.expiresAt, operatorName: api.operator, issuedAt: Date.now() });
        writeNewFile(sheetPath, html, 'sheet file');
        result.sheet = sheetPath;
        text.push(`Sheet: ${sheetPath}`);
      } catch (err) {
        const fe = toFactorDeskError(err);
        if (!ctx.out.isJson) ctx.io.stdout.write(`${text.join('\n')}\n`);
        throw new DetailedError(fe.code === 'BAD_REQUEST' ? 'IO_ERROR' : fe.code, `The lost-phone action was done (the old authenticator is revoked), but the sheet could not be written: ${fe.message} Give the user the enrollment code and the page's address above.`, { result });
      }
    }
    return { result, message: `Lost phone for ${user.email}: the old authenticator is revoked. Read the one-time code to the user; they set up the new app on the enrollment page with the enrollment code. Neither code is shown again.`, text: text.join('\n') };
  },
  async confirm(ctx, p, api) {
    const email = emailArg(p.args[0]!);
    const code = await resolveCode(ctx, codeArg(p.args[1]!));
    const user = await userIdByEmail(api, email);
    const r = await api.call('enrollment:confirm', { userId: user.id, code });
    return { result: r, text: r.status, message: `The new authenticator of ${user.email} is active.` };
  },
  async 'clear-lock'(_ctx, p, api) {
    const action = actionContext(p);
    const user = await userIdByEmail(api, emailArg(p.args[0]!));
    const r = await api.call('lock:clear', { userId: user.id, ...action });
    return { result: r, text: 'cleared', message: `The verification lock of ${user.email} is cleared.` };
  },
  async 'operators list'(_ctx, _p, api) {
    const ops = await api.call('operators:list', {});
    return { result: { operators: ops }, text: ops.map((o) => [o.name, o.role, o.status, o.displayName, o.email ?? '-'].join('\t')).join('\n') };
  },
  async 'service-client create'(_ctx, p, api) {
    const label = str(p, 'label');
    if (label === undefined) throw usageError('Name the client with --label.', 'service-client create');
    const r = await api.call('service-clients:create', { label });
    return {
      result: r,
      message: `Created the service client ${r.label}. Give the login service these two lines (HTTP Basic user and password for POST /api/v1/validate); the secret is not shown again:`,
      text: `${r.clientId}\n${r.secret}`,
    };
  },
  async 'service-client list'(_ctx, _p, api) {
    const list = await api.call('service-clients:list', {});
    return { result: { clients: list }, text: list.map((c) => [c.clientId, c.label, c.createdAt].join('\t')).join('\n'), message: list.length === 0 ? 'There are no service clients.' : undefined };
  },
  async 'service-client revoke'(_ctx, p, api) {
    const clientId = p.args[0]!;
    if (!/^[0-9a-f]{16}$/.test(clientId)) throw usageError('A client id is 16 hex digits (see "service-client list").', 'service-client revoke');
    const r = await api.call('service-clients:revoke', { clientId });
    return { result: r, message: `Revoked the service client ${clientId}.` };
  },
  async 'settings show'(_ctx, _p, api) {
    const s = await api.call('settings:get', {});
    const { logo, ...rest } = s as unknown as Record<string, unknown>;
    const shown = { ...rest, logo: logo ? 'set' : 'none' };
    return { result: { settings: shown }, text: Object.entries(shown).map(([k, v]) => `${k}\t${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n') };
  },
  ...RADIUS_REMOTE,
  ...ALERTS_REMOTE,
  ...APPROVALS_REMOTE,
  ...AUTOMATION_REMOTE,
};

/** Runs `cmd` against the server: login/logout, a command that works over it, or a clear refusal. */
export async function runOverServer(ctx: Context, cmd: Command, p: Parsed, target: ServerTarget): Promise<Outcome> {
  if (cmd.name === 'login') return login(ctx, target);
  if (cmd.name === 'logout') return logout(target);
  const run = REMOTE[cmd.name];
  const info = SERVER_SUPPORT[cmd.name];
  if (!run) {
    const where = info?.support === 'server-host' ? 'runs on the server host, not through the server' : 'has no server form';
    fail('NOT_IN_SERVER_MODE', `"${cmd.name}" ${where}${info?.note ? `: ${info.note}` : ''}.`);
  }
  // An unattended script runs with its automation client (no login); anyone else with their session.
  const automation = automationCredential(ctx.io.env);
  const saved = automation ? null : readSaved(target);
  if (!automation && !saved) fail('SESSION_LOCKED', `Not signed in to ${target.url}: run "factordesk --server ${target.url} --operator NAME login".`);
  const client = new ServerClient(target.url, target.trust, saved?.token ?? null);
  client.automation = automation;
  try {
    return await run(ctx, p, new RemoteApi(client, saved?.operator ?? 'automation client'));
  } finally {
    client.close();
  }
}

async function login(ctx: Context, target: ServerTarget): Promise<Outcome> {
  const name = await ctx.operatorName();
  const password = await ctx.password();
  const client = new ServerClient(target.url, target.trust);
  try {
    let otp = ctx.io.env.FACTORDESK_OTP || null;
    if (otp === null && canPrompt(ctx.io)) otp = (await readHidden(ctx.io, 'Code from your authenticator app (6 digits): ')).trim();
    let r = await client.call<{ status: string; token?: string; expiresAt?: number; otpUri?: string; session?: { name: string; role: string } }>('auth/sign-in', { name, password, ...(otp ? { otp } : {}) });
    let v = unwrap(r);
    if (v.status === 'enroll-second-factor') {
      // First sign-in to this server: the operator's second factor is made now, shown once.
      if (!canPrompt(ctx.io)) {
        return {
          result: { status: 'enroll-second-factor', otpUri: v.otpUri },
          message: 'This is your first sign-in to this server: scan the URI below into your authenticator app (it is shown once), then run login again with FACTORDESK_OTP set to a code from it.',
          text: v.otpUri,
        };
      }
      ctx.io.stderr.write(`Scan this into your authenticator app (shown once):\n${v.otpUri}\n`);
      const code = (await readHidden(ctx.io, 'Code from the new entry (6 digits): ')).trim();
      r = await client.call('auth/sign-in', { name, password, otp: code });
      v = unwrap(r);
    }
    if (v.status !== 'signed-in' || !v.token) fail('SIGNIN_FAILED', 'The server did not sign you in.');
    const saved: SavedSession = { url: target.url, token: v.token, operator: v.session?.name ?? name, expiresAt: v.expiresAt ?? 0 };
    const dir = join(target.sessionFile, '..');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    writeFileAtomic(target.sessionFile, JSON.stringify(saved) + '\n', 0o600);
    return { result: { server: target.url, operator: saved.operator, role: v.session?.role, expiresAt: saved.expiresAt }, message: `Signed in to ${target.url} as ${saved.operator} until ${localTime(saved.expiresAt)} (or 15 minutes without use).`, text: '' };
  } finally {
    client.close();
  }
}

async function logout(target: ServerTarget): Promise<Outcome> {
  const saved = readSaved(target);
  if (saved) {
    const client = new ServerClient(target.url, target.trust, saved.token);
    try {
      await client.call('auth/sign-out', {});
    } finally {
      client.close();
    }
  }
  rmSync(target.sessionFile, { force: true });
  return { result: { signedOut: true }, message: saved ? `Signed out of ${target.url}.` : `There was no session for ${target.url}.` };
}

/** `login` and `logout`: only with --server. */
export const loginCommand: Command = {
  name: 'login',
  summary: 'sign in to a server (with --server); the session is kept for the next commands',
  usage: ['--server URL [--ca-cert FILE | --pin SHA256] --operator NAME login'],
  help: `Signs in to a FactorDesk server with your password (FACTORDESK_PASSWORD or typed) and a code
from your authenticator app (FACTORDESK_OTP or typed). The session token is kept in a file only
you can read (FACTORDESK_SESSION_FILE, else one per server in the per-user folder); commands
with --server (or FACTORDESK_SERVER) then use it. It ends after 15 minutes without use, after
12 hours, or with "logout". At your first sign-in to a server you enroll your second factor.`,
  options: {},
  args: [],
  async run() {
    fail('BAD_REQUEST', 'login signs in to a server: name it with --server URL (before the command) or FACTORDESK_SERVER.');
  },
};

export const logoutCommand: Command = {
  name: 'logout',
  summary: 'end the session with a server (with --server)',
  usage: ['--server URL logout'],
  help: 'Ends the session on the server and deletes the session file.',
  options: {},
  args: [],
  async run() {
    fail('BAD_REQUEST', 'logout ends a session with a server: name it with --server URL (before the command) or FACTORDESK_SERVER.');
  },
};
