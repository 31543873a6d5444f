// Shared pieces for the end-to-end journey suites (test/e2e/journeys*.test.ts): a realistic HR
// export to import, base32 → bytes for computing TOTP codes from the key the app shows, a QR
// decoder for the on-screen code, a clock the test can move forward, and a scan of every channel
// response for secrets that only the issuing channels may carry.
import { writeFileSync } from 'node:fs';
import * as jsqrModule from 'jsqr';
import type { Locator, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import type { Clock } from '../../main/core/clock.ts';
import type { Harness } from './app-harness.ts';
import { base32Decode } from '../../main/core/base32.ts';

// ---- people in the HR export ---------------------------------------------------------------------------
export const KARI = { name: 'Kari Nordmann', email: 'kari.nordmann@example.no', phone: '+47 912 34 567', org: 'Eksempel AS' };
export const KARI_A = { name: 'Kari Andersen', email: 'kari.andersen@example.no', phone: '+47 913 00 111', org: 'Eksempel AS' };
export const PER = { name: 'Per Olsen', email: 'per.olsen@example.no', phone: '+47 934 56 789', org: 'Eksempel AS' };
export const OLA = { name: 'Ola Hansen', email: 'ola.hansen@example.no', phone: '+47 955 55 123', org: 'Eksempel AS' };

/** The first admin created at first run. */
export const ADMIN_OP = { name: 'anne.berg', displayName: 'Anne Berg', email: 'anne.berg@example.no', password: 'Fjellvann ved Lysefjorden i mars 2026' };

// Generated people: no first name starts with "kari", "per" or "ola", so the journeys' lookups
// find exactly the people they are about.
const FIRST = ['Anne', 'Bjørn', 'Camilla', 'Dag', 'Eirik', 'Frida', 'Geir', 'Hilde', 'Ingrid', 'Jon', 'Knut', 'Liv', 'Magnus', 'Nina', 'Oddvar', 'Randi', 'Sindre', 'Tone', 'Uno', 'Vibeke', 'Øystein', 'Åse'];
const LAST = ['Berg', 'Dahl', 'Eide', 'Fjeld', 'Haugen', 'Johansen', 'Lie', 'Moen', 'Næss', 'Pedersen', 'Solberg', 'Strand', 'Tangen', 'Vik', 'Aas'];

export interface HrExport {
  path: string;
  /** Data rows (good and bad), i.e. lines after the header. */
  rows: number;
  /** Physical line numbers (header = 1) of the rows that must be rejected, in file order. */
  badLines: number[];
}

/**
 * Writes last night's HR export: UTF-8 with BOM, ';'-separated, CRLF, header row, `goodRows`
 * generated users plus Kari, Kari Andersen, Per and Ola, and 12 bad lines spread through the file.
 */
export function writeHrExport(path: string, goodRows = 2000): HrExport {
  const header = 'email;name;phone;organization;external_id;status';
  const bad = [
    'not-an-email;Bad Email;+47 900 00 001;Eksempel AS;B001;', // not an email address
    'no.name@example.no;;+47 900 00 002;Eksempel AS;B002;', // name missing
    'bad.phone@example.no;Bad Phone;12345;Eksempel AS;B003;', // phone not international
    'few.fields@example.no;Few Fields;+47 900 00 004', // too few fields
    'many.fields@example.no;Many Fields;+47 900 00 005;Eksempel AS;B005;;extra', // too many fields
    'bad.status@example.no;Bad Status;+47 900 00 006;Eksempel AS;B006;retired', // unknown status
    ';No Email;+47 900 00 007;Eksempel AS;B007;', // email missing
    'letters.phone@example.no;Letters Phone;+47 abc de fgh;Eksempel AS;B008;', // phone with letters
    `long.name@example.no;${'N'.repeat(201)};+47 900 00 009;Eksempel AS;B009;`, // name too long
    `${'x'.repeat(250)}@example.no;Long Email;+47 900 00 010;Eksempel AS;B010;`, // email too long
    `long.org@example.no;Long Org;+47 900 00 011;${'O'.repeat(201)};B011;`, // organization too long
    'zero.phone@example.no;Zero Phone;+0 123 456 789;Eksempel AS;B012;', // phone starting +0
  ];
  const special = [KARI_A, KARI, PER, OLA].map((p, i) => `${p.email};${p.name};${p.phone};${p.org};S00${i + 1};active`);
  const good: string[] = [];
  for (let i = 0; i < goodRows; i++) {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
    const n = String(i + 1).padStart(5, '0');
    const email = `${first}.${last}.${n}@example.no`.toLowerCase().replace(/ø/g, 'o').replace(/å/g, 'a').replace(/æ/g, 'ae');
    const phone = `+47 4${n.slice(0, 2)} ${n.slice(2)} ${String(i % 100).padStart(2, '0')}`;
    good.push(`${email};${first} ${last};${phone};${i % 3 === 0 ? 'Eksempel AS' : 'Eksempel Drift AS'};E${n};`);
  }
  // Special people near the top (as real exports sort them), bad lines spread evenly.
  const lines: string[] = [header, ...good.slice(0, 10), ...special, ...good.slice(10)];
  const badLines: number[] = [];
  const step = Math.floor((lines.length - 20) / bad.length);
  bad.forEach((b, i) => {
    const at = 20 + i * step + i; // index in `lines` after earlier insertions
    lines.splice(at, 0, b);
    badLines.push(at + 1);
  });
  writeFileSync(path, '\uFEFF' + lines.join('\r\n') + '\r\n', 'utf8');
  return { path, rows: lines.length - 1, badLines };
}

// ---- TOTP and QR ---------------------------------------------------------------------------------------
/** RFC 4648 base32 (A–Z, 2–7; spaces, hyphens and padding ignored) to bytes. */
export function base32ToBytes(text: string): Buffer {
  const out = base32Decode(text);
  if (!out) throw new Error('not base32');
  return out;
}

/** The `secret` parameter of an otpauth:// URI. */
export function secretOfUri(uri: string): string {
  const s = new URL(uri).searchParams.get('secret');
  if (!s) throw new Error(`no secret in ${uri}`);
  return s;
}

type JsQR = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
function jsQR(): JsQR {
  let m: unknown = jsqrModule;
  while (typeof m !== 'function' && m && typeof m === 'object' && 'default' in m) m = (m as { default: unknown }).default;
  if (typeof m !== 'function') throw new Error('jsqr did not load');
  return m as JsQR;
}

/** Decodes the QR code shown in `el` (an element screenshot), as a phone camera would. */
export async function decodeQr(el: Locator): Promise<string | null> {
  const png = PNG.sync.read(await el.screenshot());
  return jsQR()(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height)?.data ?? null;
}

// ---- a clock the test moves ----------------------------------------------------------------------------
/** The real time plus an offset the test can advance (the idle lock), so codes still match real time. */
export class OffsetClock implements Clock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

// ---- secrets in channel responses ------------------------------------------------------------------------
/** Channels whose response is where a freshly issued secret is handed to the agent, once. */
export const ISSUING_CHANNELS = new Set(['session:first-run', 'session:second-factor', 'codes:issue-one-time', 'codes:backup', 'enrollment:reenroll', 'enrollment:regenerate', 'users:lost-phone', 'vault:rekey']);

/** Every secret the issuing channels handed out so far (compact form: no spaces or hyphens). */
export function issuedSecrets(h: Harness): string[] {
  const out = new Set<string>();
  const add = (s: unknown) => {
    if (typeof s === 'string' && s.length > 0) out.add(s.replace(/[\s-]/g, ''));
  };
  for (const { channel, result } of h.responses) {
    if (!result.ok || !ISSUING_CHANNELS.has(channel)) continue;
    const top = result.value as Record<string, unknown>;
    // The lost-phone answer nests its one-time code and its enrollment.
    for (const v of [top, top['oneTimeCode'], top['enrollment']].filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null)) addAll(v);
  }
  return [...out];

  function addAll(v: Record<string, unknown>): void {
    add(v['recoveryKey']);
    add(v['code']);
    add(v['key']);
    if (typeof v['uri'] === 'string') add(secretOfUri(v['uri']));
    for (const c of (v['codes'] as unknown[] | undefined) ?? []) add(c);
    for (const c of (v['backupCodes'] as unknown[] | undefined) ?? []) add(c);
  }
}

