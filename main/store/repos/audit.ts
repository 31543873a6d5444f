import type { AuditEvent, AuditFilter, AuditInput } from '../../core/audit.ts';

/** The append-only, hash-chained audit log. */
export interface AuditRead {
  /** The chain head: number of events and the last hash. */
  head(): Promise<{ count: number; hash: string }>;
  /** Events newest first with optional filters. */
  list(filter: AuditFilter): Promise<AuditEvent[]>;
  /** Every event that matches the filter oldest first, its limit ignored (a filtered export). */
  matching(filter: AuditFilter): AsyncIterable<AuditEvent>;
  /** Every event oldest first, as stored (for verification and exports). */
  all(): AsyncIterable<AuditEvent>;
  /** The latest time recorded among the newest events (clock check); null when empty. */
  latestAt(): Promise<number | null>;
  /**
   * How many events `operator` wrote with one of `actions` and `outcome` at or after `since`
   * (velocity limits: counted in the store, so they hold across processes and restarts).
   */
  countSince(q: AuditCountQuery): Promise<number>;
}

/** What countSince counts. */
export interface AuditCountQuery {
  operator: string;
  actions: readonly string[];
  outcome: string;
  since: number;
}

export interface AuditRepo extends AuditRead {
  /**
   * Appends one event at the end of the chain, in this transaction; returns it with its hash.
   * In a coalesced write the store may chain it just after the COMMIT instead (WriteOptions.coalesce).
   */
  append(input: AuditInput, at: number): Promise<AuditEvent>;
  /**
   * This transaction does not move the anchor after its commit: a chain check that failed keeps
   * the old anchor as evidence instead of re-anchoring over the damage.
   */
  keepAnchor(): void;
}
