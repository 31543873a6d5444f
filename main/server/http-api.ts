/**
 * The server's HTTPS door: the channel contract as `POST /api/v1/<channel>` (JSON in, a
 * `Result` out), behind the same guard as the app's IPC (schema, session, role), with the
 * session taken from the request's Authorization (an operator's bearer token, or an automation
 * client's HTTP Basic id and secret: sessionForRequest). Sign-in and sign-out have routes of their own
 * (`/api/v1/auth/sign-in`, `/api/v1/auth/sign-out`): a token is never a channel's answer.
 */
import https from 'node:https';
import { PassThrough } from 'node:stream';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { builtOnFirstUse } from '../core/built-on-first-use.ts';
import type { ApiError, Channel, ErrorCode, Result } from '../../contract/index.ts';
import { CHANNEL_NAMES } from '../../contract/index.ts';
import { createGuard, type Handlers } from '../ipc/guard.ts';
import { approvalRunView, lostPhoneView, storeChannels } from '../ipc/handlers/store-channels.ts';
import { runApproval } from '../core/approval-run.ts';
import { DirectorySearches } from '../core/directory-searches.ts';
import { DEFAULT_LIMIT as DEFAULT_FIND_LIMIT } from '../core/user-search.ts';
import { reportLostPhone } from '../core/lost-phone.ts';
import { publicDetails } from '../ipc/error-details.ts';
import type { ServerStore } from '../store/port.ts';
import type { Session } from '../core/session.ts';
import { FactorDeskError, toFactorDeskError, fail } from '../core/errors.ts';
import { requireRole } from '../core/roles.ts';
import { resetSecondFactor, serverSignIn, serverSignOut, sessionForToken, tokenHash, type ValueSealer } from '../core/server-auth.ts';
import { recordRefusedCall } from '../core/signin.ts';
import { changeOwnPassword } from '../core/operators.ts';
import { settingsView, updateSettings } from '../core/settings.ts';
import { createServiceClient, listServiceClients, revokeServiceClient, ServiceClientSessions } from '../core/service-clients.ts';
import { automationClientSession, createAutomationClient, listAutomationClients, revokeAutomationClient } from '../core/automation-clients.ts';
import { verifyCodeForEmail } from '../core/verify.ts';
import { addRadiusClient, listRadiusClients, removeRadiusClient } from '../core/radius-clients.ts';
import { issueEnrollmentCode } from '../core/self-enrollment.ts';
import { prepareSheet, recordServedSheetNotPrinted, recordSheetPrinted } from '../core/sheets.ts';
import { enrollRoutes } from './enroll-page.ts';
import { ImportJobs, MAX_IMPORT_BYTES } from './import-jobs.ts';
import { verifyServedAudit } from '../core/audit-export.ts';
import type { SignedHead } from '../core/audit-signing.ts';

/** Requests larger than this are refused before their body is read to the end or parsed. */
export const MAX_BODY_BYTES = 256 * 1024;
/** A request's body must arrive within this time (an import's upload has its own limit: a minute of silence). */
const BODY_DEADLINE_MS = 30_000;
const UPLOAD_IDLE_MS = 60_000;
/** Sessions an instance remembers having confirmed (for a type-ahead's early search). */
const MAX_CONFIRMED = 10_000;

