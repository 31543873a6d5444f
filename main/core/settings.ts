import { z } from 'zod';
import { builtOnFirstUse } from './built-on-first-use.ts';
import { fail } from './errors.ts';
import type { Session } from './session.ts';
import type { ReadTx, Store, WriteTx } from '../store/port.ts';
import { requireRole } from './roles.ts';
import { auditAs } from './audit-as.ts';
import type { SettingsView } from '../../contract/index.ts';

/** One identity check an agent can tick; only `strong` checks satisfy the policy. */
export interface IdentityCheck {
  id: string;
  strong: boolean;
  label: { nb: string; en: string };
}

/** Site settings kept in the vault, so the app and the command line see the same ones. */
export interface Settings {
  organizationName: string;
  /** data: URL (png, svg or jpeg), at most 200 kB decoded. */
  organizationLogo: string | null;
  issuer: string;
  supportContact: string;
  oneTimeCodeMinutes: number;
  enrollmentDeadlineDays: number;
  idleLockMinutes: number;
  /** + and 1–3 digits, given to a phone number written without one (91234567 is +4791234567). */
  defaultCountryCode: string;
  /** The paper enrollment sheets are laid out for when the command line writes them as PDF. */
  paperSize: 'A4' | 'Letter';
  /** Velocity limits per operator (admins included): a factor change beyond these needs approval. */
  velocityPerHour: number;
  velocityPerDay: number;
  /** How long an approval request (and an approved one not yet run) lives, in minutes. */
  approvalMinutes: number;
  /** A site with a single admin: an action waiting for approval runs after this many minutes unless rejected. */
  approvalCooldownMinutes: number;
  /** Every re-enrollment (and new set-up code) needs a second person's approval. */
  approveEveryReenrollment: boolean;
  /** Every one-time code needs a second person's approval. */
  approveEveryOneTimeCode: boolean;
  identityChecks: IdentityCheck[];
  /** Reasons an agent picks in the action dialogs instead of typing (in both languages). */
  reasonPresets: ReasonPreset[];
  verification: { burnAfter: 5; lockAfter: 10; cooldownMinutes: number };
  /** An absolute file each alert is appended to as one JSON line (created 0600); empty for none. */
  alertLogPath: string;
  /** Server mode: the host alerts are sent to as RFC 5424 syslog; empty for none. */
  syslogHost: string;
  syslogPort: number;
  syslogProtocol: 'udp' | 'tcp';
  /** The SMTP relay notifications are delivered through; empty: no delivery (export only). */
  smtpHost: string;
  smtpPort: number;
  /** 'required': the relay must offer STARTTLS or nothing is sent; 'none': plain SMTP (a relay on the same host). */
  smtpStartTls: 'required' | 'none';
  /** The sender address of the notifications. */
  smtpFrom: string;
  /** The relay user; empty for none. The password is never a setting: FACTORDESK_SMTP_PASSWORD. */
  smtpUser: string;
  /** The language a notification is written in when the user's own is not known. */
  notificationLanguage: 'nb' | 'en';
}

/** One reason preset: the text the reason field takes, in the operator's language. */
export interface ReasonPreset {
  nb: string;
  en: string;
}

/** The check that may never count as strong: a request by e-mail alone proves nothing. */
export const WEAK_ONLY_CHECK = 'known-email';

/**
 * The growing delay after wrong codes (fixed by the policy, like burnAfter and lockAfter): from
 * `lockAfter` failures on, each further failure doubles the wait from the cool-down up to
 * `maxDelayMinutes`; at `hardLockAfter` consecutive failures (NIST SP 800-63B: at most 100) the
 * user stays locked until an admin clears the lock.
 */
export const VERIFY_POLICY = { maxDelayMinutes: 1440, hardLockAfter: 100 } as const;

