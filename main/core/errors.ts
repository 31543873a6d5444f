// The closed list of codes (and the details each may carry) lives in the contract, shared
// with the renderer; re-exported so main's imports stay as they were.
import type { ErrorCode, ReadOnlyReason } from '../../contract/errors.ts';
export { ERROR_CODES, type ErrorCode, type ReadOnlyReason } from '../../contract/errors.ts';

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
  // A read-only folder or file system: a change cannot be written (reads still work).
  if (family('SQLITE_READONLY') || code === 'EROFS') return readOnlyError('folder');
  if (family('SQLITE_IOERR') || family('SQLITE_CANTOPEN')) return new FactorDeskError('IO_ERROR', 'The vault could not be read or written (disk full, removed or read-only?). Nothing was changed.');
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) return new FactorDeskError('IO_ERROR', `A file operation failed (${e.code}).`);
  return new FactorDeskError('INTERNAL', 'Something went wrong inside FactorDesk.');
}

/** The `Result` envelope every entry point answers with. */
export type { Result } from '../../contract/errors.ts';

/** The refusal of a change in a session that can only read, saying why. */
export function readOnlyError(reason: ReadOnlyReason): FactorDeskError {
  return new FactorDeskError(
    'VAULT_READ_ONLY',
    reason === 'disk-full'
      ? 'The disk that holds the vault is full: this session can only look things up. Nothing was changed; free some space and try again (in the app: sign in again).'
      : 'The vault folder is read-only: this session can only look things up. Nothing was changed; make the folder writable and try again (in the app: sign in again).',
    { reason },
  );
}

/** Why an error means nothing can be written (a read-only folder, a full disk), or null for any other error. */
export function cannotWrite(err: unknown): ReadOnlyReason | null {
  const e = toFactorDeskError(err);
  if (e.code === 'DISK_FULL') return 'disk-full';
  if (e.code === 'VAULT_READ_ONLY') return e.details?.['reason'] === 'disk-full' ? 'disk-full' : 'folder';
  return null;
}