/** Channels a server does not serve: desktop-only work, or work that belongs to the store's own tools on the server host. */
export const NOT_SERVED: Readonly<Partial<Record<Channel, string>>> = {
  'app:status': 'The desktop app asks its own main process for its status.',
  'app:open-external': 'Links are opened by the desktop app.',
  'prefs:set': 'Preferences belong to the desktop app.',
  'session:first-run': 'A server is set up with "factordesk server init" on the server host.',
  'session:sign-in': 'Sign in to a server through /api/v1/auth/sign-in (password and second factor).',
  'session:second-factor': 'A second factor is set up through /api/v1/auth/sign-in (its answer carries the URI once).',
  'server:probe': 'Choosing a server belongs to the desktop app.',
  'server:connect': 'Choosing a server belongs to the desktop app.',
  'server:forget': 'Choosing a server belongs to the desktop app.',
  'session:recover': 'A server is recovered with "factordesk server recover-key" on the server host.',
  'enrollment:print-sheet': 'Sheets are printed by the desktop app.',
  'clipboard:copy': 'The clipboard belongs to the desktop app.',
  'settings:choose-logo': 'Choose the logo in the desktop app.',
  'users:import': 'Over a server an import begins with users:import-begin and its file is streamed to POST /api/v1/import/JOB_ID.',
  'users:import-preview': 'Over a server a dry run begins with users:import-begin {"dryRun": true} and its file is streamed to POST /api/v1/import/JOB_ID.',
  'users:import-save-report': 'The import report is saved by the desktop app (jobs:status gives it).',
  'jobs:reports': 'A server has no background jobs for the app yet.',
  'audit:export': 'Export the audit on the server host.',
  'outbox:export': 'Export the outbox on the server host.',
  'vault:info': 'A server has no vault folder: see the store’s own tools.',
  'vault:integrity': 'Check the store with its own tools on the server host.',
  'vault:backup': 'Back a server’s store up on the server host (pg_dump plus the key file kept apart).',
  'vault:restore-preview': 'Restore a server’s store on the server host.',
  'vault:restore': 'Restore a server’s store on the server host.',
  'vault:delete-kept': 'A server has no vault folder: see the store’s own tools.',
  'vault:rekey': 'Key rotation of a server’s store runs on the server host.',
  'service-keys:create': 'Login services use service clients on a server.',
};

export interface ApiServerOptions {
  store: ServerStore;
  sealer: ValueSealer;
  tls: { cert: string | Buffer; key: string | Buffer };
  /** Whether this server's environment holds the SMTP relay password (settings show set / not set). */
  smtpPasswordSet?: boolean;
  /** Told of each channel request answered with success (the outbox delivery follows changes). */
  answered?: (channel: string) => void;
  /** Told of each request that failed inside (never its body). */
  log?: (line: string) => void;
  /** The sessions' directory searches, folded into the audit (one per server; made when not given). */
  searches?: DirectorySearches;
  /** What "Verify" checks the audit with: the audit public key, and the file of signed heads kept outside the database. */
  audit?: { publicKey: string; headsFile: string | null };
  /** The instance's import jobs (made when not given; startApiServer stops them when it closes). */
  imports?: ImportJobs;
}

/** The bodies of validate and sign-in, built on first use (see builtOnFirstUse). */
const BODIES = builtOnFirstUse(() => ({
  validate: z.strictObject({ user: z.string().min(1).max(320), code: z.string().min(1).max(64) }),
  signIn: z.strictObject({ name: z.string().min(1).max(256), password: z.string().min(1).max(1024), otp: z.string().max(16).optional() }),
}));

/** Verifications a service client may ask for per window, per server instance. */
export const VALIDATE_RATE = { max: 10_000, windowMs: 10_000 };

const STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  SESSION_LOCKED: 401,
  SIGNIN_FAILED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  OPERATOR_LOCKED: 429,
  NOT_IN_SERVER_MODE: 501,
  INTERNAL: 500,
};

function failure(code: ErrorCode, message: string): Result<never> {
  return { ok: false, error: { code, message } as ApiError };
}

