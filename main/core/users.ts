import { fail, FactorDeskError } from './errors.ts';
import type { Session } from './session.ts';
import type { Store } from '../store/port.ts';
import type { UserRecord } from '../store/records.ts';
import { foldKey, identityKey } from './text.ts';
import { requireRole } from './roles.ts';
import { auditAs } from './actions.ts';
import { applyUser, type SmsFields, type UserFields } from './user-writer.ts';
import { currentSettings } from './settings.ts';

export { searchUsers, MAX_QUERY_LENGTH } from './user-search.ts';

/** A user whose factors the helpdesk manages. */
export interface User {
  id: number;
  externalId: string | null;
  email: string;
  name: string;
  phone: string | null;
  organization: string | null;
  status: 'active' | 'disabled';
  createdAt: number;
  updatedAt: number;
}

/** What a lookup list shows. */
export interface UserSummary {
  id: number;
  email: string;
  name: string;
  organization: string | null;
  status: 'active' | 'disabled';
}

/** Raw user fields as typed into a form or read from a CSV row. */
export interface UserInput {
  email: string;
  name: string;
  phone?: string | null;
  organization?: string | null;
  externalId?: string | null;
  status?: string | null;
}

export const MAX_EMAIL_LENGTH = 254;
export const MAX_LOCAL_PART_LENGTH = 64;
export const MAX_NAME_LENGTH = 200;
export const MAX_ORGANIZATION_LENGTH = 200;
export const MAX_EXTERNAL_ID_LENGTH = 128;

