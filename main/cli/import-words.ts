// How the command line words an import's rejected rows and a refused header, in English or
// bokmål (the app words the same codes in its locales). The column names stay as in the file.
import type { ImportRejectCode, ImportRejection } from '../../contract/index.ts';
import type { CliLanguage } from './language.ts';

type Params = NonNullable<ImportRejection['params']>;
type Words = Record<ImportRejectCode, (p: Params, reason: string) => string>;

const EN: Words = {
  'quote-not-doubled': () => 'a quote inside a quoted field is not doubled (""), or text follows the closing quote',
  'stray-quote': () => 'a quote in the middle of a field: put the field in quotes and double the quote ("")',
  'quote-not-closed': () => 'a quoted field is not closed',
  'field-count': () => 'the row has a different number of fields than the header',
  'line-too-long': (p) => `the line is longer than ${p.maxKb ?? 64} kB`,
  'line-not-utf-8': () => 'the line is not valid UTF-8 (does the file mix encodings?)',
  'line-unreadable': () => 'the line cannot be read',
  missing: (p) => `the ${p.field ?? ''} column is empty`,
  'too-long': (p) => `the ${p.field ?? ''} column is longer than ${p.max ?? ''} characters`,
  'control-chars': (p) => `the ${p.field ?? ''} column contains control characters`,
  'not-text': (p) => `the ${p.field ?? ''} column is not text`,
  'email-chars': () => 'the email address contains spaces or characters not allowed in an address',
  'email-at': () => 'the email address must contain exactly one @',
  'email-no-local': () => 'the email address has nothing before the @',
  'email-local-too-long': (p) => `the part of the email address before the @ is longer than ${p.max ?? 64} characters`,
  'email-no-domain': () => 'the email address has no domain after the @',
  'email-domain-dot': () => 'the email domain must contain a dot (example.no)',
  'email-domain-part': () => 'the email domain has an empty part (two dots, or a dot at the start or end)',
  'phone-country-code': (p) => `the ${p.field ?? 'phone'} number seems to start with a country code but has no + in front`,
  'phone-invalid': (p) => `the ${p.field ?? 'phone'} number is not valid: it needs 8–15 digits`,
  'status-invalid': () => 'the status must be active or disabled (or empty)',
  'sms-purpose-invalid': () => 'the sms_purpose must be login or approvals (or empty for login)',
  'email-taken': (p) => `the address ${p.email ?? ''} belongs to another user`,
  'email-other-external-id': (p) => `the address ${p.email ?? ''} belongs to a user with another external id`,
  'own-account': () => 'your own user account must be changed by another admin',
  invalid: (_p, reason) => reason,
};

const NB: Words = {
  'quote-not-doubled': () => 'et anførselstegn inne i et felt i anførselstegn er ikke doblet (""), eller det står tekst etter det avsluttende anførselstegnet',
  'stray-quote': () => 'et anførselstegn midt i et felt: sett feltet i anførselstegn og doble anførselstegnet ("")',
  'quote-not-closed': () => 'et felt i anførselstegn er ikke avsluttet',
  'field-count': () => 'raden har et annet antall felt enn overskriftsraden',
  'line-too-long': (p) => `linjen er lengre enn ${p.maxKb ?? 64} kB`,
  'line-not-utf-8': () => 'linjen er ikke gyldig UTF-8 (blander filen tegnkodinger?)',
  'line-unreadable': () => 'linjen kan ikke leses',
  missing: (p) => `kolonnen ${p.field ?? ''} er tom`,
  'too-long': (p) => `kolonnen ${p.field ?? ''} er lengre enn ${p.max ?? ''} tegn`,
  'control-chars': (p) => `kolonnen ${p.field ?? ''} inneholder kontrolltegn`,
  'not-text': (p) => `kolonnen ${p.field ?? ''} er ikke tekst`,
  'email-chars': () => 'e-postadressen inneholder mellomrom eller tegn som ikke er tillatt i en adresse',
  'email-at': () => 'e-postadressen må inneholde nøyaktig én @',
  'email-no-local': () => 'e-postadressen har ingenting foran @',
  'email-local-too-long': (p) => `delen av e-postadressen foran @ er lengre enn ${p.max ?? 64} tegn`,
  'email-no-domain': () => 'e-postadressen har ikke noe domene etter @',
  'email-domain-dot': () => 'e-postdomenet må inneholde et punktum (example.no)',
  'email-domain-part': () => 'e-postdomenet har en tom del (to punktum, eller punktum først eller sist)',
  'phone-country-code': (p) => `nummeret i ${p.field ?? 'phone'} ser ut til å begynne med en landkode, men har ikke + foran`,
  'phone-invalid': (p) => `nummeret i ${p.field ?? 'phone'} er ikke gyldig: det trenger 8–15 sifre`,
  'status-invalid': () => 'status må være active eller disabled (eller tom)',
  'sms-purpose-invalid': () => 'sms_purpose må være login eller approvals (eller tom for login)',
  'email-taken': (p) => `adressen ${p.email ?? ''} tilhører en annen bruker`,
  'email-other-external-id': (p) => `adressen ${p.email ?? ''} tilhører en bruker med en annen ekstern id`,
  'own-account': () => 'din egen brukerkonto må endres av en annen administrator',
  invalid: (_p, reason) => `ugyldig verdi (${reason})`,
};

/** Why a row was rejected, in `language`. */
export function rejectionText(r: ImportRejection, language: CliLanguage): string {
  const words = (language === 'nb' ? NB : EN)[r.code] ?? EN.invalid;
  return words(r.params ?? {}, r.reason);
}

/** A refused header, naming the columns it could not map, those it lacks, and the columns allowed; null when `details` are not a header's. */
export function headerText(details: Record<string, unknown> | undefined, language: CliLanguage): string | null {
  if (details?.['kind'] !== 'header') return null;
  const list = (k: string): string[] => (Array.isArray(details[k]) ? (details[k] as unknown[]).filter((x): x is string => typeof x === 'string') : []);
  const unknown = list('unknown').map((c) => JSON.stringify(c));
  const missing = list('missing');
  const duplicate = list('duplicate');
  const columns = list('columns').join(', ');
  const nb = language === 'nb';
  const parts: string[] = [];
  if (unknown.length) parts.push(nb ? `Overskriftsraden har kolonner som ikke kan brukes: ${unknown.join(', ')}.` : `The header has columns that cannot be mapped: ${unknown.join(', ')}.`);
  if (missing.length) parts.push(nb ? `Disse påkrevde kolonnene mangler: ${missing.join(', ')}.` : `These required columns are missing: ${missing.join(', ')}.`);
  if (duplicate.length) parts.push(nb ? `Kolonnen ${duplicate.join(', ')} står to ganger.` : `The column ${duplicate.join(', ')} is named twice.`);
  parts.push(nb ? `Tillatte kolonner: ${columns} (de fire første er påkrevd).` : `Allowed columns: ${columns} (the first four are required).`);
  return parts.join(' ');
}
