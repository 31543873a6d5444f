/**
 * The RADIUS door of `factordesk serve --radius`: Access-Requests with a PAP password (the user's
 * email as User-Name, a code as the password) from known clients, answered Access-Accept or
 * Access-Reject after verifyCodeForEmail. What is dropped unanswered, and counted: datagrams
 * that are no RADIUS packet, other codes than Access-Request, unknown source addresses, and a
 * missing or wrong Message-Authenticator (which is how a wrong shared secret shows). A
 * retransmission (same source, identifier and authenticator, RFC 5080 §2.2.2) gets the first
 * answer again from a short cache, so a retried one-time code is not verified twice (it would be
 * a replay the second time, and rejected).
 */
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { TextDecoder } from 'node:util';
import type { ServerStore } from '../../store/port.ts';
import type { Clock } from '../../core/clock.ts';
import type { ValueSealer } from '../../core/server-auth.ts';
import { FactorDeskError } from '../../core/errors.ts';
import { verifyCodeForEmail } from '../../core/verify.ts';
import { canonicalAddress, radiusClientAt, radiusSession, type RadiusClient } from '../../core/radius-clients.ts';
import { ATTR, CODE, attribute, checkMessageAuthenticator, count, decodePacket, encodeResponse, unhidePassword, type RadiusAttribute, type RadiusPacket } from './packet.ts';

/** Why a datagram was dropped without an answer. */
export type DropReason = 'malformed' | 'unsupported-code' | 'unknown-client' | 'no-message-authenticator' | 'bad-message-authenticator' | 'busy' | 'internal';

export interface RadiusCounters {
  received: number;
  /** Answers sent (retransmissions answered from the cache included). */
  answered: number;
  accepted: number;
  rejected: number;
  /** Requests answered from the cache without verifying again. */
  retransmissions: number;
  dropped: Record<DropReason, number>;
}

export interface RadiusServerOptions {
  store: ServerStore;
  sealer: ValueSealer;
  /** The clock of the retransmission cache and the log's rate limit (the store's by default). */
  clock?: Clock;
  /** Told of drops and failures: addresses and reasons, never a secret, user name or password. */
  log?: (line: string) => void;
  /** How long an answer is kept for retransmissions (RFC 5080 suggests a few seconds to tens). */
  cacheMs?: number;
  /** Requests verified at once; more are dropped (the client retries). */
  maxInFlight?: number;
}

const CACHE_MS = 30_000;
const MAX_CACHED = 10_000;
const MAX_IN_FLIGHT = 64;
/** Drop lines written per minute at most: a flood of junk must not flood the log. */
const LOG_LINES_PER_MINUTE = 30;

const LOCKED_MESSAGE = 'Too many wrong codes: try again later or call the helpdesk.';
const PAP_ONLY_MESSAGE = 'Only PAP is accepted here.';

const utf8 = new TextDecoder('utf-8', { fatal: true });
function text(b: Buffer | undefined): string | null {
  if (!b) return null;
  try {
    return utf8.decode(b);
  } catch {
    return null;
  }
}

interface Source {
  address: string;
  port: number;
}