// Control, format (zero-width, bidi overrides) and separator characters: never part of an address.
// Lone surrogates (\p{Cs}) would be stored as U+FFFD, i.e. not as typed.
const FORBIDDEN_IN_EMAIL = /[\p{Cc}\p{Cf}\p{Cs}\p{Z}\s"<>()[\]\\,;:]/u;
// Control characters, lone surrogates and bidi/zero-width format characters are refused in names and ids.
const FORBIDDEN_IN_TEXT = /[\p{Cc}\p{Cs}\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/u;

/** Validates an email (one @, non-empty parts, no spaces or control characters, ≤ 254, a dotted or IDN domain); keeps the typed form and its identity key. */
export function normalizeEmail(input: unknown): { email: string; emailKey: string } {
  if (typeof input !== 'string') fail('BAD_REQUEST', 'The email address is missing.', { field: 'email', problem: 'missing' });
  const email = input.trim();
  if (email.length === 0) fail('BAD_REQUEST', 'The email address is missing.', { field: 'email', problem: 'missing' });
  if (email.length > MAX_EMAIL_LENGTH) fail('BAD_REQUEST', `The email address is longer than ${MAX_EMAIL_LENGTH} characters.`, { field: 'email', problem: 'too-long', max: MAX_EMAIL_LENGTH });
  if (FORBIDDEN_IN_EMAIL.test(email)) fail('BAD_REQUEST', 'The email address contains spaces, control characters or characters not allowed in an address.', { field: 'email', problem: 'email-chars' });
  const at = email.indexOf('@');
  if (at < 0 || email.indexOf('@', at + 1) >= 0) fail('BAD_REQUEST', 'The email address must contain exactly one @.', { field: 'email', problem: 'email-at' });
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length === 0) fail('BAD_REQUEST', 'The email address has nothing before the @.', { field: 'email', problem: 'email-no-local' });
  if (local.length > MAX_LOCAL_PART_LENGTH) fail('BAD_REQUEST', `The part before the @ is longer than ${MAX_LOCAL_PART_LENGTH} characters.`, { field: 'email', problem: 'email-local-too-long', max: MAX_LOCAL_PART_LENGTH });
  if (domain.length === 0) fail('BAD_REQUEST', 'The email address has no domain after the @.', { field: 'email', problem: 'email-no-domain' });
  const idn = /[^\x00-\x7F]/.test(domain);
  if (!idn && !domain.includes('.')) fail('BAD_REQUEST', 'The email domain must contain a dot (example.no).', { field: 'email', problem: 'email-domain-dot' });
  if (domain.split('.').some((label) => label.length === 0)) fail('BAD_REQUEST', 'The email domain has an empty part (two dots, or a dot at the start or end).', { field: 'email', problem: 'email-domain-part' });
  return { email, emailKey: identityKey(email) };
}

/**
 * Normalizes a phone number to E.164 (+ and 8–15 digits; spaces, hyphens and parentheses
 * removed); empty gives null. A local number (no + and no 00) gets `defaultCountryCode`, after
 * dropping one national trunk 0 (07700 900123 with +44 is +447700900123).
 * The callers pass the `defaultCountryCode` setting.
 */
export function normalizePhone(input: unknown, defaultCountryCode = '+47'): string | null {
  if (input === null || input === undefined) return null;
  if (typeof input !== 'string') fail('BAD_REQUEST', 'The phone number is not text.', { field: 'phone', problem: 'not-text' });
  if (!/^\+[1-9][0-9]{0,2}$/.test(defaultCountryCode)) fail('BAD_REQUEST', 'The default country code must be + and 1–3 digits, e.g. +47.', { field: 'phone' });
  let compact = input.replace(/[\s\-()]/g, '');
  if (compact.length === 0) return null;
  const howTo = `Write it as a local number (912 34 567) or with + and the country code (${defaultCountryCode === '+46' ? '+47' : '+46'} 70 123 45 67).`;
  if (/^00[1-9]/.test(compact)) compact = `+${compact.slice(2)}`;
  else if (/^[0-9]+$/.test(compact)) {
    const cc = defaultCountryCode.slice(1);
    // 4791234567: the country code typed without its +. Adding +47 again would make a wrong number.
    if (compact.startsWith(cc) && compact.length >= cc.length + 8) fail('BAD_REQUEST', `The phone number looks like it starts with a country code but has no + in front. ${howTo}`, { field: 'phone', problem: 'phone-country-code' });
    compact = `${defaultCountryCode}${compact.replace(/^0(?=[1-9])/, '')}`;
  }
  if (!/^\+[1-9][0-9]{7,14}$/.test(compact)) fail('BAD_REQUEST', `The phone number is not valid: it needs 8–15 digits, without letters or other signs. ${howTo}`, { field: 'phone', problem: 'phone-invalid' });
  return compact;
}

// A line break inside a quoted CSV cell (Alt+Enter in a spreadsheet) becomes a space in names.
function optionalText(input: unknown, field: string, label: string, max: number, collapse = true): string | null {
  if (input === null || input === undefined) return null;
  if (typeof input !== 'string') fail('BAD_REQUEST', `The ${label} is not text.`, { field, problem: 'not-text' });
  const v = (collapse ? input.replace(/\s+/g, ' ') : input).trim().normalize('NFC');
  if (v.length === 0) return null;
  if (v.length > max) fail('BAD_REQUEST', `The ${label} is longer than ${max} characters.`, { field, problem: 'too-long', max });
  if (FORBIDDEN_IN_TEXT.test(v)) fail('BAD_REQUEST', `The ${label} contains control characters.`, { field, problem: 'control-chars' });
  return v;
}

/** Validates one user's fields (form or CSV row); throws BAD_REQUEST naming the first bad field. A local phone number gets `defaultCountryCode`. */
export function validateUserInput(input: UserInput, defaultCountryCode = '+47'): UserFields {
  const { email, emailKey } = normalizeEmail(input.email);
  const name = optionalText(input.name, 'name', 'name', MAX_NAME_LENGTH);
  if (name === null) fail('BAD_REQUEST', 'The name is missing.', { field: 'name', problem: 'missing' });
  const phone = normalizePhone(input.phone, defaultCountryCode);
  const organization = optionalText(input.organization, 'organization', 'organization', MAX_ORGANIZATION_LENGTH);
  const externalId = optionalText(input.externalId, 'external_id', 'external id', MAX_EXTERNAL_ID_LENGTH, false);
  const statusText = optionalText(input.status, 'status', 'status', 16, false);
  let status: UserFields['status'] = null;
  if (statusText !== null) {
    const s = statusText.toLowerCase();
    if (s !== 'active' && s !== 'disabled') fail('BAD_REQUEST', 'The status must be active or disabled (or empty).', { field: 'status', problem: 'status-invalid' });
    status = s;
  }
  return { email, emailKey, name, nameKey: foldKey(name), phone, organization, externalId, status };
}

/**
 * Validates an imported SMS factor: the number as a phone number (a local one gets
 * `defaultCountryCode`), and its purpose: sign-in only unless it says approvals. An empty number
 * gives null (the user's SMS factor is left as it is; removing one is the audited "Remove SMS").
 */
export function validateSmsInput(phone: string | null, purpose: string | null, defaultCountryCode = '+47'): SmsFields | null {
  let number: string | null;
  try {
    number = normalizePhone(phone, defaultCountryCode);
  } catch (err) {
    if (!(err instanceof FactorDeskError)) throw err;
    throw new FactorDeskError('BAD_REQUEST', err.message.replace(/^The phone number/, 'The SMS number'), { ...err.details, field: 'sms' });
  }
  if (number === null) return null;
  const p = (purpose ?? '').trim().toLowerCase();
  if (p === '' || p === 'login' || p === 'login-only' || p === 'login only' || p === 'innlogging') return { phone: number, purpose: 'login' };
  if (/^(login[\s+,&/-]*(and[\s]+)?)?approvals?$/.test(p) || p === 'godkjenning' || p === 'innlogging og godkjenning') return { phone: number, purpose: 'approvals' };
  fail('BAD_REQUEST', 'The sms_purpose must be login (sign-in only) or approvals (sign-in and approving payments), or empty for login.', { field: 'sms_purpose', problem: 'sms-purpose-invalid' });
}

function toUser(r: UserRecord): User {
  const { emailKey: _e, nameKey: _n, ...user } = r;
  return user;
}

/** Looks a user up by id; null when there is none. */
export async function getUserById(store: Store, id: number): Promise<User | null> {
  if (!Number.isSafeInteger(id)) return null;
  const r = await store.read((tx) => tx.users.get(id));
  return r ? toUser(r) : null;
}

/** Finds the user whose email has the same identity key as `email` (exact, case-insensitive in every script, no letter changed); null when none. */
export async function findUserByEmail(store: Store, email: string): Promise<User | null> {
  if (typeof email !== 'string') return null;
  const key = identityKey(email);
  if (key.length === 0 || key.length > 4 * MAX_EMAIL_LENGTH) return null;
  const r = await store.read((tx) => tx.users.getByEmailKey(key));
  return r ? toUser(r) : null;
}

/**
 * Adds a user or updates the one with the same external id (else the same email) (admin), with
 * its audit event in the same transaction. Empty status keeps an existing user's status (new
 * users are active); empty phone clears it.
 */
export async function upsertUser(store: Store, session: Session, input: UserInput): Promise<{ user: User; outcome: 'inserted' | 'updated' | 'unchanged' }> {
  requireRole(session, 'users:import');
  const fields = validateUserInput(input, (await currentSettings(store)).defaultCountryCode);
  return store.write(async (tx) => {
    const now = store.clock.now();
    const r = await applyUser(tx, fields, now, session);
    if (r.kind === 'rejected') throw new FactorDeskError(r.code, r.reason, { field: r.field });
    if (r.kind === 'inserted') {
      await auditAs(tx, session, { action: 'user.add', userId: r.id, userEmail: fields.email, outcome: 'ok', details: { phone: fields.phone ? 'set' : 'none', status: fields.status ?? 'active' } }, now);
    } else if (r.kind === 'updated') {
      await auditAs(tx, session, { action: 'user.update', userId: r.id, userEmail: fields.email, outcome: 'ok', details: { fields: r.fields, changes: r.changes } }, now);
    }
    const user = await tx.users.get(r.id);
    return { user: toUser(user!), outcome: r.kind };
  });
}