/** Limits the policy allows; the issue fixes them, settings choose within them. */
export const LIMITS = {
  oneTimeCodeMinutes: { min: 10, max: 1440 },
  enrollmentDeadlineDays: { min: 1, max: 30 },
  idleLockMinutes: { min: 1, max: 60 },
  // The first wait can be at most the cap the doubling stops at.
  cooldownMinutes: { min: 1, max: VERIFY_POLICY.maxDelayMinutes },
  velocityPerHour: { min: 1, max: 10_000 },
  velocityPerDay: { min: 1, max: 100_000 },
  approvalMinutes: { min: 5, max: 1440 },
  approvalCooldownMinutes: { min: 5, max: 1440 },
  logoBytes: 200 * 1024,
} as const;

export const DEFAULT_SETTINGS: Settings = {
  organizationName: 'FactorDesk',
  organizationLogo: null,
  issuer: 'FactorDesk',
  // Empty until the site names it (first run asks): texts then say "the helpdesk" in their own language.
  supportContact: '',
  oneTimeCodeMinutes: 60,
  enrollmentDeadlineDays: 7,
  idleLockMinutes: 5,
  defaultCountryCode: '+47',
  paperSize: 'A4',
  velocityPerHour: 10,
  velocityPerDay: 30,
  approvalMinutes: 30,
  approvalCooldownMinutes: 60,
  approveEveryReenrollment: false,
  approveEveryOneTimeCode: false,
  identityChecks: [
    { id: 'callback', strong: true, label: { nb: 'Ringt tilbake på nummeret i katalogen', en: 'Called back on the directory number' } },
    { id: 'photo-id', strong: true, label: { nb: 'Legitimasjon med bilde sett ved oppmøte', en: 'Photo ID seen in person' } },
    { id: 'manager', strong: true, label: { nb: 'Bekreftet av brukerens leder', en: "Confirmed by the user's manager" } },
    { id: WEAK_ONLY_CHECK, strong: false, label: { nb: 'Forespørsel fra e-postadressen som er registrert', en: 'Request from the address on record' } },
  ],
  reasonPresets: [
    { nb: 'Mistet telefonen', en: 'Lost phone' },
    { nb: 'Ny telefon', en: 'New phone' },
    { nb: 'Telefonen er stjålet', en: 'Phone stolen' },
    { nb: 'Autentiseringsappen ble slettet', en: 'Authenticator app deleted' },
    { nb: 'Brukte opp reservekodene', en: 'Backup codes used up' },
  ],
  verification: { burnAfter: 5, lockAfter: 10, cooldownMinutes: 30 },
  alertLogPath: '',
  syslogHost: '',
  syslogPort: 514,
  syslogProtocol: 'udp',
  smtpHost: '',
  smtpPort: 587,
  smtpStartTls: 'required',
  smtpFrom: '',
  smtpUser: '',
  notificationLanguage: 'nb',
};

export const MAX_REASON_PRESETS = 20;

// No control characters or bidi overrides in anything that is printed or exported.
const plainText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !/[\p{Cc}\u202A-\u202E\u2066-\u2069]/u.test(s), 'must not contain control characters');

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const LOGO = /^data:image\/(png|jpeg|svg\+xml);base64,([A-Za-z0-9+/]+={0,2})$/;

