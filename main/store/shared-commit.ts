import type { ServerWriteTx } from './port.ts';

/** Writes at most in one shared commit (WriteOptions.coalesce), in either adapter. */
export const SHARED_COMMIT_MAX = 64;

/**
 * Waits for the end of this turn of the event loop (setImmediate: right after its I/O callbacks,
 * no timer). A shared commit starts after it, so the requests read in one turn share it; started
 * at once, the first would commit alone before the next is even read.
 */
export function afterThisTurn(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** One write waiting in a shared commit, with how its caller is answered. */
export interface SharedMember {
  fn: (tx: ServerWriteTx) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (err: unknown) => void;
}

/** Coalescing writes that share one transaction and COMMIT. */
export interface SharedCommit {
  members: SharedMember[];
}
