import { generateSync } from 'otplib';
import { safeEqual } from './crypto.ts';
import { base32Encode } from './base32.ts';

/**
 * TOTP as every common authenticator app honours it: RFC 6238, HMAC-SHA-1, 6 digits, 30-second
 * step, T0 = 0. otplib computes the codes; the window, replay rule and comparison are ours.
 */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted on either side of the current one (clock drift of the user's phone). */
export const TOTP_WINDOW = 1;

/** The time step (RFC 6238 T) that `epochMs` falls in. */
export function totpStep(epochMs: number): number {
  return Math.floor(epochMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** The TOTP code of `secret` at `epochMs` (SHA-1, 30 s), `digits` long. */
export function totpAt(secret: Buffer, epochMs: number, digits = TOTP_DIGITS): string {
  return generateSync({
    secret: new Uint8Array(secret),
    epoch: Math.floor(epochMs / 1000),
    digits,
    algorithm: 'sha1',
    period: TOTP_PERIOD_SECONDS,
  });
}

/** Outcome of checking a TOTP code. */
export type TotpMatch = { ok: true; step: number } | { ok: false; reason: 'wrong' | 'reused' };

/**
 * Checks a 6-digit code against the current step and one step either side. A step at or before
 * `lastStep` (the last accepted one) is never accepted again, so an overheard code cannot be
 * replayed, not even an older one still inside the window ('reused').
 */
export function matchTotp(secret: Buffer, code: string, epochMs: number, lastStep: number | null): TotpMatch {
  const given = Buffer.from(code, 'utf8');
  const current = totpStep(epochMs);
  let best: number | null = null;
  let reused = false;
  // Always compute and compare every step in the window: the time taken does not say which matched.
  for (let step = current - TOTP_WINDOW; step <= current + TOTP_WINDOW; step++) {
    const expected = Buffer.from(totpAt(secret, step * TOTP_PERIOD_SECONDS * 1000), 'utf8');
    if (!safeEqual(expected, given)) continue;
    if (lastStep !== null && step <= lastStep) reused = true;
    else if (best === null || step > best) best = step;
  }
  if (best !== null) return { ok: true, step: best };
  return { ok: false, reason: reused ? 'reused' : 'wrong' };
}

/** RFC 4648 base32 without padding (what the otpauth URI and the typed key carry). */
export function base32NoPad(secret: Buffer): string {
  return base32Encode(secret);
}

/** The key URI an authenticator app scans: issuer and account percent-encoded, ':' literal, no padding. */
export function enrollmentUri(issuer: string, email: string, secret: Buffer): string {
  const enc = encodeURIComponent;
  return `otpauth://totp/${enc(issuer)}:${enc(email)}?secret=${base32NoPad(secret)}&issuer=${enc(issuer)}`;
}

/** A base32 key in groups of 4 separated by spaces, for typing or reading aloud. */
export function groupKey(b32: string): string {
  return (b32.match(/.{1,4}/g) ?? []).join(' ');
}
