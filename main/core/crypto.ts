import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  randomBytes,
  scrypt,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { testHooksEnabled } from '../platform/test-hooks.ts';
import { fail } from './errors.ts';

/** scrypt parameters for a password slot. */
export interface KdfParams {
  N: number;
  r: number;
  p: number;
}

/** The production profile (OWASP / issue minimum): N=2^17, r=8, p=1. */
export const PRODUCTION_KDF: KdfParams = { N: 2 ** 17, r: 8, p: 1 };
/** A fast profile for tests only; refused unless test hooks are on. */
export const TEST_KDF: KdfParams = { N: 2 ** 10, r: 8, p: 1 };

/** The profile new slots use in this process. */
export function currentKdf(): KdfParams {
  return testHooksEnabled() ? TEST_KDF : PRODUCTION_KDF;
}

/**
 * The most a stored slot may ask of one sign-in attempt. Slot files and backups are read before
 * anything is authenticated, so their parameters are the attacker's to choose: N=2^22, r=32,
 * p=16 would cost 16 GiB and minutes per try. Production uses N=2^17, r=8, p=1 (128 MiB).
 */
export const KDF_LIMITS = { maxN: 2 ** 20, maxR: 16, maxP: 4, maxMemBytes: 256 * 1024 * 1024 } as const;

/** The bytes scrypt needs for `k` (128·N·r; p runs one block at a time). */
export function kdfMemory(k: KdfParams): number {
  return 128 * k.N * k.r;
}

/** True when `k` is well-formed and within KDF_LIMITS (strength is checked by assertKdfAcceptable). */
export function kdfWithinLimits(k: KdfParams): boolean {
  return (
    Number.isInteger(k.N) &&
    Number.isInteger(k.r) &&
    Number.isInteger(k.p) &&
    k.N >= 2 &&
    (k.N & (k.N - 1)) === 0 &&
    k.N <= KDF_LIMITS.maxN &&
    k.r >= 1 &&
    k.r <= KDF_LIMITS.maxR &&
    k.p >= 1 &&
    k.p <= KDF_LIMITS.maxP &&
    kdfMemory(k) <= KDF_LIMITS.maxMemBytes
  );
}

/** The message for a slot whose KDF parameters are beyond KDF_LIMITS. */
export const KDF_LIMITS_MESSAGE = 'asks for key-derivation parameters beyond what FactorDesk accepts (scrypt N at most 2^20, r at most 16, p at most 4, at most 256 MiB of memory)';

/** Refuses a slot whose KDF is out of bounds, or weaker than production unless this is a test process (no downgrade). */
export function assertKdfAcceptable(k: KdfParams): void {
  if (!kdfWithinLimits(k)) fail('SLOTS_INVALID', `The key-slot file ${KDF_LIMITS_MESSAGE}; it was not used.`);
  if (!testHooksEnabled() && (k.N < PRODUCTION_KDF.N || k.r < PRODUCTION_KDF.r)) {
    fail('SLOTS_INVALID', 'The key-slot file uses key-derivation parameters weaker than allowed.');
  }
}

/** Password → 32-byte key with scrypt, on the libuv thread pool (off the main thread). */
export function deriveKek(password: string, salt: Buffer, k: KdfParams): Promise<Buffer> {
  // NFKC so the same password typed on different keyboards/IMEs gives the same key.
  const pw = Buffer.from(password.normalize('NFKC'), 'utf8');
  // maxmem must be set explicitly: 128*N*r bytes plus headroom, or Node refuses N=2^17. It is
  // bounded: parameters beyond KDF_LIMITS never reach scrypt.
  if (!kdfWithinLimits(k)) fail('SLOTS_INVALID', `The key-slot file ${KDF_LIMITS_MESSAGE}; it was not used.`);
  const maxmem = kdfMemory(k) * 2 + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(pw, salt, 32, { N: k.N, r: k.r, p: k.p, maxmem }, (err, key) => {
      pw.fill(0);
      if (err) reject(err);
      else resolve(key);
    });
  });
}

