/** Every error code a caller can see. Closed set: the renderer has a message per code and language. */
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
  'IO_ERROR',
  'CANCELLED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error with a code from the closed set; the message is for logs and the command line (English). */
export class FactorDeskError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'FactorDeskError';
    this.code = code;
    this.details = details;
  }
}

/** Shorthand for throwing a coded error. */
export function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new FactorDeskError(code, message, details);
}

/** Maps anything thrown to a coded error without leaking internals (no stack, no SQL). */
export function toFactorDeskError(err: unknown): FactorDeskError {
  if (err instanceof FactorDeskError) return err;
  const e = err as { code?: string; message?: string } | undefined;
  // SQLite reports extended codes (SQLITE_IOERR_SHMSIZE, SQLITE_BUSY_SNAPSHOT, …): match the family.
  const code = typeof e?.code === 'string' ? e.code : '';
  const family = (f: string) => code === f || code.startsWith(`${f}_`);
  // SHMSIZE: the WAL index could not be grown, which in practice means the disk is full.
  if (code === 'ENOSPC' || family('SQLITE_FULL') || code === 'SQLITE_IOERR_SHMSIZE') return new FactorDeskError('DISK_FULL', 'The disk is full. Free some space and try again; nothing was changed.');
  if (family('SQLITE_BUSY') || family('SQLITE_LOCKED')) return new FactorDeskError('VAULT_BUSY', 'The vault is busy in another FactorDesk process. Try again.');
  if (family('SQLITE_CORRUPT') || family('SQLITE_NOTADB')) return new FactorDeskError('VAULT_DAMAGED', 'The vault file is damaged. Restore it from the last backup.');
  if (family('SQLITE_IOERR') || family('SQLITE_CANTOPEN') || family('SQLITE_READONLY')) return new FactorDeskError('IO_ERROR', 'The vault could not be read or written (disk full, removed or read-only?). Nothing was changed.');
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) return new FactorDeskError('IO_ERROR', `A file operation failed (${e.code}).`);
  return new FactorDeskError('INTERNAL', 'Something went wrong inside FactorDesk.');
}

/** The `Result` envelope every entry point answers with. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: { code: ErrorCode; message: string } };
