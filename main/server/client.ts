/**
 * A client of a FactorDesk server (the CLI over `--server`, tests): JSON over HTTPS, trusting
 * the server through a CA certificate (`--ca-cert`) or a pinned public key (the SHA-256 of the
 * certificate's SubjectPublicKeyInfo, base64; a renewed certificate with the same key keeps
 * working). Answers are the server's `Result`s; a transport failure is a `Result` too.
 */
import https from 'node:https';
import { createHash, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Result } from '../../contract/index.ts';

export interface ServerTrust {
  /** PEM of the CA (or self-signed certificate) to trust. */
  ca?: string | Buffer;
  /** base64 SHA-256 of the server certificate's SPKI (`sha256/…` accepted). */
  pin?: string;
}

const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** The pin of a PEM certificate: base64 SHA-256 over its DER SubjectPublicKeyInfo. */
export function spkiPin(certPem: string | Buffer): string {
  const cert = new X509Certificate(certPem);
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' }) as Buffer;
  return createHash('sha256').update(spki).digest('base64');
}

function failure(code: 'IO_ERROR' | 'FORBIDDEN' | 'INTERNAL', message: string): Result<never> {
  return { ok: false, error: { code, message } } as Result<never>;
}

export class ServerClient {
  readonly base: URL;
  private readonly trust: ServerTrust;
  private readonly agent: https.Agent;
  private readonly pin: string | null;
  token: string | null;

  constructor(url: string, trust: ServerTrust, token: string | null = null) {
    this.base = new URL(url);
    if (this.base.protocol !== 'https:') throw new Error('A FactorDesk server is reached over https:// only.');
    this.trust = trust;
    this.token = token;
    const pin = trust.pin?.replace(/^sha256\//, '');
    this.agent = new https.Agent({
      keepAlive: true,
      ...(trust.ca !== undefined ? { ca: trust.ca } : {}),
      // With a pin, the chain need not lead to a known CA: the key itself is what is trusted.
      ...(pin !== undefined ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {}),
    });
    this.pin = pin ?? null;
  }

  /** Calls `POST /api/v1/<path>` with `body`; never throws. */
  call<T>(path: string, body: unknown): Promise<Result<T>> {
    const data = Buffer.from(JSON.stringify(body ?? {}), 'utf8');
    return new Promise((resolve) => {
      const req = https.request(
        new URL(`/api/v1/${path}`, this.base),
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': data.length, ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
          timeout: 60_000,
        },
        (res) => {
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
          res.on('error', () => resolve(failure('IO_ERROR', 'The connection to the server broke off.')));
        },
      );
      req.on('socket', (socket) => {
        if (!this.pin) return;
        socket.once('secureConnect', () => {
          const cert = (socket as TLSSocket).getPeerX509Certificate();
          const got = cert ? createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' }) as Buffer).digest('base64') : '';
          if (got !== this.pin) req.destroy(Object.assign(new Error('pin mismatch'), { code: 'PIN_MISMATCH' }));
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'PIN_MISMATCH') resolve(failure('FORBIDDEN', `The server's key does not match the pinned key: this may not be your server.`));
        else if (err.code === 'ECONNREFUSED') resolve(failure('IO_ERROR', `Nothing answers at ${this.base.origin}: is the server running?`));
        else if (err.code === 'ENOTFOUND') resolve(failure('IO_ERROR', `The server name ${this.base.hostname} is not known.`));
        else if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(err.code ?? '')) resolve(failure('FORBIDDEN', `The server's certificate is not trusted (${err.code}): give --ca-cert FILE or --pin.`));
        else resolve(failure('IO_ERROR', `The server cannot be reached (${err.code ?? 'error'}).`));
      });
      req.end(data);
    });
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}
