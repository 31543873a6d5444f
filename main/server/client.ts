/**
 * A client of a FactorDesk server (the CLI over `--server`, tests): JSON over HTTPS, trusting
 * the server through a CA certificate (`--ca-cert`) or a pinned public key (the SHA-256 of the
 * certificate's SubjectPublicKeyInfo, base64; a renewed certificate with the same key keeps
 * working). Answers are the server's `Result`s; a transport failure is a `Result` too.
 */
import https from 'node:https';
import tls, { type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { createHash, X509Certificate } from 'node:crypto';
import type { Result, ServerProbe } from '../../contract/index.ts';

/** What an unattended script authenticates with: an automation client's id and secret ("automation-client create"). */
export interface AutomationCredential {
  clientId: string;
  secret: string;
}

export interface ServerTrust {
  /** PEM of the CA (or self-signed certificate) to trust. */
  ca?: string | Buffer;
  /** base64 SHA-256 of the server certificate's SPKI (`sha256/…` accepted). */
  pin?: string;
}

const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
/** The longest a call may take in all (connect, send, answer). */
const CALL_DEADLINE_MS = 120_000;
/** How long an idle kept-alive connection is kept by the client. */
export const IDLE_SOCKET_MS = 4_000;

/** The pin of a PEM certificate: base64 SHA-256 over its DER SubjectPublicKeyInfo. */
export function spkiPin(certPem: string | Buffer): string {
  const cert = new X509Certificate(certPem);
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' }) as Buffer;
  return createHash('sha256').update(spki).digest('base64');
}

const RETRY = Symbol('retry');

/** SERVER_UNREACHABLE in words for the network error `code` met at `base`. */
function unreachable(base: URL, code: string | undefined): Result<never> {
  if (code === 'ECONNREFUSED') return failure('SERVER_UNREACHABLE', `Nothing answers at ${base.origin}: is the server running?`);
  if (code === 'ENOTFOUND') return failure('SERVER_UNREACHABLE', `The server name ${base.hostname} is not known.`);
  return failure('SERVER_UNREACHABLE', `The server cannot be reached (${code ?? 'error'}).`);
}

function failure(code: 'SERVER_UNREACHABLE' | 'SERVER_KEY_CHANGED' | 'FORBIDDEN' | 'INTERNAL', message: string): Result<never> {
  return { ok: false, error: { code, message } } as Result<never>;
}

export class ServerClient {
  readonly base: URL;
  private readonly trust: ServerTrust;
  private readonly agent: https.Agent;
  private readonly agentOptions: https.AgentOptions;
  private readonly pin: string | null;
  /** Connections whose key check is in place (a kept-alive connection is checked when it is made). */
  private readonly pinChecked = new WeakSet<object>();
  token: string | null;
  /** An automation client's id and secret (HTTP Basic), used when there is no token: an unattended script's calls. */
  automation: AutomationCredential | null = null;

  constructor(url: string, trust: ServerTrust, token: string | null = null) {
    this.base = new URL(url);
    if (this.base.protocol !== 'https:') throw new Error('A FactorDesk server is reached over https:// only.');
    this.trust = trust;
    this.token = token;
    const pin = trust.pin?.replace(/^sha256\//, '');
    this.agentOptions = {
      // An idle kept-alive connection is dropped before the server drops it (its keep-alive is
      // 65 s; a proxy in between may keep less), so a call after a pause does not meet a closed socket.
      timeout: IDLE_SOCKET_MS,
      // No TLS session resumption: a resumed session shows no certificate, and the pin is checked on every new connection.
      maxCachedSessions: 0,
      ...(trust.ca !== undefined ? { ca: trust.ca } : {}),
      // With a pin, the chain need not lead to a known CA: the key itself is what is trusted.
      ...(pin !== undefined ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {}),
    };
    this.agent = new https.Agent({ keepAlive: true, ...this.agentOptions });
    this.pin = pin ?? null;
  }

  /**
   * Calls `POST /api/v1/<path>` with `body`; never throws. A kept-alive connection the server
   * closed just as the request went out (ECONNRESET on a reused socket, before any answer: the
   * server read nothing) is tried once more on a new connection, as Node's documentation advises.
   */
  async call<T>(path: string, body: unknown): Promise<Result<T>> {
    const first = await this.once<T>(path, body);
    if (first !== RETRY) return first;
    const second = await this.once<T>(path, body);
    return second === RETRY ? failure('SERVER_UNREACHABLE', 'The connection to the server broke off.') : second;
  }

  /** The Authorization header of this client's calls: the operator's session token, else the automation client's id and secret, else none. */
  authorization(): { authorization?: string } {
    if (this.token) return { authorization: `Bearer ${this.token}` };
    if (this.automation) return { authorization: `Basic ${Buffer.from(`${this.automation.clientId}:${this.automation.secret}`, 'utf8').toString('base64')}` };
    return {};
  }

  private once<T>(path: string, body: unknown): Promise<Result<T> | typeof RETRY> {
    const data = Buffer.from(JSON.stringify(body ?? {}), 'utf8');
    let answered = false;
    return new Promise((resolve) => {
      // An overall deadline: `timeout` below only notices silence, not an answer trickled out.
      const deadline = setTimeout(() => req.destroy(Object.assign(new Error('deadline'), { code: 'ETIMEDOUT' })), CALL_DEADLINE_MS);
      deadline.unref();
      const done = resolve;
      resolve = (v) => {
        clearTimeout(deadline);
        done(v);
      };
      const req = https.request(
        new URL(`/api/v1/${path}`, this.base),
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': data.length, ...this.authorization() },
          timeout: 60_000,
        },
        (res) => {
          answered = true;
          this.readAnswer(res, req, resolve);
        },
      );
      req.on('socket', (socket) => this.checkPin(req, socket as TLSSocket));
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNRESET' && req.reusedSocket && !answered) resolve(RETRY);
        else resolve(this.transportFailure(err));
      });
      req.end(data);
    });
  }

  /**
   * Streams `body` to `POST /api/v1/<path>` (an import's CSV: `size` bytes when known, else
   * chunked) on a connection of its own, and reads the JSON answer; never throws. No deadline
   * but a minute of silence: an upload takes as long as its file.
   */
  upload<T>(path: string, body: NodeJS.ReadableStream, size: number | null, contentType = 'text/csv'): { result: Promise<Result<T>>; abort(): void } {
    const agent = new https.Agent({ keepAlive: false, ...this.agentOptions });
    let req: ReturnType<typeof https.request> | null = null;
    const result = new Promise<Result<T>>((resolve) => {
      const r = https.request(
        new URL(`/api/v1/${path}`, this.base),
        {
          method: 'POST',
          agent,
          headers: { 'content-type': contentType, ...(size !== null ? { 'content-length': size } : {}), ...this.authorization() },
          timeout: 60_000,
        },
        (res) => this.readAnswer(res, r, resolve),
      );
      req = r;
      r.on('socket', (socket) => this.checkPin(r, socket as TLSSocket));
      r.on('timeout', () => r.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      r.on('error', (err: NodeJS.ErrnoException) => resolve(this.transportFailure(err)));
      r.on('close', () => agent.destroy());
      // The server may answer before it has read everything (it refused the file, or the import
      // stopped): the rest is not sent.
      r.on('response', () => (body as NodeJS.ReadableStream & { unpipe?(d?: unknown): void }).unpipe?.(r));
      body.on('error', (err: NodeJS.ErrnoException) => {
        r.destroy();
        resolve(failure('INTERNAL', `The file could not be read (${err.code ?? err.message}).`));
      });
      body.pipe(r);
    });
    return { result, abort: () => req?.destroy(Object.assign(new Error('aborted'), { code: 'ECONNABORTED' })) };
  }

  /** A server's JSON answer from `res` (at most MAX_ANSWER_BYTES), as a Result. */
  private readAnswer<T>(res: import('node:http').IncomingMessage, req: { destroy(err?: Error): void }, resolve: (v: Result<T>) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_ANSWER_BYTES) req.destroy(new Error('answer too large'));
      else chunks.push(c);
    });
    res.on('end', () => {
      try {
        const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Result<T>;
        if (typeof v !== 'object' || v === null || typeof (v as { ok?: unknown }).ok !== 'boolean') throw new Error('not a Result');
        resolve(v);
      } catch {
        resolve(failure('INTERNAL', `The server answered something that is not a FactorDesk answer (HTTP ${res.statusCode}).`));
      }
    });
    res.on('error', () => resolve(failure('SERVER_UNREACHABLE', 'The connection to the server broke off.')));
  }

  /** A request's transport error in words. */
  private transportFailure(err: NodeJS.ErrnoException): Result<never> {
    if (err.code === 'PIN_MISMATCH') return failure('SERVER_KEY_CHANGED', `The server's key does not match the pinned key: this may not be your server.`);
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(err.code ?? '')) return failure('FORBIDDEN', `The server's certificate is not trusted (${err.code}): give --ca-cert FILE or --pin.`);
    return unreachable(this.base, err.code);
  }

  /** True when `GET /api/v1/health` answers as a FactorDesk server does (through the same trust). */
  health(timeoutMs = 10_000): Promise<boolean> {
    return new Promise((resolve) => {
      const req = https.request(new URL('/api/v1/health', this.base), { method: 'GET', agent: this.agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (chunks.length < 16) chunks.push(c);
        });
        res.on('end', () => {
          try {
            const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ok?: boolean; value?: { status?: string } };
            resolve(v.ok === true && v.value?.status === 'ok');
          } catch {
            resolve(false);
          }
        });
        res.on('error', () => resolve(false));
      });
      req.on('socket', (socket) => this.checkPin(req, socket as TLSSocket));
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
      req.end();
    });
  }

  /** Ends the request before anything is sent when the server's key is not the pinned one (once per connection). */
  private checkPin(req: { destroy(err: Error): void }, socket: TLSSocket): void {
    if (!this.pin || this.pinChecked.has(socket)) return;
    this.pinChecked.add(socket);
    socket.once('secureConnect', () => {
      const cert = socket.getPeerX509Certificate();
      const got = cert ? createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' }) as Buffer).digest('base64') : '';
      if (got !== this.pin) req.destroy(Object.assign(new Error('pin mismatch'), { code: 'PIN_MISMATCH' }));
    });
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}