/** AES-256-GCM box. */
export interface Sealed {
  iv: string; // base64
  ct: string;
  tag: string;
}

/** The GCM tag length FactorDesk writes; a shorter tag is refused (it would be easier to forge). */
const GCM_TAG_BYTES = 16;

/** Encrypts with AES-256-GCM, binding `aad` (vault id, slot id) so a box cannot be moved. */
export function seal(key: Buffer, plaintext: Buffer, aad: string, iv: Buffer): Sealed {
  const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return { iv: iv.toString('base64'), ct: ct.toString('base64'), tag: c.getAuthTag().toString('base64') };
}

/** Decrypts a box; returns null when the tag does not verify (wrong key, damaged box, short tag). */
export function open(key: Buffer, box: Sealed, aad: string): Buffer | null {
  try {
    const tag = Buffer.from(box.tag, 'base64');
    const iv = Buffer.from(box.iv, 'base64');
    if (tag.length !== GCM_TAG_BYTES || iv.length !== 12) return null;
    // authTagLength pins the tag length: without it Node accepts truncated tags (4 bytes and up).
    const d = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(tag);
    return Buffer.concat([d.update(Buffer.from(box.ct, 'base64')), d.final()]);
  } catch {
    return null;
  }
}

const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** X25519 private key object from 32 raw bytes. */
export function x25519Private(raw: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

/** Raw 32-byte X25519 public key for a private key given as 32 raw bytes. */
export function x25519PublicRaw(privRaw: Buffer): Buffer {
  const der = createPublicKey(x25519Private(privRaw)).export({ format: 'der', type: 'spki' }) as Buffer;
  return der.subarray(X25519_SPKI_PREFIX.length);
}

/** Shared secret between a raw private key and a raw public key, expanded to a 32-byte wrap key. */
export function x25519WrapKey(privRaw: Buffer, pubRaw: Buffer, info: string): Buffer {
  const pub = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, pubRaw]), format: 'der', type: 'spki' });
  const shared = diffieHellman({ privateKey: x25519Private(privRaw), publicKey: pub });
  return hkdf(shared, info);
}

/** HKDF-SHA256 to 32 bytes with a purpose label. */
export function hkdf(key: Buffer, info: string, salt = ''): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.from(salt), Buffer.from(info), 32));
}

/** HMAC-SHA256 hex. */
export function hmacHex(key: Buffer, data: string | Buffer): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/** `bytes` random bytes as hex (an id nobody can guess or collide with). */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** SHA-256 hex. */
export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Salted hash of a short code: SHA-256(salt || normalised code) — the verifiers of earlier builds. */
export function hashCode(salt: Buffer, code: string): Buffer {
  return createHash('sha256').update(salt).update(code, 'utf8').digest();
}

/** The first salt byte of a keyed verifier; the salts of earlier (unkeyed) verifiers are 16 random bytes. */
const KEYED = 0x02;

/** A salt for a new keyed verifier: the mark and 16 random bytes. */
export function keyedSalt(random: { bytes(n: number): Buffer }): Buffer {
  return Buffer.concat([Buffer.from([KEYED]), random.bytes(16)]);
}

/**
 * A code's verifier: HMAC-SHA256 under the verifier key (the pepper, held apart from the store)
 * for a keyed salt, so a copy of the stored verifiers alone cannot be searched for the code;
 * the salted SHA-256 of earlier builds for their 16-byte salts, until those codes are replaced.
 */
export function codeVerifier(key: Buffer, salt: Buffer, code: string): Buffer {
  if (salt.length === 17 && salt[0] === KEYED) return createHmac('sha256', key).update(salt).update(code, 'utf8').digest();
  return hashCode(salt, code);
}

/** Constant-time equality of two byte strings (length leak only). */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time equality of two hex strings. */
export function safeEqualHex(a: string, b: string): boolean {
  return safeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