/** The handlers a server serves: every store-only channel, and the few session channels that mean something here. */
function serverHandlers(store: ServerStore, sealer: ValueSealer, searches?: DirectorySearches, smtpPasswordSet = false, jobs?: ImportJobs, audit?: ApiServerOptions['audit']): Partial<Handlers> {
  const imports = () => jobs ?? fail('INTERNAL', 'This server runs no imports.');
  return {
    'audit:verify': (_r, s) => {
      if (!audit) fail('NOT_IN_SERVER_MODE', 'This server was started without its audit key: verify on the server host ("factordesk server audit-verify").');
      return verifyServedAudit(store, s!, audit.publicKey, outsideHeads(audit.headsFile));
    },
    'users:import-begin': (req, s) => imports().begin(s!, req),
    'jobs:status': ({ jobId }, s) => imports().status(s!, jobId),
    'users:import-cancel': ({ jobId }, s) => imports().cancel(s!, jobId),
    ...storeChannels(() => store, searches, () => smtpPasswordSet),
    'radius-clients:add': (req, s) => addRadiusClient(store, sealer, s!, req),
    'radius-clients:list': (_r, s) => listRadiusClients(store, s!),
    'radius-clients:remove': ({ clientId }, s) => removeRadiusClient(store, s!, clientId),
    'session:activity': () => ({ ok: true as const }),
    'settings:update': async (patch, s) => settingsView(await updateSettings(store, s!, patch), smtpPasswordSet),
    'operators:reset-second-factor': async ({ operatorId }, s) => {
      await resetSecondFactor(store, s!, operatorId);
      return { ok: true as const };
    },
    'service-clients:create': ({ label }, s) => createServiceClient(store, s!, label),
    'service-clients:list': (_r, s) => listServiceClients(store, s!),
    'service-clients:revoke': ({ clientId }, s) => revokeServiceClient(store, s!, clientId),
    // The app's main process (or the command line) prints the sheet; the server renders it and records it as sent.
    'enrollment:sheet-render': async ({ userId, enrollmentId, language, output }, s) => {
      const sheet = await prepareSheet(store, s!, { userId, enrollmentId, language });
      await recordSheetPrinted(store, s!, sheet, { output });
      return sheet;
    },
    'enrollment:sheet-not-printed': async ({ userId, enrollmentId, sheetId, reason }, s) => {
      await recordServedSheetNotPrinted(store, s!, { userId, enrollmentId, sheetId }, reason);
      return { ok: true as const };
    },
    'automation-clients:create': (req, s) => createAutomationClient(store, s!, req),
    'automation-clients:list': (_r, s) => listAutomationClients(store, s!),
    'automation-clients:revoke': ({ clientId }, s) => revokeAutomationClient(store, s!, clientId),
    'enrollment:issue-code': ({ userId, checks, ticket, reason }, s) => issueEnrollmentCode(store, s!, userId, { checks, ticket, reason }),
    // A server offers self-enrollment: the user scans their own QR on its page, never the agent.
    'users:lost-phone': async ({ userId, checks, ticket, reason }, s) => lostPhoneView(await reportLostPhone(store, s!, userId, { checks, ticket, reason }, { selfEnrollment: true })),
    'approvals:run': async ({ id }, s) => approvalRunView(await runApproval(store, s!, id, { selfEnrollment: true })),
    'session:change-password': async ({ oldPassword, newPassword }, s) => {
      await changeOwnPassword(store, s!, oldPassword, newPassword);
      return { ok: true as const };
    },
  };
}

/** The signed heads in the file kept outside the database (one JSON line each); a line that is no head is skipped and shows as a missing head. */
function outsideHeads(file: string | null): SignedHead[] {
  if (!file || !existsSync(file)) return [];
  const heads: SignedHead[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      heads.push(JSON.parse(line) as SignedHead);
    } catch {
      // not a head
    }
  }
  return heads;
}

/** The channels a server serves (session:lock signs out). */
export function serverChannelNames(): string[] {
  return [...Object.keys(serverHandlers(null as unknown as ServerStore, null as unknown as ValueSealer)), 'session:lock'];
}

