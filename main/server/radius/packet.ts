/**
 * RADIUS packets (RFC 2865) without I/O: decoding with every length checked, encoding, PAP
 * User-Password hiding (§5.2), the Response Authenticator (§3) and Message-Authenticator
 * (RFC 3579 §3.2). Decoding never throws: a malformed datagram is a typed refusal, because a
 * server must drop whatever it cannot read and go on serving.
 *
 * Written here rather than taken from the npm `radius` package: that package keeps the secret
 * and authenticator of the last call in module state (not safe with concurrent requests), loops
 * for ever on an attribute of length 0, stops a password at its first NUL and has no
 * Message-Authenticator for answers, which the BlastRADIUS advice requires as the first attribute.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const CODE = {
  ACCESS_REQUEST: 1,
  ACCESS_ACCEPT: 2,
  ACCESS_REJECT: 3,
  ACCOUNTING_REQUEST: 4,
  ACCOUNTING_RESPONSE: 5,
  ACCESS_CHALLENGE: 11,
  STATUS_SERVER: 12,
} as const;

export const ATTR = {
  USER_NAME: 1,
  USER_PASSWORD: 2,
  CHAP_PASSWORD: 3,
  NAS_IP_ADDRESS: 4,
  NAS_PORT: 5,
  REPLY_MESSAGE: 18,
  STATE: 24,
  PROXY_STATE: 33,
  CHAP_CHALLENGE: 60,
  EAP_MESSAGE: 79,
  MESSAGE_AUTHENTICATOR: 80,
} as const;

/** RFC 2865 §3: a packet is 20 to 4096 octets. */
export const MIN_LENGTH = 20;
export const MAX_LENGTH = 4096;
const HEADER = 20;
const AUTH_OFFSET = 4;
const AUTH_LENGTH = 16;

export interface RadiusAttribute {
  type: number;
  value: Buffer;
}

export interface RadiusPacket {
  code: number;
  identifier: number;
  /** The Request Authenticator of a request, the Response Authenticator of an answer. */
  authenticator: Buffer;
  attributes: RadiusAttribute[];
}

/** Why a datagram is not a RADIUS packet (or a packet cannot be written). */
export type PacketProblem = 'too-short' | 'bad-length' | 'truncated' | 'attribute-truncated' | 'attribute-length' | 'too-long' | 'bad-field';

export class RadiusPacketError extends Error {
  readonly problem: PacketProblem;
  constructor(problem: PacketProblem, message: string) {
    super(message);
    this.name = 'RadiusPacketError';
    this.problem = problem;
  }
}

export type Decoded = { ok: true; packet: RadiusPacket; bytes: Buffer } | { ok: false; error: RadiusPacketError };

const refused = (problem: PacketProblem, message: string): Decoded => ({ ok: false, error: new RadiusPacketError(problem, message) });

/**
 * Reads a datagram. `bytes` is the packet itself (Length octets: anything after them is padding
 * and ignored, RFC 2865 §3), copied, so the caller may reuse its buffer. Never throws.
 */
export function decodePacket(datagram: Buffer): Decoded {
  try {
    if (!Buffer.isBuffer(datagram) || datagram.length < MIN_LENGTH) return refused('too-short', 'shorter than a RADIUS header');
    const length = datagram.readUInt16BE(2);
    if (length < MIN_LENGTH || length > MAX_LENGTH) return refused('bad-length', `Length field ${length} out of 20..4096`);
    if (datagram.length < length) return refused('truncated', 'the datagram is shorter than its Length field');
    const bytes = Buffer.from(datagram.subarray(0, length));
    const attributes: RadiusAttribute[] = [];
    let i = HEADER;
    while (i < length) {
      if (length - i < 2) return refused('attribute-truncated', 'an attribute header runs past the packet');
      const alen = bytes[i + 1]!;
      if (alen < 2) return refused('attribute-length', 'an attribute length below 2');
      if (i + alen > length) return refused('attribute-truncated', 'an attribute runs past the packet');
      attributes.push({ type: bytes[i]!, value: Buffer.from(bytes.subarray(i + 2, i + alen)) });
      i += alen;
    }
    return { ok: true, packet: { code: bytes[0]!, identifier: bytes[1]!, authenticator: Buffer.from(bytes.subarray(AUTH_OFFSET, AUTH_OFFSET + AUTH_LENGTH)), attributes }, bytes };
  } catch {
    return refused('bad-length', 'unreadable datagram');
  }
}

