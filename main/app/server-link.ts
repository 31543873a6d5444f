/**
 * The desktop app as a client of a FactorDesk server. The main process keeps only the server's
 * address and its pinned key at rest (a ConnectionStore) and, while an operator is signed in,
 * the session token in memory: no vault key, no secret. Sign-in takes the password and a
 * second-factor code; an operator without a second factor gets theirs once to scan first.
 * Every channel is forwarded to the server with the token; the server's guard decides.
 */
import { ERROR_CODES, type Channel, type ErrorCode, type PublicSession, type Res, type Result, type SecondFactorSetup } from '../../contract/index.ts';
import { FactorDeskError, fail } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import type { Session } from '../core/session.ts';
import { ServerClient } from '../server/client.ts';

/** The server this app is a client of: its origin and the base64 SHA-256 of its public key. */
export interface ServerConnection {
  url: string;
  pin: string;
}

/** Where the connection is kept (a small JSON file in the app's profile; memory in tests). */
export interface ConnectionStore {
  get(): ServerConnection | null;
  set(c: ServerConnection | null): void;
}

/** An in-memory connection store, for tests and the command line. */
export function memoryConnection(initial: ServerConnection | null = null): ConnectionStore {
  let c = initial;
  return {
    get: () => (c ? { ...c } : null),
    set: (v) => {
      c = v ? { ...v } : null;
    },
  };
}

interface SignedIn {
  status: 'signed-in';
  token: string;
  expiresAt: number;
  session: { operatorId: string; name: string; displayName: string; role: 'agent' | 'admin' };
}
type SignInAnswer = SignedIn | { status: 'enroll-second-factor'; otpUri: string };

/** The key of an otpauth:// URI in groups of four, as the app shows keys to type. */
function keyOf(uri: string): string {
  const secret = new URL(uri).searchParams.get('secret') ?? '';
  return (secret.match(/.{1,4}/g) ?? []).join(' ');
}

function raise(r: Result<unknown> & { ok: false }): never {
  const e = r.error as { code?: unknown; message?: unknown; details?: unknown };
  // A code this app does not know (a newer server) is an internal error here, with no details.
  if (typeof e.code !== 'string' || !(ERROR_CODES as readonly string[]).includes(e.code)) throw new FactorDeskError('INTERNAL', 'The server answered with an error this app does not know: update the app.');
  const details = typeof e.details === 'object' && e.details !== null && !Array.isArray(e.details) ? (e.details as Record<string, unknown>) : undefined;
  throw new FactorDeskError(e.code as ErrorCode, typeof e.message === 'string' ? e.message.slice(0, 2000) : '', details);
}

/** How long an operator's new second factor waits in main for the screen that shows it. */
const SECOND_FACTOR_KEPT_MS = 5 * 60_000;

export class ServerLink {
  readonly connection: ServerConnection;
  private readonly client: ServerClient;
  private readonly clock: Clock;
  private token: string | null = null;
  private _session: Session | null = null;
  /** An operator's new second factor between the sign-in that made it and the screen that shows it. */
  private pendingFactor: { uri: string; until: number } | null = null;
  /** Told when the server ended the session (idle or absolute expiry, revoked). */
  onEnded: () => void = () => {};

  constructor(connection: ServerConnection, clock: Clock) {
    this.connection = { ...connection };
    this.clock = clock;
    this.client = new ServerClient(connection.url, { pin: connection.pin });
  }

  get session(): Session | null {
    return this._session;
  }

  publicSession(): PublicSession | null {
    const s = this._session;
    if (!s || s.role === 'service' || s.role === 'automation') return null;
    return { operatorId: s.operatorId, name: s.name, displayName: s.displayName, role: s.role };
  }

  /** Signs in with password and code; SECOND_FACTOR_ENROLL when the operator must set theirs up first. */
  async signIn(name: string, password: string, otp: string | undefined): Promise<PublicSession> {
    this.pendingFactor = null;
    const r = await this.client.call<SignInAnswer>('auth/sign-in', { name, password, ...(otp ? { otp } : {}) });
    if (!r.ok) raise(r);
    if (r.value.status === 'enroll-second-factor') {
      this.pendingFactor = { uri: r.value.otpUri, until: this.clock.now() + SECOND_FACTOR_KEPT_MS };
      fail('SECOND_FACTOR_ENROLL', 'Set up your second factor: scan the QR code with your authenticator app, then sign in with a code from it.');
    }
    const v = r.value;
    this.token = v.token;
    this.client.token = v.token;
    this._session = { operatorId: v.session.operatorId, name: v.session.name, displayName: v.session.displayName, role: v.session.role, emailKey: null, signedInAt: this.clock.now(), via: 'https' };
    return this.publicSession()!;
  }

  /** The new second factor of the last sign-in, once (its URI, key and QR); NOT_FOUND after. */
  async takeSecondFactor(): Promise<SecondFactorSetup> {
    const pending = this.pendingFactor;
    this.pendingFactor = null;
    if (!pending || this.clock.now() > pending.until) fail('NOT_FOUND', 'Your second factor is no longer shown here: ask an admin to reset it, then sign in again.');
    const uri = pending.uri;
    const qrSvg = await (await import('qrcode')).default.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
    return { uri, key: keyOf(uri), qrSvg };
  }

  /** Calls a channel on the server; its error is thrown as a coded error. A session the server ended is dropped here too. */
  async call<C extends Channel>(channel: C, req: unknown): Promise<Res<C>> {
    const token = this.token;
    if (!token) fail('SESSION_LOCKED', 'Sign in first.');
    const r = await this.client.call<Res<C>>(channel, req);
    if (r.ok) return r.value;
    // Only when the session that made this call is still the current one (a late answer to an
    // older session must not end a newer one).
    if (r.error.code === 'SESSION_LOCKED' && this.token === token) {
      this.forget();
      this.onEnded();
    }
    raise(r);
  }

  /**
   * Streams a file to a begun import's upload route (`import/JOB_ID`) with this session; its
   * answer (the report or preview) or error as a value or a coded error.
   */
  upload<T>(path: string, body: NodeJS.ReadableStream, size: number | null): { result: Promise<T>; abort(): void } {
    if (!this.token) fail('SESSION_LOCKED', 'Sign in first.');
    const up = this.client.upload<T>(path, body, size);
    return {
      result: up.result.then((r) => {
        if (!r.ok) raise(r);
        return r.value;
      }),
      abort: up.abort,
    };
  }

  /** Ends the session on the server (best effort) and forgets it here at once. */
  async signOut(): Promise<void> {
    const had = this.token;
    this.forget();
    this.pendingFactor = null;
    if (had) {
      const c = new ServerClient(this.connection.url, { pin: this.connection.pin }, had);
      await c.call('auth/sign-out', {}).catch(() => undefined);
      c.close();
    }
  }

  private forget(): void {
    this.token = null;
    this.client.token = null;
    this._session = null;
  }

  close(): void {
    this.client.close();
  }
}
