// Maps `app://factordesk/...` requests (and plain `/...` paths from the e2e HTTP server) to
// files of the renderer build. Pure Node, no electron import; main/index.ts wraps it in
// `protocol.handle(APP_SCHEME, …)`.
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { contentSecurityPolicy } from '../platform/csp.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'factordesk';
export const APP_ORIGIN = 'app://factordesk';

/**
 * Privileges for `protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges }])`.
 * `standard` gives the scheme a real origin (`app://factordesk`, not `null`), which the
 * sender check and same-origin rules rely on; `secure` makes it a secure context;
 * `supportFetchAPI`/`corsEnabled` let Vite's `<script type="module" crossorigin>` load.
 * No `bypassCSP`: the CSP must apply.
 */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  corsEnabled: true,
} as const;

/** What resolveAppRequest returns: a status, the bytes and the response headers. */
export interface AppResponse {
  status: number;
  body: Buffer;
  headers: Record<string, string>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

// Case-insensitive: Electron canonicalises scheme and host, but be lenient about case only.
// A port, userinfo or any other host does not match and is refused.
const APP_PREFIX_RE = /^app:\/\/factordesk(?=[/?#]|$)/i;

function baseHeaders(nonce: string): Record<string, string> {
  return {
    // Why: without nosniff a mislabelled file could be sniffed into script or HTML.
    'X-Content-Type-Options': 'nosniff',
    // Sent on every response, not just HTML: an SVG opened as a document could run script.
    'Content-Security-Policy': contentSecurityPolicy(nonce),
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-cache',
  };
}

function notFound(headers: Record<string, string>): AppResponse {
  return { status: 404, body: Buffer.alloc(0), headers: { ...headers } };
}

/** Returns the raw (still percent-encoded) path of an app URL or plain path, or null if foreign. */
function rawPathOf(url: string): string | null {
  let rest: string;
  const m = APP_PREFIX_RE.exec(url);
  if (m) rest = url.slice(m[0].length);
  else if (url.startsWith('/')) rest = url;
  else return null;
  // Query and fragment are not part of the file name.
  const cut = rest.search(/[?#]/);
  if (cut >= 0) rest = rest.slice(0, cut);
  return rest === '' ? '/' : rest;
}

/**
 * Splits a raw URL path into safe, decoded segments, or returns null to refuse.
 * Why by hand: `new URL()` silently resolves `..` and `%2e%2e`, hiding a traversal attempt;
 * here every trick is refused instead of being normalised into something that may work.
 */
export function safeSegments(rawPath: string): string[] | null {
  if (!rawPath.startsWith('/')) return null;
  // Backslashes are separators on Windows; control characters (NUL etc.) truncate C paths.
  if (/[\\\u0000-\u001f\u007f]/.test(rawPath)) return null;
  if (rawPath === '/') return ['index.html'];
  const parts = rawPath.slice(1).split('/');
  const segments: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const raw = parts[i] ?? '';
    if (raw === '') return null; // `//` or a trailing `/`: never produced by the build
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return null; // malformed percent-encoding
    }
    // Encoded separators (%2f, %5c), encoded NUL (%00), dot segments (also %2e%2e) and `:`
    // (Windows drive letters and NTFS alternate data streams) are all refused.
    if (seg === '.' || seg === '..') return null;
    if (/[/\\:\u0000-\u001f\u007f]/.test(seg)) return null;
    segments.push(seg);
  }
  return segments;
}

/** True when `child` is `root` itself or lies inside it (both absolute, already resolved). */
function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel !== '' && !rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel);
}

/** Puts `<meta name="csp-nonce" content="…">` right after <head> (or first, if there is none). */
function injectNonceMeta(html: string, nonce: string): string {
  // The nonce was validated as base64 by contentSecurityPolicy: safe in an attribute.
  const meta = `<meta name="csp-nonce" content="${nonce}">`;
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (!head) return meta + html;
  const at = head.index + head[0].length;
  return html.slice(0, at) + meta + html.slice(at);
}

/** Resolves an app request URL to a file under `rootDir`, with content type, nosniff and CSP. */
export async function resolveAppRequest(
  rootDir: string,
  url: string,
  nonce: () => string,
): Promise<AppResponse> {
  const n = nonce();
  // Built first: contentSecurityPolicy throws on a malformed nonce, before it reaches HTML.
  const headers = baseHeaders(n);

  const rawPath = typeof url === 'string' ? rawPathOf(url) : null;
  const segments = rawPath === null ? null : safeSegments(rawPath);
  if (!segments) return notFound(headers);

  const contentType = CONTENT_TYPES[extname(segments[segments.length - 1] ?? '').toLowerCase()];
  if (!contentType) return notFound(headers); // only known file types are served

  let body: Buffer;
  try {
    const root = await realpath(resolve(rootDir));
    const candidate = resolve(root, ...segments);
    if (!isInside(root, candidate)) return notFound(headers);
    // Why realpath: a symlink inside the build folder may point anywhere on disk. The
    // resolved target, not the link, must be inside the (resolved) root.
    const real = await realpath(candidate);
    if (!isInside(root, real)) return notFound(headers);
    const info = await stat(real);
    if (!info.isFile()) return notFound(headers);
    body = await readFile(real);
  } catch {
    // Missing file, unreadable file, broken link: all the same 404, nothing more revealed.
    return notFound(headers);
  }

  if (contentType.startsWith('text/html')) {
    body = Buffer.from(injectNonceMeta(body.toString('utf8'), n), 'utf8');
  }
  return { status: 200, body, headers: { ...headers, 'Content-Type': contentType } };
}