/** Writes a packet as it is (authenticator as given). Throws RadiusPacketError on a value that cannot be written. */
export function encodePacket(p: RadiusPacket): Buffer {
  if (!Number.isInteger(p.code) || p.code < 0 || p.code > 255 || !Number.isInteger(p.identifier) || p.identifier < 0 || p.identifier > 255) {
    throw new RadiusPacketError('bad-field', 'code and identifier are octets');
  }
  if (p.authenticator.length !== AUTH_LENGTH) throw new RadiusPacketError('bad-field', 'an authenticator is 16 octets');
  let length = HEADER;
  for (const a of p.attributes) {
    if (!Number.isInteger(a.type) || a.type < 0 || a.type > 255) throw new RadiusPacketError('bad-field', 'an attribute type is an octet');
    if (a.value.length > 253) throw new RadiusPacketError('attribute-length', 'an attribute value is at most 253 octets');
    length += 2 + a.value.length;
  }
  if (length > MAX_LENGTH) throw new RadiusPacketError('too-long', 'a packet is at most 4096 octets');
  const out = Buffer.alloc(length);
  out[0] = p.code;
  out[1] = p.identifier;
  out.writeUInt16BE(length, 2);
  p.authenticator.copy(out, AUTH_OFFSET);
  let i = HEADER;
  for (const a of p.attributes) {
    out[i] = a.type;
    out[i + 1] = a.value.length + 2;
    a.value.copy(out, i + 2);
    i += 2 + a.value.length;
  }
  return out;
}

const md5 = (...parts: Buffer[]): Buffer => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** RFC 2865 §5.2: the password padded with NULs to a multiple of 16 (at most 128), each block XORed with MD5(secret + previous block). */
export function hidePassword(password: Buffer, secret: Buffer, requestAuthenticator: Buffer): Buffer {
  if (password.length > 128) throw new RadiusPacketError('attribute-length', 'a User-Password is at most 128 octets');
  const padded = Buffer.alloc(Math.max(16, Math.ceil(password.length / 16) * 16));
  password.copy(padded);
  const out = Buffer.alloc(padded.length);
  let prev = requestAuthenticator;
  for (let i = 0; i < padded.length; i += 16) {
    const b = md5(secret, prev);
    for (let j = 0; j < 16; j++) out[i + j] = padded[i + j]! ^ b[j]!;
    prev = out.subarray(i, i + 16);
  }
  return out;
}

/** The clear password of a hidden User-Password, with the NUL padding removed; null when the value cannot be one (not 16..128 octets in blocks of 16). */
export function unhidePassword(hidden: Buffer, secret: Buffer, requestAuthenticator: Buffer): Buffer | null {
  if (hidden.length < 16 || hidden.length > 128 || hidden.length % 16 !== 0) return null;
  const out = Buffer.alloc(hidden.length);
  let prev = requestAuthenticator;
  for (let i = 0; i < hidden.length; i += 16) {
    const b = md5(secret, prev);
    for (let j = 0; j < 16; j++) out[i + j] = hidden[i + j]! ^ b[j]!;
    prev = hidden.subarray(i, i + 16);
  }
  let end = out.length;
  while (end > 0 && out[end - 1] === 0) end--;
  return out.subarray(0, end);
}

/** RFC 2865 §3: MD5(Code + Identifier + Length + Request Authenticator + Attributes + Secret), over a packet whose authenticator field holds the request's. */
export function responseAuthenticator(packetWithRequestAuth: Buffer, secret: Buffer): Buffer {
  return md5(packetWithRequestAuth, secret);
}

/** The offsets of the Message-Authenticator values in an encoded packet. */
function messageAuthenticatorOffsets(bytes: Buffer): number[] {
  const found: number[] = [];
  const length = bytes.readUInt16BE(2);
  for (let i = HEADER; i + 1 < length && bytes[i + 1]! >= 2; i += bytes[i + 1]!) if (bytes[i] === ATTR.MESSAGE_AUTHENTICATOR) found.push(i + 2);
  return found;
}

/**
 * RFC 3579 §3.2: HMAC-MD5 keyed with the secret over the whole packet, with the
 * Message-Authenticator value as 16 zero octets and, when `authenticator` is given, that value
 * in the authenticator field (an answer's is computed over its request's authenticator).
 */
export function messageAuthenticator(bytes: Buffer, secret: Buffer, authenticator?: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  for (const at of messageAuthenticatorOffsets(copy)) copy.fill(0, at, at + 16);
  if (authenticator) authenticator.copy(copy, AUTH_OFFSET);
  return createHmac('md5', secret).update(copy).digest();
}

