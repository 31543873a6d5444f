// Why an import row is refused, as a code and parameters that each door words in its language
// (the renderer in en and nb, the command line by its locale). Pure: no imports.

/** Why one row of an import file is rejected. */
export const IMPORT_REJECT_CODES = [
  // The line as CSV
  'quote-not-doubled', // a quote inside a quoted field is not doubled, or text follows the closing quote
  'stray-quote', // a quote in the middle of an unquoted field
  'quote-not-closed',
  'field-count', // a different number of fields than the header
  'line-too-long', // params: maxKb
  'line-not-utf-8',
  'line-unreadable',
  // A field's value (params: field, the CSV column; max where a length is exceeded)
  'missing',
  'too-long',
  'control-chars',
  'not-text',
  'email-chars',
  'email-at',
  'email-no-local',
  'email-local-too-long',
  'email-no-domain',
  'email-domain-dot',
  'email-domain-part',
  'phone-country-code', // a country code without its +
  'phone-invalid',
  'status-invalid',
  'sms-purpose-invalid',
  // Against the directory (params: email)
  'email-taken', // the address belongs to another user
  'email-other-external-id', // the address belongs to a user with another external id
  'own-account', // the operator's own user account
  'invalid', // anything else (the English reason says what)
] as const;
export type ImportRejectCode = (typeof IMPORT_REJECT_CODES)[number];

/** A rejected row: its physical line (1 = the header), the English reason (logs, the CSV report) and the code the doors word. */
export interface ImportRejection {
  line: number;
  reason: string;
  code: ImportRejectCode;
  params?: { field?: string; max?: number; maxKb?: number; email?: string };
}

/**
 * What a dry run of an import found, writing nothing: how many rows would add a user, change
 * one, leave one as it is, or be rejected; the first rejected rows (`rejected`, at most
 * IMPORT_PREVIEW_REJECTED) with their reasons. `stopped` when the file could not be read to the end.
 */
export interface ImportPreview {
  rows: number;
  new: number;
  changed: number;
  unchanged: number;
  rejectedCount: number;
  rejected: ImportRejection[];
  encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';
  encodingGuessed: boolean;
  cancelled: boolean;
  stopped: { line: number; reason: string; kind: 'read' } | null;
}

/** How many rejected rows a preview lists (the counts cover all of them). */
export const IMPORT_PREVIEW_REJECTED = 200;

/** The columns an import file may have; the first four are required. */
export const IMPORT_COLUMNS = ['email', 'name', 'phone', 'organization', 'external_id', 'status', 'sms', 'sms_purpose'] as const;
export const REQUIRED_IMPORT_COLUMNS = ['email', 'name', 'phone', 'organization'] as const;
