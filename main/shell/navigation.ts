// Pure decisions about where the app window may go, what it may open and who may call IPC.
// No electron import: main/index.ts wires these into webContents and session events.
import { APP_ORIGIN } from './protocol.ts';

/** Hosts that external links may open in the system browser (exact match, https only). */
export const EXTERNAL_LINK_ALLOWLIST: readonly string[] = ['support.factordesk.example'];

/**
 * Returns `scheme://host[:port]` of a URL, or null when it has no host or carries userinfo.
 * Why not `URL.origin`: for non-special schemes such as `app:` it is the string "null".
 */
export function originOf(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.host === '' || u.username !== '' || u.password !== '') return null;
  return `${u.protocol}//${u.host}`;
}

/** True only for URLs on a trusted origin (by default the app's own `app://factordesk`). */
export function isAllowedNavigation(
  url: string,
  trustedOrigins: readonly string[] = [APP_ORIGIN],
): boolean {
  if (typeof url !== 'string') return false;
  const origin = originOf(url);
  return origin !== null && trustedOrigins.includes(origin);
}

/** `setWindowOpenHandler` result: the app never opens new Electron windows from page script. */
export function windowOpenHandler(): { action: 'deny' } {
  // Why: a new window would not carry our handlers; external links go through
  // checkExternalLink + shell.openExternal instead.
  return { action: 'deny' };
}

/** `session.setPermissionRequestHandler` handler: refuses every permission request. */
export function permissionRequestHandler(
  _webContents: unknown,
  _permission: string,
  callback: (granted: boolean) => void,
): void {
  // Why: the helpdesk UI needs no camera, microphone, notifications, clipboard-read, HID…
  callback(false);
}

/** `session.setPermissionCheckHandler` handler: reports every permission as not granted. */
export function permissionCheckHandler(): boolean {
  return false;
}

/** Result of checkExternalLink: the normalised URL to open, or why it was refused. */
export type ExternalLinkCheck = { ok: true; url: string } | { ok: false; reason: string };

const IPV4_RE = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Accepts only `https:` URLs on an exactly allow-listed host, for shell.openExternal. */
export function checkExternalLink(
  url: string,
  allowlist: readonly string[] = EXTERNAL_LINK_ALLOWLIST,
): ExternalLinkCheck {
  if (typeof url !== 'string' || url.length === 0) return { ok: false, reason: 'empty' };
  if (url.length > 2048) return { ok: false, reason: 'too long' };
  // Why: the URL parser silently drops tabs/newlines and turns `\` into `/`; the OS handler
  // that finally opens the link may not. Refuse anything that two parsers could read apart.
  if (/[\u0000-\u0020\u007f\\]/.test(url)) {
    return { ok: false, reason: 'whitespace, control character or backslash' };
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  // Only https: file:, smb: (leaks NTLM hashes on Windows), javascript:, data:, http:, custom
  // protocol handlers (ms-msdt: and friends) are how openExternal turns into code execution.
  if (u.protocol !== 'https:') return { ok: false, reason: `scheme ${u.protocol} not allowed` };
  // `https://support.factordesk.example@evil.com` has the allowed name as userinfo.
  if (u.username !== '' || u.password !== '') return { ok: false, reason: 'userinfo not allowed' };
  if (u.port !== '') return { ok: false, reason: 'non-default port' };
  const host = u.hostname;
  // The parser has already turned 0x7f.1, 2130706433 and friends into dotted decimal.
  if (IPV4_RE.test(host) || host.startsWith('[')) return { ok: false, reason: 'IP host' };
  // Unicode look-alikes (Cyrillic о in "suppоrt") arrive here as xn-- punycode labels.
  const allowed = allowlist.map((h) => h.toLowerCase());
  if (!allowed.includes(host) && host.split('.').some((l) => l.startsWith('xn--'))) {
    return { ok: false, reason: 'punycode host' };
  }
  // Exact match only: no suffix matching, so `support.factordesk.example.evil.com` and
  // `evil-support.factordesk.example` fail, and so does a trailing dot.
  if (!allowed.includes(host)) return { ok: false, reason: `host ${host} not allow-listed` };
  return { ok: true, url: u.href };
}

/** The part of an Electron WebFrameMain that isTrustedSender looks at. */
export interface SenderFrameLike {
  url: string;
  parent: unknown | null;
  detached?: boolean;
}

/** True when an IPC message comes from a live top-level frame on a trusted origin. */
export function isTrustedSender(
  frame: SenderFrameLike | null | undefined,
  topFrame?: unknown,
  trustedOrigins: readonly string[] = [APP_ORIGIN],
): boolean {
  // Why: any frame can call ipcRenderer through the preload once it runs in it; only the app's
  // own top-level page may reach handlers. A frame that navigated away or was destroyed
  // arrives as null, and reading a disposed WebFrameMain throws: both are refused.
  if (frame === null || frame === undefined) return false;
  try {
    if (frame.detached === true) return false;
    if (frame.parent !== null) return false;
    if (topFrame !== undefined && frame !== topFrame) return false;
    const origin = originOf(frame.url);
    return origin !== null && trustedOrigins.includes(origin);
  } catch {
    return false;
  }
}