/**
 * Checks a request's Message-Authenticator: exactly one, 16 octets, matching in constant time.
 * 'missing' and 'invalid' requests are dropped by the server (RFC 3579 §3.2, BlastRADIUS).
 */
export function checkMessageAuthenticator(decoded: { packet: RadiusPacket; bytes: Buffer }, secret: Buffer): 'ok' | 'missing' | 'invalid' {
  const mas = decoded.packet.attributes.filter((a) => a.type === ATTR.MESSAGE_AUTHENTICATOR);
  if (mas.length === 0) return 'missing';
  if (mas.length > 1 || mas[0]!.value.length !== 16) return 'invalid';
  const expected = messageAuthenticator(decoded.bytes, secret);
  return timingSafeEqual(expected, mas[0]!.value) ? 'ok' : 'invalid';
}

/**
 * An answer to `request`: Message-Authenticator first (computed over the request's
 * authenticator), then `attributes`, then the request's Proxy-State attributes unchanged and in
 * order (RFC 2865 §5.33); the Response Authenticator is computed last, over all of it.
 */
export function encodeResponse(request: RadiusPacket, code: number, attributes: RadiusAttribute[], secret: Buffer): Buffer {
  const proxyState = request.attributes.filter((a) => a.type === ATTR.PROXY_STATE);
  const bytes = encodePacket({
    code,
    identifier: request.identifier,
    authenticator: request.authenticator,
    attributes: [{ type: ATTR.MESSAGE_AUTHENTICATOR, value: Buffer.alloc(16) }, ...attributes, ...proxyState],
  });
  messageAuthenticator(bytes, secret).copy(bytes, HEADER + 2);
  responseAuthenticator(bytes, secret).copy(bytes, AUTH_OFFSET);
  return bytes;
}

/** Checks an answer against the request it answers: identifier, Response Authenticator and (when present) Message-Authenticator. */
export function verifyResponse(response: Buffer, requestAuthenticator: Buffer, requestIdentifier: number, secret: Buffer): boolean {
  const d = decodePacket(response);
  if (!d.ok || d.packet.identifier !== requestIdentifier) return false;
  const withRequestAuth = Buffer.from(d.bytes);
  requestAuthenticator.copy(withRequestAuth, AUTH_OFFSET);
  if (!timingSafeEqual(responseAuthenticator(withRequestAuth, secret), d.packet.authenticator)) return false;
  const mas = d.packet.attributes.filter((a) => a.type === ATTR.MESSAGE_AUTHENTICATOR);
  if (mas.length === 0) return true;
  return mas.length === 1 && mas[0]!.value.length === 16 && timingSafeEqual(messageAuthenticator(d.bytes, secret, requestAuthenticator), mas[0]!.value);
}

/**
 * An Access-Request with a PAP password and a Message-Authenticator (first, as an answer's): what
 * a NAS sends. Used by the tests and for round trips; the server never sends requests.
 */
export function encodeAccessRequest(opts: { identifier: number; authenticator: Buffer; userName: string; password: string; messageAuthenticator?: boolean; extra?: RadiusAttribute[] }, secret: Buffer): Buffer {
  const withMa = opts.messageAuthenticator ?? true;
  const attributes: RadiusAttribute[] = [
    ...(withMa ? [{ type: ATTR.MESSAGE_AUTHENTICATOR, value: Buffer.alloc(16) }] : []),
    { type: ATTR.USER_NAME, value: Buffer.from(opts.userName, 'utf8') },
    { type: ATTR.USER_PASSWORD, value: hidePassword(Buffer.from(opts.password, 'utf8'), secret, opts.authenticator) },
    ...(opts.extra ?? []),
  ];
  const bytes = encodePacket({ code: CODE.ACCESS_REQUEST, identifier: opts.identifier, authenticator: opts.authenticator, attributes });
  if (withMa) messageAuthenticator(bytes, secret).copy(bytes, HEADER + 2);
  return bytes;
}

/** The first attribute of `type`, or undefined. */
export function attribute(p: RadiusPacket, type: number): Buffer | undefined {
  return p.attributes.find((a) => a.type === type)?.value;
}

/** How many attributes of `type` the packet carries. */
export function count(p: RadiusPacket, type: number): number {
  return p.attributes.reduce((n, a) => n + (a.type === type ? 1 : 0), 0);
}