/** Builds the request handler (tests call it through a real HTTPS server). */
export function apiHandler(opts: ApiServerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { store, sealer } = opts;
  const searches = opts.searches ?? new DirectorySearches();
  const jobs = opts.imports ?? new ImportJobs(store);
  const guarded = createGuard(serverHandlers(store, sealer, searches, opts.smtpPasswordSet ?? false, jobs, opts.audit), {
    onRefused: async (channel, code, session) => {
      if (code !== 'FORBIDDEN' || !session) return;
      await recordRefusedCall(store, session, channel).catch(() => {});
    },
    missing: (channel) => failure('NOT_IN_SERVER_MODE', NOT_SERVED[channel] ?? 'This request is not served by a server.'),
  });

  const serviceClients = new ServiceClientSessions(store);
  const validateWindows = new Map<string, { start: number; count: number }>();
  /** True when the client is over its rate (counted per client id, in this instance). */
  function overRate(clientId: string): boolean {
    const now = store.clock.now();
    const w = validateWindows.get(clientId);
    if (!w || now - w.start >= VALIDATE_RATE.windowMs) {
      if (validateWindows.size > 10_000) validateWindows.clear();
      validateWindows.set(clientId, { start: now, count: 1 });
      return false;
    }
    w.count++;
    return w.count > VALIDATE_RATE.max;
  }

  /**
   * The sessions this instance last confirmed, by token hash (the most recent MAX_CONFIRMED). A
   * type-ahead from one of them begins its search beside its session check instead of after it
   * (one round trip to the store fewer per keystroke); the answer goes out only once the check
   * in the store confirms the same session with the same role (DirectorySearches.begin).
   */
  const confirmed = new Map<string, Session>();

  /**
   * Who is calling, from the request's Authorization header: `Bearer TOKEN` is a signed-in
   * operator's session, `Basic base64(CLIENT_ID:SECRET)` an automation client's (rights: its
   * scopes only), no header none (null). Any other header, an ended session or a refused
   * client throws (SESSION_LOCKED, SIGNIN_FAILED, RATE_LIMITED). Every route that acts for a
   * caller takes its session from here. Service clients are not callers of routes: they only
   * verify through /api/v1/validate.
   */
  async function sessionForRequest(req: IncomingMessage): Promise<Session | null> {
    const h = req.headers.authorization;
    if (typeof h !== 'string') return null;
    const basic = /^Basic ([A-Za-z0-9+/=]{1,400})$/.exec(h.trim());
    if (basic) {
      const [clientId = '', secret = ''] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':', 2);
      return automationClientSession(store, clientId, secret);
    }
    const token = bearer(req);
    if (!token) return null;
    const hash = tokenHash(token);
    try {
      const session = await sessionForToken(store, token);
      confirmed.delete(hash);
      if (confirmed.size >= MAX_CONFIRMED) confirmed.delete(confirmed.keys().next().value!);
      confirmed.set(hash, session);
      return session;
    } catch (err) {
      confirmed.delete(hash);
      throw err;
    }
  }

  /** Begins the search of a `users:find` by a session confirmed before; the function returned forgets it if not taken. */
  function searchBeforeCheck(token: string | null, body: unknown): (() => void) | null {
    const session = token ? confirmed.get(tokenHash(token)) : undefined;
    if (!session || typeof body !== 'object' || body === null) return null;
    const { query, limit = DEFAULT_FIND_LIMIT, offset = 0 } = body as { query?: unknown; limit?: unknown; offset?: unknown };
    if (typeof query !== 'string' || typeof limit !== 'number' || typeof offset !== 'number') return null;
    return searches.begin(store, session, query, { limit, offset });
  }

  /** POST /api/v1/validate: a login service verifies a user's code with its client id and secret (HTTP Basic). */
  async function validate(req: IncomingMessage, body: unknown): Promise<Result<unknown>> {
    const basic = /^Basic ([A-Za-z0-9+/=]{1,400})$/.exec((req.headers.authorization ?? '').trim());
    const [clientId = '', secret = ''] = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':', 2) : [];
    const signedIn = await serviceClients.session(clientId, secret);
    const refused = failure('SIGNIN_FAILED', 'Unknown service client or wrong secret (HTTP Basic: CLIENT_ID:SECRET).');
    if (!signedIn) return refused;
    // A client taken from memory is confirmed by the verification's transaction; an answer
    // given without one (a malformed request) confirms it first, so a revoked client is always refused.
    const confirmed = async () => !signedIn.remembered || (await serviceClients.confirm(clientId));
    if (overRate(clientId)) return { ok: false, error: { code: 'RATE_LIMITED', message: 'Too many verifications from this client; slow down.', details: { seconds: Math.ceil(VALIDATE_RATE.windowMs / 1000) } } } as Result<never>;
    const p = BODIES.validate.safeParse(body);
    if (!p.success) return (await confirmed()) ? failure('BAD_REQUEST', 'Send {"user": EMAIL, "code": CODE}.') : refused;
    try {
      const r = await verifyCodeForEmail(store, signedIn.session, p.data.user, p.data.code, signedIn.remembered ? signedIn.stillThere : undefined);
      return { ok: true, value: { result: r.result } };
    } catch (err) {
      const code = toFactorDeskError(err).code;
      if (code === 'SIGNIN_FAILED') return refused;
      // A code or address that cannot be one is simply not accepted (nothing to count).
      if (code === 'BAD_REQUEST') return (await confirmed()) ? { ok: true, value: { result: 'rejected' } } : refused;
      throw err;
    }
  }

  async function answer(req: IncomingMessage, path: string, body: unknown): Promise<Result<unknown>> {
    if (path === '/api/v1/validate') return validate(req, body);
    if (path === '/api/v1/auth/sign-in') {
      const p = BODIES.signIn.safeParse(body);
      if (!p.success) return failure('BAD_REQUEST', 'Send {"name", "password", "otp"}.');
      const r = await serverSignIn(store, sealer, p.data.name, p.data.password, p.data.otp ?? null);
      if (r.kind === 'enroll') return { ok: true, value: { status: 'enroll-second-factor', otpUri: r.otpUri } };
      const s = r.session;
      return { ok: true, value: { status: 'signed-in', token: r.token, expiresAt: r.expiresAt, session: { operatorId: s.operatorId, name: s.name, displayName: s.displayName, role: s.role } } };
    }
    const token = bearerIfAny(req);
    // Signing out writes the session's last window of directory searches first.
    const endSession = async (t: string) => {
      confirmed.delete(tokenHash(t));
      const s = await sessionForToken(store, t).catch(() => null);
      if (s) await searches.flush(store, s, { end: true });
      await serverSignOut(store, t);
    };
    if (path === '/api/v1/auth/sign-out') {
      if (token) await endSession(token);
      return { ok: true, value: { signedOut: true } };
    }
    const channel = path.slice('/api/v1/'.length);
    if (!(CHANNEL_NAMES as readonly string[]).includes(channel)) return failure('NOT_FOUND', 'There is no such request.');
    const early = channel === 'users:find' ? searchBeforeCheck(token, body) : null;
    try {
      const session = await sessionForRequest(req);
      if (channel === 'session:lock') {
        if (token) await endSession(token);
        return { ok: true, value: { locked: true } };
      }
      const result = await guarded(channel, body, session);
      if (result.ok) opts.answered?.(channel);
      return result;
    } finally {
      early?.();
    }
  }

  const enroll = enrollRoutes(store, opts.log);

  /**
   * POST /api/v1/import/JOB_ID: the CSV of a begun import (`users:import-begin`), streamed as it
   * is read (no size limit but the import's own); answered with the report or preview when the
   * job ends. What the import did not read (it stopped or was cancelled) is not waited for.
   */
  function importUpload(req: IncomingMessage, jobId: string, type: string, sendRaw: (status: number, result: unknown, close?: boolean) => void): void {
    const send = (status: number, r: Result<unknown>) => sendRaw(status, r, !req.complete);
    if (type !== 'text/csv' && type !== 'application/octet-stream') return send(415, failure('BAD_REQUEST', 'Send the CSV file as it is (Content-Type: text/csv).'));
    const declared = req.headers['content-length'] === undefined ? null : Number(req.headers['content-length']);
    if (declared !== null && !(declared >= 0 && declared <= MAX_IMPORT_BYTES)) return send(413, failure('BAD_REQUEST', `The file is larger than ${MAX_IMPORT_BYTES / 1024 ** 3} GB: split it.`));
    // A client that sends nothing for a minute has gone: the import stops where the file broke off.
    req.socket.setTimeout(UPLOAD_IDLE_MS, () => req.destroy(Object.assign(new Error('The file stopped arriving.'), { code: 'ETIMEDOUT' })));
    const body = new PassThrough();
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_IMPORT_BYTES) req.destroy(new Error('too large'));
    });
    req.pipe(body);
    // A body cut off before its end (the client went away, or sent more than it may) is an error
    // to the import, never an end: a half-sent last line must not be imported as a whole one.
    req.once('close', () => {
      if (!req.complete) body.destroy(new FactorDeskError('IO_ERROR', 'The file stopped arriving before its end (the connection broke off).'));
    });
    req.once('error', () => {});
    (async () => {
      const session = (await sessionForRequest(req)) ?? fail('SESSION_LOCKED', 'Sign in first.');
      requireRole(session, 'users:import');
      // Each batch is written only while the session holds: signed out or disabled mid-file, the import stops.
      return jobs.upload(session, jobId, body, declared, async () => (await sessionForRequest(req)) ?? fail('SESSION_LOCKED', 'The session or client that began this import has ended.'));
    })().then(
      (value) => send(200, { ok: true, value }),
      (err: unknown) => {
        const e = toFactorDeskError(err);
        if (e.code === 'INTERNAL') opts.log?.(`import upload failed: ${e.message}`);
        send(STATUS[e.code] ?? 422, { ok: false, error: { code: e.code, message: e.message, ...(publicDetails(e.code, e.details) ? { details: publicDetails(e.code, e.details) } : {}) } as ApiError });
      },
    );
  }

  return (req, res) => {
    const send = (status: number, result: Result<unknown>, close = false) => sendRaw(status, result, close);
    const sendRaw = (status: number, result: unknown, close = false) => {
      if (res.headersSent) return;
      const text = JSON.stringify(result);
      if (close) {
        // The rest of the body is not read: the connection ends after this answer.
        res.setHeader('connection', 'close');
        res.once('finish', () => req.socket.destroySoon());
      }
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      res.end(text);
    };
    const url = new URL(req.url ?? '/', 'https://server');
    const path = url.pathname;
    if (enroll(req, res, path, url.searchParams)) return;
    if (req.method === 'GET' && path === '/api/v1/health') return send(200, { ok: true, value: { status: 'ok' } });
    if (!path.startsWith('/api/v1/')) return send(404, failure('NOT_FOUND', 'There is no such request.'));
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(405, failure('BAD_REQUEST', 'Use POST.'));
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const upload = /^\/api\/v1\/import\/([0-9a-f]{32})$/.exec(path);
    if (upload) return importUpload(req, upload[1]!, type, sendRaw);
    if (path.startsWith('/api/v1/import/')) return send(404, failure('NOT_FOUND', 'There is no such import on this server.'), true);
    // A body must arrive in full within this time (an import's upload has its own idle limit).
    const slow = setTimeout(() => req.socket.destroy(), BODY_DEADLINE_MS);
    slow.unref();
    req.once('end', () => clearTimeout(slow));
    req.once('close', () => clearTimeout(slow));
    if (type !== 'application/json') return send(415, failure('BAD_REQUEST', 'Send JSON (Content-Type: application/json).'));
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > MAX_BODY_BYTES) return send(413, failure('BAD_REQUEST', `The request is larger than ${MAX_BODY_BYTES} bytes.`), true);
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (c: Buffer) => {
      if (refused) return;
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        refused = true;
        send(413, failure('BAD_REQUEST', `The request is larger than ${MAX_BODY_BYTES} bytes.`), true);
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => {});
    req.on('end', () => {
      if (refused) return;
      let body: unknown;
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        body = text.trim() === '' ? {} : JSON.parse(text);
      } catch {
        return send(400, failure('BAD_REQUEST', 'The request body is not valid JSON.'));
      }
      answer(req, path, body).then(
        (r) => {
          // A login service reads one word: {"ok": true, "result": "accepted" | "rejected" | "locked"}.
          if (r.ok && path === '/api/v1/validate') return sendRaw(200, { ok: true, result: (r.value as { result: string }).result });
          send(r.ok ? 200 : (STATUS[r.error.code] ?? 422), r);
        },
        (err: unknown) => {
          const e = toFactorDeskError(err);
          if (e.code === 'INTERNAL') opts.log?.(`request ${path} failed: ${e.message}`);
          const r: Result<never> = { ok: false, error: { code: e.code, message: e.message, ...(publicDetails(e.code, e.details) ? { details: publicDetails(e.code, e.details) } : {}) } as ApiError };
          send(STATUS[e.code] ?? 422, r);
        },
      );
    });
  };
}

