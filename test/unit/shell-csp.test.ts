import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  assertValidNonce,
  contentSecurityPolicy,
  generateNonce,
  sheetCsp,
  sheetCspMeta,
  styleHash,
} from '../../main/platform/csp.ts';

const NONCE = 'AAECAwQFBgcICQoLDA0ODw==';

/** Parses a policy into directive -> source list, failing on a duplicated directive. */
function parse(policy: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (!name) continue;
    expect(map.has(name), `duplicate directive ${name}`).toBe(false);
    map.set(name, sources);
  }
  return map;
}

describe('contentSecurityPolicy', () => {
  const policy = contentSecurityPolicy(NONCE);
  const d = parse(policy);

  it('starts from default-src none', () => {
    expect(policy.startsWith("default-src 'none'")).toBe(true);
  });

  it('has exactly the expected directives', () => {
    expect(Object.fromEntries(d)).toEqual({
      'default-src': ["'none'"],
      'script-src': ["'self'"],
      'style-src': ["'self'", `'nonce-${NONCE}'`],
      'img-src': ["'self'", 'data:'],
      'font-src': ["'self'"],
      'connect-src': ["'none'"],
      'object-src': ["'none'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'frame-ancestors': ["'none'"],
    });
  });

  it('never allows unsafe-inline, unsafe-eval, wildcards or remote schemes', () => {
    expect(policy).not.toMatch(/unsafe-|strict-dynamic|\*|https?:|blob:|wasm/);
  });

  it('refuses a nonce that could inject directives', () => {
    for (const bad of ['', 'short', `${NONCE}'; script-src *`, `${NONCE} 'unsafe-inline'`, 'a;b'.repeat(8)]) {
      expect(() => contentSecurityPolicy(bad)).toThrow(/nonce/);
    }
  });

  it('accepts base64url nonces and fresh nonces are random 128-bit values', () => {
    expect(() => assertValidNonce('abcdefghijklmnop-_')).not.toThrow();
    const a = generateNonce();
    const b = generateNonce();
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64')).toHaveLength(16);
    expect(() => contentSecurityPolicy(a)).not.toThrow();
  });
});

describe('sheetCsp', () => {
  it('forbids all script and network, allows one nonce-d style', () => {
    const d = parse(sheetCsp({ nonce: NONCE }));
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(d.get('script-src')).toEqual(["'none'"]);
    expect(d.get('style-src')).toEqual([`'nonce-${NONCE}'`]);
    expect(d.get('connect-src')).toEqual(["'none'"]);
    expect(d.get('img-src')).toEqual(['data:']);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('form-action')).toEqual(["'none'"]);
    // ignored in <meta> (and warned about), so left out
    expect(d.has('frame-ancestors')).toBe(false);
    expect(sheetCsp({ nonce: NONCE })).not.toMatch(/unsafe-|'self'/);
  });

  it('can authorise the style by the sha256 of its exact text', () => {
    const css = 'body { font-family: serif; }';
    const expected = `'sha256-${createHash('sha256').update(css).digest('base64')}'`;
    expect(styleHash(css)).toBe(expected);
    expect(parse(sheetCsp({ css })).get('style-src')).toEqual([expected]);
  });

  it('refuses a malformed nonce', () => {
    expect(() => sheetCsp({ nonce: "x' 'unsafe-inline" })).toThrow(/nonce/);
  });

  it('renders as a meta tag with the same policy', () => {
    const meta = sheetCspMeta({ nonce: NONCE });
    expect(meta).toBe(`<meta http-equiv="Content-Security-Policy" content="${sheetCsp({ nonce: NONCE })}">`);
  });
});