/** Responses of non-issuing channels that contain any issued secret (grouped or compact). */
export function leakedSecrets(h: Harness): Array<{ channel: string; secret: string }> {
  const secrets = issuedSecrets(h);
  const leaks: Array<{ channel: string; secret: string }> = [];
  for (const { channel, result } of h.responses) {
    if (ISSUING_CHANNELS.has(channel)) continue;
    const text = JSON.stringify(result);
    const squeezed = text.replace(/[\s-]/g, '');
    for (const s of secrets) {
      // Digits only (one-time codes): a whole number, not a piece of a timestamp.
      const re = /^\d+$/.test(s) ? new RegExp(`(?<!\\d)${s}(?!\\d)`) : new RegExp(s, 'i');
      if (re.test(text) || re.test(squeezed)) leaks.push({ channel, secret: s });
    }
  }
  return leaks;
}

// ---- page helpers --------------------------------------------------------------------------------------
/** `[data-testid="id"]`. */
export const tid = (id: string) => `[data-testid="${id}"]`;

/** The visible text of the whole page (what a person looking at the screen could read). */
export async function pageText(page: Page): Promise<string> {
  return page.evaluate(() => document.body.innerText);
}

/** The page's whole DOM as markup (attributes included), for "nothing of X remains" checks. */
export async function pageHtml(page: Page): Promise<string> {
  return page.evaluate(() => document.documentElement.outerHTML);
}

/** Signs in through the sign-in form with the keyboard (name, Tab, password, Enter). */
export async function signIn(h: Harness, name: string, password: string): Promise<void> {
  const p = h.page;
  await p.getByTestId('signin-form').waitFor();
  await p.getByTestId('signin-name').fill('');
  await p.getByTestId('signin-name').focus();
  await p.keyboard.type(name);
  await p.keyboard.press('Tab');
  await p.keyboard.type(password);
  await p.keyboard.press('Enter');
}

/** The responses of one channel so far. */
export function responsesOf<T = unknown>(h: Harness, channel: string): Array<{ ok: boolean; value?: T; error?: { code: string } }> {
  return h.responses.filter((r) => r.channel === channel).map((r) => r.result as never);
}
