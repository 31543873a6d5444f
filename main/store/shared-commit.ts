import type { ServerWriteTx } from './port.ts';

/** Writes at most in one shared commit (WriteOptions.coalesce), in either adapter. */
export const SHARED_COMMIT_MAX = 64;

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