/** The bearer token of a request, or null (no header, or another scheme: sign-out has nothing to end then). */
function bearerIfAny(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  return typeof h === 'string' && /^Bearer /.test(h.trim()) ? bearer(req) : null;
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(h.trim());
  if (!m) fail('SESSION_LOCKED', 'Sign in first.');
  return m[1]!;
}

export interface RunningServer {
  address: AddressInfo;
  /** Stops taking requests, lets running ones finish, then resolves. */
  close(): Promise<void>;
}

/** Starts the HTTPS server on host:port. */
export async function startApiServer(opts: ApiServerOptions, listen: { host: string; port: number }): Promise<RunningServer> {
  const searches = opts.searches ?? new DirectorySearches();
  const imports = opts.imports ?? new ImportJobs(opts.store);
  const server = https.createServer({ cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' }, apiHandler({ ...opts, searches, imports }));
  // Not Node's own whole-request limit: an import streams its file for as long as it takes. A
  // request's body has its own deadline (BODY_DEADLINE_MS), an upload a limit on silence.
  server.requestTimeout = 0;
  // Longer than a client keeps an idle connection (main/server/client.ts IDLE_SOCKET_MS), so the client drops it first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // An upload in flight may never end (a stalled client): its import stops at its last whole line and answers.
        imports.stopAll();
      }).then(() => searches.flushAll(opts.store)),
  };
}