/** What a server shows before anything of it is trusted (see `probeServer`). */
export type ServerProbeResult = ServerProbe;

/** The origin of an https:// address typed by a person; null when it is not one. */
export function serverOrigin(text: string): string | null {
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim()) ? text.trim() : `https://${text.trim()}`);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' || u.username || u.password || !u.hostname) return null;
  return u.origin;
}

/**
 * Connects to `url` without trusting it, reads the certificate's key (the pin a person compares
 * with the one their administrator gave them) and asks /api/v1/health with that pin, so the
 * answer says whether a FactorDesk server answered with that key. Never throws.
 */
export async function probeServer(url: string, timeoutMs = 10_000): Promise<Result<ServerProbeResult>> {
  const origin = serverOrigin(url);
  if (!origin) return { ok: false, error: { code: 'BAD_REQUEST', message: 'Give the server as https://NAME[:PORT].', details: { field: 'url' } } } as Result<never>;
  const u = new URL(origin);
  const port = Number(u.port || 443);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const seen = await new Promise<{ cert: X509Certificate } | { error: string }>((resolve) => {
    const socket = tls.connect({ host, port, servername: isIP(host) ? undefined : host, rejectUnauthorized: false, timeout: timeoutMs, ALPNProtocols: ['http/1.1'] });
    const done = (v: { cert: X509Certificate } | { error: string }) => {
      socket.destroy();
      resolve(v);
    };
    socket.once('secureConnect', () => {
      const cert = socket.getPeerX509Certificate();
      done(cert ? { cert } : { error: 'no certificate' });
    });
    socket.once('timeout', () => done({ error: 'ETIMEDOUT' }));
    socket.once('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? 'error' }));
  });
  if ('error' in seen) return unreachable(u, seen.error);
  const pin = createHash('sha256').update(seen.cert.publicKey.export({ type: 'spki', format: 'der' }) as Buffer).digest('base64');
  const client = new ServerClient(origin, { pin });
  const health = await client.health(timeoutMs);
  client.close();
  const validTo = Date.parse(seen.cert.validTo);
  return { ok: true, value: { url: origin, pin, subject: seen.cert.subject.replace(/\n/g, ', '), issuer: seen.cert.issuer.replace(/\n/g, ', '), validTo: Number.isFinite(validTo) ? validTo : 0, factorDesk: health } };
}
