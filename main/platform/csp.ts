// Content Security Policies for the app window and for printed sheet documents.
// Pure Node: no electron import, so it is testable under plain Node and vitest.
import { createHash, randomBytes } from 'node:crypto';

// A CSP nonce must be a base64/base64url value (CSP3 `base64-value`). Anything else could
// smuggle a quote or a `;` into the header and add directives, so it is refused outright.
const NONCE_RE = /^[A-Za-z0-9+/_-]{16,}={0,2}$/;

/** Throws unless `nonce` is a well-formed base64 CSP nonce of at least 16 characters. */
export function assertValidNonce(nonce: string): void {
  if (typeof nonce !== 'string' || !NONCE_RE.test(nonce)) {
    throw new Error('CSP nonce must be base64 with at least 16 characters');
  }
}

/** Returns a fresh 128-bit base64 nonce from the OS random source (one per document load). */
export function generateNonce(): string {
  return randomBytes(16).toString('base64');
}

/** Returns the CSP source expression `'sha256-…'` for the exact text of an inline <style>. */
export function styleHash(css: string): string {
  return `'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`;
}

function join(directives: ReadonlyArray<readonly [string, string]>): string {
  return directives.map(([name, value]) => `${name} ${value}`).join('; ');
}

/** Returns the app window's CSP header value, allowing inline <style> only with `nonce`. */
export function contentSecurityPolicy(nonce: string): string {
  assertValidNonce(nonce);
  // Why: everything is denied first and each need is opened by name. No 'unsafe-inline' and
  // no 'unsafe-eval' anywhere: a hostile string rendered by mistake cannot become script.
  // The style nonce exists only for libraries that insert a <style> element at run time
  // (Radix's scroll lock via get-nonce); style attributes in markup stay blocked.
  // base-uri, form-action and frame-ancestors do not fall back to default-src, so they are
  // spelled out; frame-ancestors only works as a header (the protocol handler sends one).
  return join([
    ['default-src', "'none'"],
    ['script-src', "'self'"],
    ['style-src', `'self' 'nonce-${nonce}'`],
    ['img-src', "'self' data:"],
    ['font-src', "'self'"],
    ['connect-src', "'none'"],
    ['object-src', "'none'"],
    ['base-uri', "'none'"],
    ['form-action', "'none'"],
    ['frame-ancestors', "'none'"],
  ]);
}

/** How a sheet authorises its single inline <style>: by nonce, or by the hash of its exact CSS. */
export type SheetStyleSource = { nonce: string } | { css: string };

/** Returns the CSP for a self-contained printed sheet: no script at all, one inline <style>. */
export function sheetCsp(style: SheetStyleSource): string {
  let styleSource: string;
  if ('nonce' in style) {
    assertValidNonce(style.nonce);
    styleSource = `'nonce-${style.nonce}'`;
  } else {
    styleSource = styleHash(style.css);
  }
  // Why: a sheet carries a live enrolment secret (QR + typed key). It must not run script or
  // fetch anything, so nothing it contains (user names, emails from an import) can leak the
  // secret. Images and fonts may only be inline data: (logo, embedded font); the QR itself is
  // inline SVG, which needs no source. No frame-ancestors here: the sheet is usually loaded
  // from a data: URL or file with the policy in a <meta>, where frame-ancestors is ignored.
  return join([
    ['default-src', "'none'"],
    ['script-src', "'none'"],
    ['style-src', styleSource],
    ['img-src', 'data:'],
    ['font-src', 'data:'],
    ['connect-src', "'none'"],
    ['object-src', "'none'"],
    ['base-uri', "'none'"],
    ['form-action', "'none'"],
  ]);
}

/** Returns a `<meta http-equiv="Content-Security-Policy">` tag to put first in a sheet's <head>. */
export function sheetCspMeta(style: SheetStyleSource): string {
  // The policy only contains base64, quotes, letters and `;`, but escape anyway: this goes
  // into an attribute value.
  const value = sheetCsp(style).replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  return `<meta http-equiv="Content-Security-Policy" content="${value}">`;
}
