import { base32Decode, base32Encode } from './base32.ts';

/** Formats a 256-bit key for printing (recovery and service keys): RFC 4648 base32 in groups of 4. */
export function formatRawKey(raw: Buffer): string {
  return base32Encode(raw).match(/.{1,4}/g)!.join('-');
}

/** Parses a printed 256-bit key (spaces, hyphens and case ignored); null when malformed. */
export function parseRawKey(text: string): Buffer | null {
  const s = text.replace(/[\s-]/g, '').toUpperCase();
  if (!/^[A-Z2-7]{52}$/.test(s)) return null;
  const out = base32Decode(s);
  return out && out.length === 32 ? out : null;
}
