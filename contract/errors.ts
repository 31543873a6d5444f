/**
 * Every error code a caller can see, with the details each code may carry. Closed set: the
 * renderer has a message per code and language, and the IPC guard passes on only the details
 * listed here for the code it answers with (never whatever a service happened to attach).
 */
import { PERMISSION_IDS, type Permission } from './permissions.ts';
import { APPROVAL_STATUSES, type ApprovalStatus } from './approvals.ts';

export const ERROR_CODES = [
  'BAD_REQUEST', // payload failed its schema, or a field is malformed
  'FORBIDDEN', // role or sender not allowed
  'SESSION_LOCKED', // no unlocked session
  'SIGNIN_FAILED', // unknown name, wrong password or damaged slot: deliberately one code
  'OPERATOR_LOCKED', // too many failed sign-ins
  'RATE_LIMITED', // sign-in slowed down: try again later
  'WEAK_PASSWORD',
  'NOT_FOUND',
  'CONFLICT',
  'USER_DISABLED',
  'OWN_ACCOUNT',
  'OPERATOR_ACCOUNT', // an operator's own directory user: admins only
  'APPROVAL_REQUIRED', // over the velocity limits: a second person must approve
  'APPROVAL_PENDING', // the change was stored as a request another admin approves (nothing changed yet)
  'APPROVAL_CLOSED', // the approval request was decided, run or expired before
  'OWN_APPROVAL', // nobody approves their own request (or one on their own account)
  'CHECKS_REQUIRED', // identity-check policy not met
  'TICKET_REQUIRED',
  'REASON_REQUIRED',
  'NO_PENDING_ENROLLMENT',
  'USER_LOCKED', // locked for verification
  'CODE_REJECTED',
  'VAULT_MISSING',
  'VAULT_EXISTS',
  'VAULT_DAMAGED',
  'VAULT_NEWER',
  'WRONG_KEY',
  'SLOTS_INVALID',
  'BACKUP_INVALID',
  'VAULT_BUSY',
  'DISK_FULL',
  'VAULT_READ_ONLY', // the session can read but not write: a read-only folder, or a full disk
  'IO_ERROR',
  'CANCELLED',
  'NOT_IN_SERVER_MODE', // a desktop-only request sent to a server
  'SERVER_ONLY', // a server-only request sent to a solo vault
  'SERVER_UNREACHABLE', // the app's server does not answer (down, wrong address, network)
  'SERVER_KEY_CHANGED', // the server's key is not the pinned one: maybe not our server
  'SECOND_FACTOR_ENROLL', // first sign-in to a server: set up the operator's own second factor first
  'SERVICE_KEY_RETIRED', // service keys are retired: a login service uses a service client of `factordesk serve`
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Why a new password was refused (the rules of main/core/passwords.ts). */
export const PASSWORD_PROBLEMS = ['too-short', 'too-long', 'common', 'repetitive', 'sequential', 'name'] as const;
export type PasswordProblem = (typeof PASSWORD_PROBLEMS)[number];

/** Why a vault session can read but not write: the folder is read-only, or the disk is full. */
export const READ_ONLY_REASONS = ['folder', 'disk-full'] as const;
export type ReadOnlyReason = (typeof READ_ONLY_REASONS)[number];

/** Any error may name the form field it is about, so the UI can put the message there. */
export interface FieldDetail {
  field?: string;
}

/** The details a code may carry beyond `field`; a code not listed carries only `field`. */
export interface ErrorDetailMap {
  BAD_REQUEST: FieldDetail & {
    /** Dotted path inside a nested setting ("verification.lockAfter"). */
    path?: string;
    /** Bounds of a number that was out of range (e.g. one-time code minutes). */
    min?: number;
    max?: number;
    /** Identity-check ids that are not in the settings; an import file's header cells that name no column. */
    unknown?: string[];
    /** A refused import header (`field` 'header'): the required columns it lacks, those it names twice, and the columns allowed. */
    kind?: 'header';
    missing?: string[];
    duplicate?: string[];
    columns?: string[];
  };
  FORBIDDEN: FieldDetail & { permission?: Permission };
  RATE_LIMITED: FieldDetail & { seconds?: number };
  OPERATOR_LOCKED: FieldDetail & { until?: number };
  USER_LOCKED: FieldDetail & { until?: number };
  WEAK_PASSWORD: FieldDetail & { problem?: PasswordProblem };
  NOT_FOUND: FieldDetail & { userId?: number };
  APPROVAL_REQUIRED: FieldDetail & { window?: 'hour' | 'day'; limit?: number };
  APPROVAL_PENDING: FieldDetail & { approvalId?: number; expiresAt?: number; runnableAt?: number; status?: 'pending' | 'cooling' };
  APPROVAL_CLOSED: FieldDetail & { status?: ApprovalStatus };
  /** `other-vault`: a restore refused because the backup is of another vault. */
  CONFLICT: FieldDetail & { reason?: 'other-vault' };
  VAULT_READ_ONLY: FieldDetail & { reason?: ReadOnlyReason };
}

export type ErrorDetails<C extends ErrorCode> = C extends keyof ErrorDetailMap ? ErrorDetailMap[C] : FieldDetail;

/** An error as a caller receives it: the code decides the type of `details`. */
export type ApiError = { [C in ErrorCode]: { code: C; message: string; details?: ErrorDetails<C> } }[ErrorCode];

/** A coded error without details (a failed job's report, the vault status). */
export interface CodedError {
  code: ErrorCode;
  message: string;
}

/** The `Result` envelope every IPC answer uses (thrown errors lose their shape across IPC). */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** How one detail is checked before it may leave main: a primitive kind or a closed list of strings. */
export type DetailKind = 'string' | 'number' | 'string[]' | readonly string[];

type KindOf<T> = [T] extends [number] ? 'number' : [T] extends [readonly string[]] ? 'string[]' : string extends T ? 'string' : readonly T[];
type DetailTable = { [C in ErrorCode]: { [K in keyof ErrorDetails<C>]-?: KindOf<Exclude<ErrorDetails<C>[K], undefined>> } };

const field = { field: 'string' } as const;

/**
 * The details each code may carry across IPC, and how each is checked. Typed against
 * `ErrorDetails`, so a detail added to the types without an entry here (or the reverse) does
 * not compile.
 */
export const ERROR_DETAILS: DetailTable = {
  BAD_REQUEST: { ...field, path: 'string', min: 'number', max: 'number', unknown: 'string[]', kind: ['header'], missing: 'string[]', duplicate: 'string[]', columns: 'string[]' },
  FORBIDDEN: { ...field, permission: PERMISSION_IDS },
  SESSION_LOCKED: field,
  SIGNIN_FAILED: field,
  OPERATOR_LOCKED: { ...field, until: 'number' },
  RATE_LIMITED: { ...field, seconds: 'number' },
  WEAK_PASSWORD: { ...field, problem: PASSWORD_PROBLEMS },
  NOT_FOUND: { ...field, userId: 'number' },
  CONFLICT: { ...field, reason: ['other-vault'] },
  USER_DISABLED: field,
  OWN_ACCOUNT: field,
  OPERATOR_ACCOUNT: field,
  APPROVAL_REQUIRED: { ...field, window: ['hour', 'day'] as const, limit: 'number' },
  APPROVAL_PENDING: { ...field, approvalId: 'number', expiresAt: 'number', runnableAt: 'number', status: ['pending', 'cooling'] as const },
  APPROVAL_CLOSED: { ...field, status: APPROVAL_STATUSES },
  OWN_APPROVAL: field,
  CHECKS_REQUIRED: field,
  TICKET_REQUIRED: field,
  REASON_REQUIRED: field,
  NO_PENDING_ENROLLMENT: field,
  USER_LOCKED: { ...field, until: 'number' },
  CODE_REJECTED: field,
  VAULT_MISSING: field,
  VAULT_EXISTS: field,
  VAULT_DAMAGED: field,
  VAULT_NEWER: field,
  WRONG_KEY: field,
  SLOTS_INVALID: field,
  BACKUP_INVALID: field,
  VAULT_BUSY: field,
  NOT_IN_SERVER_MODE: field,
  SERVER_ONLY: field,
  SERVER_UNREACHABLE: field,
  SERVER_KEY_CHANGED: field,
  SECOND_FACTOR_ENROLL: field,
  SERVICE_KEY_RETIRED: field,
  DISK_FULL: field,
  VAULT_READ_ONLY: { ...field, reason: READ_ONLY_REASONS },
  IO_ERROR: field,
  CANCELLED: field,
  INTERNAL: field,
};
