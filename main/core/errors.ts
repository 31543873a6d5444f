// The closed list of codes (and the details each may carry) lives in the contract, shared
// with the renderer; re-exported so main's imports stay as they were.
import type { ErrorCode } from '../../contract/errors.ts';
export { ERROR_CODES, type ErrorCode } from '../../contract/errors.ts';

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
export type { Result } from '../../contract/errors.ts';
