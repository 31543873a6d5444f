/**
 * The server's self-enrollment page: GET /enroll (HTML in Norwegian or English), its script and
 * style, POST /enroll/start (email + enrollment code → the QR once, a session cookie and a CSRF
 * token) and POST /enroll/confirm (cookie + CSRF token + the first code). Strict CSP, no-store,
 * throttled per source address (per instance) on top of the per-address lock in the store.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { builtOnFirstUse } from '../core/built-on-first-use.ts';
import type { ServerStore } from '../store/port.ts';
import { confirmSelfEnrollment, SELF_SESSION_TTL_MS, startSelfEnrollment } from '../core/self-enrollment.ts';
import { toFactorDeskError } from '../core/errors.ts';
import { ENROLL_TEXTS, enrollLang, type EnrollLang } from './enroll-texts.ts';
import { ENROLL_CSS, ENROLL_JS } from './enroll-script.ts';

export const ENROLL_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const COOKIE = 'fd_enroll';
const MAX_BODY = 4096;
/** Start attempts one source address may make per window (per server instance). */
export const ENROLL_IP_RATE = { max: 30, windowMs: 15 * 60_000 };

// Built on first use (see builtOnFirstUse).
const BODIES = builtOnFirstUse(() => ({
  start: z.strictObject({ email: z.string().min(1).max(320), code: z.string().min(1).max(64) }),
  confirm: z.strictObject({ code: z.string().min(1).max(16) }),
}));

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(lang: EnrollLang): string {
  const t = ENROLL_TEXTS[lang];
  const other = lang === 'nb' ? 'en' : 'nb';
  const data = Object.entries(t)
    .filter(([k]) => k.startsWith('err-'))
    .map(([k, v]) => `data-${k}="${esc(v)}"`)
    .join(' ');
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(t.title!)}</title><link rel="stylesheet" href="/enroll/enroll.css"></head>
<body><nav><a id="lang" href="/enroll?lang=${other}" hreflang="${other}">${esc(t.other!)}</a></nav>
<h1>${esc(t.title!)}</h1>
<span id="texts" hidden ${data}></span>
<p id="error" role="alert"></p>
<form id="start" method="post" action="/enroll/start" autocomplete="off">
<p>${esc(t.intro!)}</p>
<label for="email">${esc(t.email!)}</label><input id="email" name="email" type="email" required maxlength="320" autocomplete="email">
<label for="code">${esc(t.code!)}</label><input id="code" name="code" required maxlength="64" autocapitalize="characters" spellcheck="false">
<button type="submit">${esc(t.start!)}</button>
</form>
<section id="scan" hidden>
<p>${esc(t.scan!)}</p>
<img id="qr" alt="QR">
<p>${esc(t.key!)}: <code id="key"></code></p>
<form id="confirm" method="post" action="/enroll/confirm" autocomplete="off">
<label for="otp">${esc(t.otp!)}</label><input id="otp" name="otp" inputmode="numeric" pattern="[0-9 ]{6,7}" maxlength="7" required>
<button type="submit">${esc(t.confirm!)}</button>
</form>
</section>
<section id="done" hidden><p id="done-text">${esc(t.done!)}</p></section>
<script src="/enroll/enroll.js"></script>
</body></html>`;
}

function headers(type: string, body: string): Record<string, string | number> {
  return {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'x-content-type-options': 'nosniff',
    'content-security-policy': ENROLL_CSP,
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'strict-transport-security': 'max-age=31536000',
  };
}

function cookieOf(req: IncomingMessage): string {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === COOKIE && v && /^[A-Za-z0-9_-]{20,100}$/.test(v)) return v;
  }
  return '';
}

/** The enrollment routes; returns false when `path` is not one of them. */
export function enrollRoutes(store: ServerStore, log?: (line: string) => void): (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) => boolean {
  const windows = new Map<string, { start: number; count: number }>();
  function overRate(ip: string): boolean {
    const now = store.clock.now();
    const w = windows.get(ip);
    if (!w || now - w.start >= ENROLL_IP_RATE.windowMs) {
      if (windows.size > 50_000) windows.clear();
      windows.set(ip, { start: now, count: 1 });
      return false;
    }
    return ++w.count > ENROLL_IP_RATE.max;
  }

  const send = (res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}) => {
    if (res.headersSent) return;
    res.writeHead(status, { ...headers(type, body), ...extra });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(value), extra);
  const err = (res: ServerResponse, status: number, code: string) => json(res, status, { ok: false, error: { code } });

  async function start(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const ip = req.socket.remoteAddress ?? 'unknown';
    if (overRate(ip)) return err(res, 429, 'RATE_LIMITED');
    const p = BODIES.start.safeParse(body);
    if (!p.success) return err(res, 400, 'REJECTED');
    const r = await startSelfEnrollment(store, p.data.email, p.data.code);
    if (r.kind === 'locked') return err(res, 429, 'USER_LOCKED');
    if (r.kind === 'rejected') return err(res, 403, 'REJECTED');
    // The QR is drawn here and sent once; the store keeps no copy and the session cannot fetch it again.
    const svg = await (await import('qrcode')).default.toString(r.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
    const cookie = `${COOKIE}=${r.token}; Path=/enroll; Max-Age=${Math.floor(SELF_SESSION_TTL_MS / 1000)}; HttpOnly; Secure; SameSite=Strict`;
    json(res, 200, { ok: true, value: { csrf: r.csrf, key: r.key, qrSvgBase64: Buffer.from(svg).toString('base64'), email: r.email, expiresAt: r.expiresAt } }, { 'set-cookie': cookie });
  }

  async function confirm(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const p = BODIES.confirm.safeParse(body);
    if (!p.success) return err(res, 400, 'BAD_REQUEST');
    const csrf = typeof req.headers['x-csrf-token'] === 'string' ? req.headers['x-csrf-token'] : '';
    try {
      await confirmSelfEnrollment(store, cookieOf(req), csrf, p.data.code);
      json(res, 200, { ok: true, value: { status: 'active' } }, { 'set-cookie': `${COOKIE}=; Path=/enroll; Max-Age=0; HttpOnly; Secure; SameSite=Strict` });
    } catch (e) {
      const fe = toFactorDeskError(e);
      if (fe.code === 'INTERNAL') log?.(`enroll confirm failed: ${fe.message}`);
      const status = fe.code === 'CODE_REJECTED' ? 422 : fe.code === 'USER_LOCKED' ? 429 : fe.code === 'FORBIDDEN' ? 403 : fe.code === 'SESSION_LOCKED' ? 401 : fe.code === 'BAD_REQUEST' ? 400 : fe.code === 'INTERNAL' ? 500 : 422;
      err(res, status, fe.code === 'NO_PENDING_ENROLLMENT' ? 'SESSION_LOCKED' : fe.code);
    }
  }

  return (req, res, path, query) => {
    if (path !== '/enroll' && !path.startsWith('/enroll/')) return false;
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (path === '/enroll') send(res, 200, 'text/html; charset=utf-8', page(enrollLang(query.get('lang'), req.headers['accept-language'])), { 'content-language': enrollLang(query.get('lang'), req.headers['accept-language']), vary: 'Accept-Language' });
      else if (path === '/enroll/enroll.js') send(res, 200, 'text/javascript; charset=utf-8', ENROLL_JS);
      else if (path === '/enroll/enroll.css') send(res, 200, 'text/css; charset=utf-8', ENROLL_CSS);
      else send(res, 404, 'text/plain; charset=utf-8', 'Not found');
      return true;
    }
    if (req.method !== 'POST' || (path !== '/enroll/start' && path !== '/enroll/confirm')) {
      err(res, 405, 'BAD_REQUEST');
      return true;
    }
    // JSON only: a cross-site form cannot send it without a CORS preflight this server never answers.
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      err(res, 415, 'BAD_REQUEST');
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('error', () => {});
    req.on('end', () => {
      if (size > MAX_BODY) return err(res, 413, 'BAD_REQUEST');
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return err(res, 400, 'BAD_REQUEST');
      }
      (path === '/enroll/start' ? start(req, res, body) : confirm(req, res, body)).catch((e: unknown) => {
        log?.(`enroll ${path} failed: ${toFactorDeskError(e).message}`);
        err(res, 500, 'INTERNAL');
      });
    });
    return true;
  };
}
