import { DEFAULT_SETTINGS, readSettings, updateSettings, type Settings, type SettingsPatch } from '../../core/settings.ts';
import { chooseLogo } from '../../core/logo.ts';
import { pickedFile } from '../../platform/file-ports.ts';
import { storeOf } from '../../store/sqlite/sqlite-store.ts';
import type { Command } from '../command.ts';
import { checkInputFile, pathArg } from '../files.ts';
import { quoteArg, usageError } from '../output.ts';

type Key = keyof Settings;
const KEYS = Object.keys(DEFAULT_SETTINGS) as Key[];
const NUMBER_KEYS = new Set<Key>(['oneTimeCodeMinutes', 'enrollmentDeadlineDays', 'idleLockMinutes', 'velocityPerHour', 'velocityPerDay', 'syslogPort', 'smtpPort', 'approvalMinutes', 'approvalCooldownMinutes']);
const BOOLEAN_KEYS = new Set<Key>(['approveEveryReenrollment', 'approveEveryOneTimeCode']);
const JSON_KEYS = new Set<Key>(['identityChecks', 'reasonPresets', 'verification']);
/** Longer than any valid value (20 checks with two 120-character labels each); the rest is refused unread. */
const MAX_VALUE = 20_000;

/** The settings as shown: the logo only as set or none (its bytes are not for a terminal or a log). */
function shown(s: Settings): Omit<Settings, 'organizationLogo'> & { organizationLogo: 'set' | 'none' } {
  return { ...s, organizationLogo: s.organizationLogo === null ? 'none' : 'set' };
}

function asText(s: ReturnType<typeof shown>): string {
  return KEYS.map((k) => `${k}\t${typeof s[k] === 'string' || typeof s[k] === 'number' ? String(s[k]) : JSON.stringify(s[k])}`).join('\n');
}

function knownKey(raw: string): Key {
  const key = KEYS.find((k) => k === raw) ?? KEYS.find((k) => k.toLowerCase() === raw.toLowerCase());
  if (!key) throw usageError(`There is no setting called ${quoteArg(raw)}. The settings are: ${KEYS.join(', ')}.`, 'settings set');
  return key;
}

/** VALUE as the key's type: a whole number, JSON, or text (the service checks the rules). */
function parseValue(key: Key, raw: string): unknown {
  if (raw.length > MAX_VALUE) throw usageError(`The value for ${key} is too long.`, 'settings set');
  if (NUMBER_KEYS.has(key)) {
    const n = /^\s*[+-]?\d{1,15}\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n)) throw usageError(`The setting ${key} takes a whole number, e.g. ${String(DEFAULT_SETTINGS[key])}.`, 'settings set');
    return n;
  }
  if (BOOLEAN_KEYS.has(key)) {
    const v = raw.trim().toLowerCase();
    if (['true', 'on', 'yes', '1'].includes(v)) return true;
    if (['false', 'off', 'no', '0'].includes(v)) return false;
    throw usageError(`The setting ${key} takes on or off (true or false).`, 'settings set');
  }
  if (JSON_KEYS.has(key)) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw usageError(`The setting ${key} takes JSON, e.g. '${JSON.stringify(key === 'verification' ? { cooldownMinutes: 30 } : key === 'reasonPresets' ? DEFAULT_SETTINGS.reasonPresets.slice(0, 1) : DEFAULT_SETTINGS.identityChecks.slice(0, 1))}'.`, 'settings set');
    }
  }
  return raw;
}

export const settingsShow: Command = {
  name: 'settings show',
  summary: 'show the site settings',
  usage: ['settings show'],
  help: `Prints each setting as KEY<TAB>VALUE (JSON for identityChecks, reasonPresets and verification). The logo is
shown as "set" or "none", never its bytes.`,
  options: {},
  args: [],
  async run(ctx) {
    return ctx.withSession(async (vault, session) => {
      const s = shown(await readSettings(storeOf(vault), session));
      return { result: { settings: s }, text: asText(s) };
    });
  },
};

export const settingsSet: Command = {
  name: 'settings set',
  summary: 'change one site setting (admin)',
  usage: ['settings set KEY VALUE'],
  help: `Changes one setting, with the same rules and audit as the app's settings page.

  organizationName, issuer, supportContact   text
  oneTimeCodeMinutes                         whole number, 10–1440
  enrollmentDeadlineDays                     whole number, 1–30
  idleLockMinutes                            whole number, 1–60
  defaultCountryCode                         + and 1–3 digits, e.g. +47: given to phone numbers
                                             written without a country code (import, user form)
  velocityPerHour, velocityPerDay            whole numbers: factor changes per operator beyond
                                             these wait for a second person's approval
  approvalMinutes                            whole number, 5–1440: how long an approval request
                                             (and an approved one not yet run) lives
  approvalCooldownMinutes                    whole number, 5–1440: with a single admin, a waiting
                                             action may run after this, unless rejected
  approveEveryReenrollment                   on or off: every re-enrollment needs approval
  approveEveryOneTimeCode                    on or off: every one-time code needs approval
  identityChecks                             JSON list of {"id", "strong", "label": {"nb", "en"}}
  reasonPresets                              JSON list of {"nb", "en"}: the reasons the app offers
  verification                               JSON, e.g. '{"cooldownMinutes": 30}'
  alertLogPath                               absolute path of the alert log (one JSON line per
                                             alert, created 0600), or '' for none
  syslogHost, syslogPort, syslogProtocol     server mode: send alerts as RFC 5424 syslog to this
                                             host and port over udp or tcp ('' host: none)
  smtpHost, smtpPort                         the SMTP relay notifications are delivered through
                                             ('' host: none; export them instead)
  smtpStartTls                               required (default) or none (a relay on this host)
  smtpFrom, smtpUser                         the sender address; the relay user ('' for none),
                                             its password from FACTORDESK_SMTP_PASSWORD
  notificationLanguage                       nb or en: the language of the notifications
  organizationLogo                           a PNG, JPEG or SVG file of at most 200 kB, or none`,
  options: {},
  args: ['KEY', 'VALUE'],
  admin: true,
  async run(ctx, p) {
    const key = knownKey(p.args[0]!);
    const raw = p.args[1]!;
    let logo: { clear: true } | { file: ReturnType<typeof pickedFile> } | null = null;
    let patch: SettingsPatch = {};
    if (key === 'organizationLogo') {
      if (raw === 'none') logo = { clear: true };
      else {
        const path = pathArg(raw, 'logo file');
        checkInputFile(path, 'logo file');
        logo = { file: pickedFile(path) };
      }
    } else {
      patch = { [key]: parseValue(key, raw) } as SettingsPatch;
    }
    return ctx.withSession(async (vault, session) => {
      const store = storeOf(vault);
      const s = shown(logo ? await chooseLogo(store, session, logo) : await updateSettings(store, session, patch));
      const value = s[key];
      return { result: { settings: s }, text: asText(s), message: `${key} is now ${typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value)}.` };
    });
  },
};