/** The request handler without a socket: a datagram in, the answer's bytes (or null: drop) out. Tests call it directly. */
export function createRadiusHandler(opts: RadiusServerOptions) {
  const { store, sealer } = opts;
  const clock = opts.clock ?? store.clock;
  const cacheMs = opts.cacheMs ?? CACHE_MS;
  const maxInFlight = opts.maxInFlight ?? MAX_IN_FLIGHT;
  const counters: RadiusCounters = {
    received: 0,
    answered: 0,
    accepted: 0,
    rejected: 0,
    retransmissions: 0,
    dropped: { malformed: 0, 'unsupported-code': 0, 'unknown-client': 0, 'no-message-authenticator': 0, 'bad-message-authenticator': 0, busy: 0, internal: 0 },
  };
  const cache = new Map<string, { expiresAt: number; answer: Promise<Buffer | null> }>();
  let inFlight = 0;
  let logWindow = { start: -Infinity, lines: 0, suppressed: 0 };

  function log(line: string): void {
    if (!opts.log) return;
    const now = clock.now();
    if (now - logWindow.start >= 60_000) {
      if (logWindow.suppressed > 0) opts.log(`radius: ${logWindow.suppressed} more drops were not logged`);
      logWindow = { start: now, lines: 0, suppressed: 0 };
    }
    if (logWindow.lines >= LOG_LINES_PER_MINUTE) {
      logWindow.suppressed++;
      return;
    }
    logWindow.lines++;
    opts.log(line);
  }

  const describe: Record<DropReason, string> = {
    malformed: 'not a RADIUS packet',
    'unsupported-code': 'not an Access-Request',
    'unknown-client': 'unknown client address',
    'no-message-authenticator': 'no Message-Authenticator',
    'bad-message-authenticator': 'wrong Message-Authenticator (wrong shared secret?)',
    busy: 'too many requests at once',
    internal: 'failed inside',
  };

  function drop(reason: DropReason, from: Source, detail?: string): null {
    counters.dropped[reason]++;
    const total = Object.values(counters.dropped).reduce((a, b) => a + b, 0);
    log(`radius: dropped a request from ${from.address}:${from.port}: ${describe[reason]}${detail ? ` (${detail})` : ''}; ${total} dropped in all`);
    return null;
  }

  function purge(now: number): void {
    // Map order is insertion order and every entry lives equally long: expired ones are first.
    for (const [k, v] of cache) {
      if (v.expiresAt > now && cache.size <= MAX_CACHED) break;
      cache.delete(k);
    }
  }

  function reply(p: RadiusPacket, client: RadiusClient, code: number, attrs: RadiusAttribute[]): Buffer {
    const bytes = encodeResponse(p, code, attrs, client.secret);
    if (code === CODE.ACCESS_ACCEPT) counters.accepted++;
    else counters.rejected++;
    return bytes;
  }

  /** Verifies one authenticated request; null when it could not be answered (a store failure: the client retries). */
  async function answer(p: RadiusPacket, client: RadiusClient, from: Source): Promise<Buffer | null> {
    const reject = (message?: string) => reply(p, client, CODE.ACCESS_REJECT, message ? [{ type: ATTR.REPLY_MESSAGE, value: Buffer.from(message) }] : []);
    if (count(p, ATTR.CHAP_PASSWORD) > 0 || count(p, ATTR.EAP_MESSAGE) > 0) return reject(PAP_ONLY_MESSAGE);
    if (count(p, ATTR.USER_NAME) !== 1 || count(p, ATTR.USER_PASSWORD) !== 1) return reject();
    const clear = unhidePassword(attribute(p, ATTR.USER_PASSWORD)!, client.secret, p.authenticator);
    const email = text(attribute(p, ATTR.USER_NAME));
    const code = text(clear ?? undefined);
    clear?.fill(0);
    if (email === null || code === null) return reject();
    try {
      const r = await verifyCodeForEmail(store, radiusSession(client, clock.now()), email, code);
      if (r.result === 'accepted') return reply(p, client, CODE.ACCESS_ACCEPT, []);
      return r.result === 'locked' ? reject(LOCKED_MESSAGE) : reject();
    } catch (err) {
      // A malformed address or code counts nothing and is refused like a wrong one.
      if (err instanceof FactorDeskError && err.code === 'BAD_REQUEST') return reject();
      drop('internal', from, err instanceof FactorDeskError ? err.code : 'error');
      return null;
    }
  }

  async function handle(datagram: Buffer, from: Source): Promise<Buffer | null> {
    counters.received++;
    const d = decodePacket(datagram);
    if (!d.ok) return drop('malformed', from, d.error.problem);
    if (d.packet.code !== CODE.ACCESS_REQUEST) return drop('unsupported-code', from, `code ${d.packet.code}`);
    let client: RadiusClient | null;
    try {
      client = await radiusClientAt(store, sealer, canonicalAddress(from.address) ?? from.address);
    } catch (err) {
      return drop('internal', from, err instanceof FactorDeskError ? err.code : 'store');
    }
    if (!client) return drop('unknown-client', from);
    const ma = checkMessageAuthenticator(d, client.secret);
    if (ma === 'missing') return drop('no-message-authenticator', from, client.label);
    if (ma === 'invalid') return drop('bad-message-authenticator', from, client.label);

    const now = clock.now();
    purge(now);
    const key = `${from.address}|${from.port}|${d.packet.identifier}|${d.packet.authenticator.toString('hex')}`;
    const cached = cache.get(key);
    if (cached && cached.expiresAt > now) {
      counters.retransmissions++;
      const again = await cached.answer;
      if (again) counters.answered++;
      return again;
    }
    if (inFlight >= maxInFlight) return drop('busy', from);
    inFlight++;
    const pending = answer(d.packet, client, from).catch((err: unknown) => {
      // encodeResponse refuses an answer over 4096 octets (a request stuffed with Proxy-State).
      drop('internal', from, err instanceof Error ? err.name : 'error');
      return null;
    });
    cache.set(key, { expiresAt: now + cacheMs, answer: pending });
    try {
      const res = await pending;
      // Nothing to repeat after a failure inside: the retry is verified afresh.
      if (res === null) cache.delete(key);
      else counters.answered++;
      return res;
    } finally {
      inFlight--;
    }
  }

  return { handle, counters, cachedAnswers: () => cache.size };
}

export interface RunningRadius {
  address: AddressInfo;
  counters: RadiusCounters;
  /** Stops taking datagrams, lets the requests in flight be answered, then closes the socket. */
  close(): Promise<void>;
}

/** Starts the RADIUS server on UDP host:port (port 0 picks a free one). */
export async function startRadiusServer(opts: RadiusServerOptions, listen: { host: string; port: number }): Promise<RunningRadius> {
  const h = createRadiusHandler(opts);
  const socket = dgram.createSocket({ type: listen.host.includes(':') ? 'udp6' : 'udp4' });
  const pending = new Set<Promise<void>>();
  let closing = false;
  socket.on('message', (msg, rinfo) => {
    if (closing) return;
    const p: Promise<void> = h
      .handle(msg, { address: rinfo.address, port: rinfo.port })
      .then((res) => {
        if (res) socket.send(res, rinfo.port, rinfo.address, () => {});
      })
      .catch(() => {})
      .finally(() => pending.delete(p));
    pending.add(p);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(listen.port, listen.host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', (err) => opts.log?.(`radius: socket error: ${err.message}`));
  return {
    address: socket.address(),
    counters: h.counters,
    close: async () => {
      closing = true;
      await Promise.allSettled([...pending]);
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
