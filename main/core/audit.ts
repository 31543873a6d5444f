import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';

/** What an action records. Never a secret, code, hash or key: only who, what, why and outcome. */
export interface AuditInput {
  action: string;
  operator: string | null;
  userId?: number | null;
  userEmail?: string | null;
  checks?: string[] | null;
  ticket?: string | null;
  reason?: string | null;
  outcome: string;
  details?: Record<string, unknown>;
}

/** A stored audit event. */
export interface AuditEvent {
  seq: number;
  at: number;
  operator: string | null;
  action: string;
  userId: number | null;
  userEmail: string | null;
  checks: string[];
  ticket: string | null;
  reason: string | null;
  outcome: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** What an event stores of what an action records (absent fields as null or empty), before its place in the chain. */
export function eventContent(input: AuditInput): Omit<AuditEvent, 'seq' | 'at' | 'prevHash' | 'hash'> {
  return {
    operator: input.operator,
    action: input.action,
    userId: input.userId ?? null,
    userEmail: input.userEmail ?? null,
    checks: input.checks ?? [],
    ticket: input.ticket ?? null,
    reason: input.reason ?? null,
    outcome: input.outcome,
    details: input.details ?? {},
  };
}

/** The content of an event that its hash covers (times as ISO 8601 UTC), as exports carry it. */
export function hashedContent(e: Omit<AuditEvent, 'prevHash' | 'hash'>) {
  return {
    seq: e.seq,
    at: new Date(e.at).toISOString(),
    operator: e.operator,
    action: e.action,
    userId: e.userId,
    userEmail: e.userEmail,
    checks: e.checks,
    ticket: e.ticket,
    reason: e.reason,
    outcome: e.outcome,
    details: e.details,
  };
}

/** The canonical JSON (RFC 8785) of an event's content, which its hash covers. */
export function canonicalEvent(e: Omit<AuditEvent, 'prevHash' | 'hash'>): string {
  return canonicalize(hashedContent(e))!;
}

/** hash = SHA-256(prevHash ‖ canonical JSON), hex. Outside tools can recompute it from an export. */
export function eventHash(prevHash: string, canonical: string): string {
  return createHash('sha256').update(prevHash, 'utf8').update(canonical, 'utf8').digest('hex');
}

/** Result of a chain check. */
export interface ChainReport {
  ok: boolean;
  count: number;
  firstBroken: number | null; // seq (row position) of the first event that does not verify
  problem: string | null;
  /** What `problem` says, for a door that words it in its own language (the event is `firstBroken`). */
  problemCode: ChainProblem | null;
  anchor: 'ok' | 'missing' | 'ahead' | 'mismatch' | 'invalid';
}

/** How a chain breaks: an event missing, out of order, not linked to the one before, or changed. */
export type ChainProblem = 'missing' | 'out-of-order' | 'unlinked' | 'changed';

/** The anchor kept outside the database, with whether its MAC verified under the vault's key. */
export interface AuditAnchor {
  count: number;
  hash: string;
  valid: boolean;
}

/**
 * Checks the chain one event at a time, in storage order: sequence numbers must run 1..n without
 * gaps, each prevHash must be the hash before it and each hash must match the recomputed
 * canonical JSON. `report()` then compares the chain with the anchor kept outside the database:
 * an anchor ahead of the chain means events were lost (truncation, a deleted WAL); a different
 * hash at the anchored position means rewriting. `anchor` undefined checks the chain alone; null
 * is a vault whose anchor is missing, a problem once the chain has events (deleting the anchor
 * would hide a rolled-back database).
 */
export class AuditChainChecker {
  private readonly anchor: AuditAnchor | null | undefined;
  private prev = GENESIS_HASH;
  private expected = 1;
  private firstBroken: number | null = null;
  private problem: string | null = null;
  private problemCode: ChainProblem | null = null;
  private anchoredHash: string | null = null;

  constructor(anchor?: AuditAnchor | null) {
    this.anchor = anchor;
  }

  /** Takes the next event as stored. */
  add(e: AuditEvent): void {
    if (this.firstBroken === null) {
      if (e.seq !== this.expected) {
        this.firstBroken = this.expected;
        this.problem = e.seq > this.expected ? `event ${this.expected} is missing` : `event ${e.seq} is out of order`;
        this.problemCode = e.seq > this.expected ? 'missing' : 'out-of-order';
      } else if (e.prevHash !== this.prev) {
        this.firstBroken = e.seq;
        this.problem = `event ${e.seq} does not follow the event before it`;
        this.problemCode = 'unlinked';
      } else if (eventHash(this.prev, canonicalEvent(e)) !== e.hash) {
        this.firstBroken = e.seq;
        this.problem = `event ${e.seq} was changed after it was written`;
        this.problemCode = 'changed';
      }
    }
    if (this.anchor && e.seq === this.anchor.count) this.anchoredHash = e.hash;
    this.prev = e.hash;
    this.expected++;
  }

  /** The verdict over the events added so far. */
  report(): ChainReport {
    const anchor = this.anchor;
    const count = this.expected - 1;
    let state: ChainReport['anchor'] = 'missing';
    if (anchor) {
      if (!anchor.valid) state = 'invalid';
      else if (anchor.count > count) state = 'ahead';
      else if (anchor.count === 0 || this.anchoredHash === anchor.hash) state = 'ok';
      else state = 'mismatch';
    }
    const anchorOk = state === 'ok' || (state === 'missing' && (anchor === undefined || count === 0));
    return { ok: this.firstBroken === null && anchorOk, count, firstBroken: this.firstBroken, problem: this.problem, problemCode: this.problemCode, anchor: state };
  }
}

/** Checks a whole chain (e.g. `tx.audit.all()` inside one read) against the anchor. */
export async function checkAuditChain(events: AsyncIterable<AuditEvent> | Iterable<AuditEvent>, anchor?: AuditAnchor | null): Promise<ChainReport> {
  const c = new AuditChainChecker(anchor);
  for await (const e of events) c.add(e);
  return c.report();
}

/** Filter for listing events. Text matches ignore case (Unicode lower case, after NFC). */
export interface AuditFilter {
  userId?: number;
  operator?: string;
  /** The operator's name starts with this. */
  operatorPrefix?: string;
  /** The ticket contains this. */
  ticket?: string;
  /** Operator, action, user email, ticket, reason or details contain this. */
  text?: string;
  action?: string;
  actionPrefix?: string;
  from?: number;
  to?: number;
  beforeSeq?: number;
  limit?: number;
}

/** How filter text and stored text are compared: NFC, then lower case (the same in every store). */
export function foldFilterText(s: string): string {
  return s.normalize('NFC').toLowerCase();
}