/** Checks a logo data URL: type by its first bytes, size, and an SVG that cannot run or fetch anything. */
function logoProblem(url: string): string | null {
  if (url.length > Math.ceil((LIMITS.logoBytes * 4) / 3) + 64) return 'is larger than 200 kB';
  const m = LOGO.exec(url);
  if (!m) return 'must be a data: URL of a PNG, JPEG or SVG image';
  const bytes = Buffer.from(m[2]!, 'base64');
  if (bytes.length > LIMITS.logoBytes) return 'is larger than 200 kB';
  if (m[1] === 'png' && !bytes.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex'))) return 'is not a PNG image';
  if (m[1] === 'jpeg' && !bytes.subarray(0, 3).equals(Buffer.from('ffd8ff', 'hex'))) return 'is not a JPEG image';
  if (m[1] === 'svg+xml') {
    const text = bytes.toString('utf8');
    if (!/<svg[\s>]/i.test(text)) return 'is not an SVG image';
    // The printed sheet must make no external requests and run nothing.
    if (/<script|javascript:|<foreignObject|\son\w+\s*=/i.test(text)) return 'contains scripts';
    if (/(?:href|src)\s*=\s*["']?\s*(?!#|data:)[^"'\s>]/i.test(text)) return 'refers to outside files';
  }
  return null;
}

// Built on first use (see builtOnFirstUse), with the check schema only it uses.
const FIELDS = builtOnFirstUse(() => {
  const CheckSchema = z.strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lower-case letters, digits and hyphens, at most 32'),
    strong: z.boolean(),
    label: z.strictObject({ nb: plainText(120), en: plainText(120) }),
  });
  return {
    organizationName: plainText(120),
    organizationLogo: z
      .string()
      .nullable()
      .superRefine((v, ctx) => {
        const p = v === null ? null : logoProblem(v);
        if (p) ctx.addIssue({ code: 'custom', message: p });
      }),
    // A ':' would split the label an authenticator shows into the wrong issuer and account.
    issuer: plainText(64).refine((s) => !s.includes(':'), 'must not contain a colon'),
    // May be cleared again (empty: texts name the helpdesk in their own language).
    supportContact: z.union([z.string().trim().length(0), plainText(200)]),
    oneTimeCodeMinutes: int(LIMITS.oneTimeCodeMinutes.min, LIMITS.oneTimeCodeMinutes.max),
    enrollmentDeadlineDays: int(LIMITS.enrollmentDeadlineDays.min, LIMITS.enrollmentDeadlineDays.max),
    idleLockMinutes: int(LIMITS.idleLockMinutes.min, LIMITS.idleLockMinutes.max),
    // A country calling code: 1–3 digits, never starting with 0 (00 is an international prefix).
    defaultCountryCode: z
      .string()
      .trim()
      .transform((s) => s.replace(/^00/, '+').replace(/^(?=[1-9])/, '+'))
      .pipe(z.string().regex(/^\+[1-9][0-9]{0,2}$/, 'must be + and a country calling code of 1–3 digits, e.g. +47')),
    // 'a4' and 'letter' as typed on a command line are read as A4 and Letter.
    paperSize: z
      .string()
      .trim()
      .transform((s) => (s.toLowerCase() === 'a4' ? 'A4' : s.toLowerCase() === 'letter' ? 'Letter' : s))
      .pipe(z.enum(['A4', 'Letter'])),
    velocityPerHour: int(LIMITS.velocityPerHour.min, LIMITS.velocityPerHour.max),
    velocityPerDay: int(LIMITS.velocityPerDay.min, LIMITS.velocityPerDay.max),
    approvalMinutes: int(LIMITS.approvalMinutes.min, LIMITS.approvalMinutes.max),
    approvalCooldownMinutes: int(LIMITS.approvalCooldownMinutes.min, LIMITS.approvalCooldownMinutes.max),
    approveEveryReenrollment: z.boolean(),
    approveEveryOneTimeCode: z.boolean(),
    identityChecks: z
      .array(CheckSchema)
      .min(1)
      .max(20)
      .superRefine((checks, ctx) => {
        const ids = checks.map((c) => c.id);
        if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', message: 'check ids must be unique' });
        if (checks.some((c) => c.id === WEAK_ONLY_CHECK && c.strong)) ctx.addIssue({ code: 'custom', message: `${WEAK_ONLY_CHECK} (a request from the address on record) can never count as a strong check` });
        if (!checks.some((c) => c.strong)) ctx.addIssue({ code: 'custom', message: 'at least one check must be strong, or no action could ever be taken' });
      }),
    // A preset becomes the action's reason: the same text rules as a typed reason (at most 200 here).
    reasonPresets: z
      .array(z.strictObject({ nb: plainText(200), en: plainText(200) }))
      .max(MAX_REASON_PRESETS)
      .superRefine((list, ctx) => {
        for (const lang of ['nb', 'en'] as const) {
          const texts = list.map((p) => p[lang].toLowerCase());
          if (new Set(texts).size !== texts.length) ctx.addIssue({ code: 'custom', message: `must not list the same ${lang} text twice` });
        }
      }),
    verification: z.strictObject({
      // Fixed by the policy in the issue; accepted only with these values.
      burnAfter: z.literal(5),
      lockAfter: z.literal(10),
      cooldownMinutes: int(LIMITS.cooldownMinutes.min, LIMITS.cooldownMinutes.max),
    }),
    // An absolute path (the app, the command line and the server may run in other folders).
    alertLogPath: z.union([z.string().trim().length(0), plainText(1000).refine((s) => s.startsWith('/') || /^[A-Za-z]:[\\/]/.test(s) || s.startsWith('\\\\'), 'must be an absolute path')]),
    syslogHost: z.union([z.string().trim().length(0), plainText(253).refine((s) => /^[A-Za-z0-9.:\[\]-]+$/.test(s), 'must be a host name or an IP address')]),
    syslogPort: int(1, 65535),
    syslogProtocol: z.enum(['udp', 'tcp']),
    smtpHost: z.union([z.string().trim().length(0), plainText(253).refine((s) => /^[A-Za-z0-9.:\[\]-]+$/.test(s), 'must be a host name or an IP address')]),
    smtpPort: int(1, 65535),
    smtpStartTls: z.enum(['required', 'none']),
    // One plain address (no display name, no second address): it goes into the From header as is.
    smtpFrom: z.union([z.string().trim().length(0), plainText(254).refine((s) => /^[^\s@<>(),;:"\\]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(s), 'must be one e-mail address, e.g. helpdesk@example.no')]),
    smtpUser: z.union([z.string().trim().length(0), plainText(254)]),
    notificationLanguage: z.enum(['nb', 'en']),
  } as const;
});

type Key = keyof Settings;
let keyList: Key[] | undefined;
/** The settings' names, in the order of FIELDS. */
const keys = (): Key[] => (keyList ??= Object.keys(FIELDS) as Key[]);

/** The settings in force: defaults, overridden by each stored value that is still valid. */
export async function loadSettings(tx: ReadTx): Promise<Settings> {
  return settingsFrom(await tx.settings.all());
}

/** The settings in force, outside any transaction. */
export function currentSettings(store: Store): Promise<Settings> {
  return store.read((tx) => loadSettings(tx));
}

/** The rows settingsFrom saw last, and what it made of them (every routine verification reads the same rows). */
let lastRows: Array<{ key: string; value: string }> = [];
let lastSettings: Settings | null = null;

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** The settings the rows give: made once for the same rows, and frozen, since every caller shares the one object. */
function settingsFrom(rows: Array<{ key: string; value: string }>): Settings {
  const same = lastSettings !== null && rows.length === lastRows.length && rows.every((r, i) => r.key === lastRows[i]!.key && r.value === lastRows[i]!.value);
  if (same) return lastSettings!;
  const made = deepFreeze(parseSettings(rows));
  lastRows = rows.map((r) => ({ key: r.key, value: r.value }));
  lastSettings = made;
  return made;
}

function parseSettings(rows: Array<{ key: string; value: string }>): Settings {
  const out = structuredClone(DEFAULT_SETTINGS) as unknown as Record<Key, unknown>;
  for (const r of rows) {
    if (!(keys() as string[]).includes(r.key)) continue;
    try {
      const parsed = FIELDS[r.key as Key].safeParse(JSON.parse(r.value));
      // A stored value that no longer passes the rules falls back to the default, never weaker.
      if (parsed.success) out[r.key as Key] = parsed.data;
    } catch {
      /* unreadable value: keep the default */
    }
  }
  return out as unknown as Settings;
}

/** What a first run may set beside the admin: the organisation's name and the support contact. */
export interface SiteBasics {
  organizationName?: string;
  supportContact?: string;
}

/** Validates the first run's site basics with the settings' own rules (BAD_REQUEST naming the field). */
export function checkSiteBasics(site: SiteBasics): Partial<SiteBasics> {
  const out: Partial<SiteBasics> = {};
  for (const key of ['organizationName', 'supportContact'] as const) {
    const v = site[key];
    if (v === undefined || (typeof v === 'string' && v.trim() === '')) continue;
    const parsed = FIELDS[key].safeParse(v);
    if (!parsed.success) fail('BAD_REQUEST', `The setting ${key} ${describeIssue(parsed.error.issues[0])}. Correct it and try again.`, { field: key });
    out[key] = parsed.data as string;
  }
  return out;
}

/** Stores the checked site basics in a write transaction; returns the keys written (for the audit). */
export async function putSiteBasics(tx: WriteTx, site: Partial<SiteBasics>, now: number): Promise<string[]> {
  const keys = Object.keys(site) as Array<keyof SiteBasics>;
  for (const k of keys) await tx.settings.put(k, JSON.stringify(site[k]), now);
  return keys;
}

/** Reads the settings (any operator). */
export function readSettings(store: Store, session: Session): Promise<Settings> {
  requireRole(session, 'settings:read');
  return currentSettings(store);
}

/**
 * A change to the settings. Wider than `Partial<Settings>` on purpose: it is untrusted input
 * (IPC, command line) that `updateSettings` validates, and the verification policy may be sent in part.
 */
export type SettingsPatch = Partial<Omit<Settings, 'verification'>> & { verification?: Partial<{ burnAfter: number; lockAfter: number; cooldownMinutes: number }> };

/** Changes settings (admin); each field is validated, the audit names the changed keys only. */
export async function updateSettings(store: Store, session: Session, patch: SettingsPatch): Promise<Settings> {
  requireRole(session, 'settings:write');
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) fail('BAD_REQUEST', 'Send the settings to change as an object.', { field: 'settings' });
  for (const k of Object.keys(patch)) {
    if (!(keys() as string[]).includes(k)) fail('BAD_REQUEST', `There is no setting called "${k}".`, { field: k });
  }
  return store.write(async (tx) => {
    const current = await loadSettings(tx);
    const changed: Key[] = [];
    const now = store.clock.now();
    for (const key of keys()) {
      let input: unknown = (patch as Record<string, unknown>)[key];
      if (input === undefined) continue;
      // The verification policy may be sent in part: only the cool-down is really adjustable.
      if (key === 'verification' && typeof input === 'object' && input !== null) input = { ...current.verification, ...input };
      const parsed = FIELDS[key].safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = [key, ...(issue?.path ?? []).map(String)].join('.');
        fail('BAD_REQUEST', `The setting ${where} ${describeIssue(issue)}. Correct it and save again.`, { field: key, path: where });
      }
      if (JSON.stringify(parsed.data) === JSON.stringify(current[key])) continue;
      await tx.settings.put(key, JSON.stringify(parsed.data), now);
      changed.push(key);
    }
    // Only the names of what changed: never the logo bytes, and nothing that could be a secret.
    if (changed.length > 0) await auditAs(tx, session, { action: 'settings.update', outcome: 'ok', details: { changed } }, now);
    return loadSettings(tx);
  });
}

/** Plain words for a validation problem. */
function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'is not valid';
  const i = issue as { code: string; message: string; minimum?: unknown; maximum?: unknown; origin?: string; values?: unknown[] };
  if (i.code === 'custom' || i.code === 'invalid_format') return i.message;
  const unit = i.origin === 'string' ? ' characters' : i.origin === 'array' ? ' entries' : '';
  if (i.code === 'too_small') return `must be at least ${String(i.minimum)}${unit}`;
  if (i.code === 'too_big') return `must be at most ${String(i.maximum)}${unit}`;
  if (i.code === 'invalid_type') return 'has the wrong type';
  if (i.code === 'invalid_value') return `must be ${(i.values ?? []).map(String).join(' or ')}`;
  if (i.code === 'unrecognized_keys') return 'has fields that do not belong there';
  return 'is not valid';
}

/** The identity check with `id`, or undefined. `known-email` never counts as strong, whatever is stored. */
export function findCheck(settings: Settings, id: string): IdentityCheck | undefined {
  const c = settings.identityChecks.find((x) => x.id === id);
  return c && c.id === WEAK_ONLY_CHECK ? { ...c, strong: false } : c;
}

/** The settings as an operator sees them, with whether the delivering process holds the relay password (never the password). */
export function settingsView(s: Settings, smtpPasswordSet: boolean): SettingsView {
  return { ...s, smtpPasswordSet };
}
