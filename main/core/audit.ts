import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import type { Db } from '../store/sqlite/database.ts';

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

interface Row {
  seq: number;
  at: number;
  operator: string | null;
  action: string;
  user_id: number | null;
  user_email: string | null;
  checks: string | null;
  ticket: string | null;
  reason: string | null;
  outcome: string;
  details: string;
  prev_hash: string;
  hash: string;
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

/** The chain head: number of events and the last hash. */
export function auditHead(db: Db): { count: number; hash: string } {
  const row = db.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
  return row ? { count: row.seq, hash: row.hash } : { count: 0, hash: GENESIS_HASH };
}

/** Appends one event; call inside the write transaction of the action it records. */
export function appendAudit(db: Db, input: AuditInput, at: number): AuditEvent {
  const head = auditHead(db);
  const e = {
    seq: head.count + 1,
    at,
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
  const hash = eventHash(head.hash, canonicalEvent(e));
  db.prepare(
    `INSERT INTO audit_events (seq, at, operator, action, user_id, user_email, checks, ticket, reason, outcome, details, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(e.seq, e.at, e.operator, e.action, e.userId, e.userEmail, JSON.stringify(e.checks), e.ticket, e.reason, e.outcome, JSON.stringify(e.details), head.hash, hash);
  return { ...e, prevHash: head.hash, hash };
}

function fromRow(r: Row): AuditEvent {
  return {
    seq: r.seq,
    at: r.at,
    operator: r.operator,
    action: r.action,
    userId: r.user_id,
    userEmail: r.user_email,
    checks: r.checks ? (JSON.parse(r.checks) as string[]) : [],
    ticket: r.ticket,
    reason: r.reason,
    outcome: r.outcome,
    details: JSON.parse(r.details) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** Result of a chain check. */
export interface ChainReport {
  ok: boolean;
  count: number;
  firstBroken: number | null; // seq (row position) of the first event that does not verify
  problem: string | null;
  anchor: 'ok' | 'missing' | 'ahead' | 'mismatch' | 'invalid';
}

/**
 * Walks the whole chain: sequence numbers must run 1..n without gaps, each prev_hash must be the
 * hash before it and each hash must match the recomputed canonical JSON. Then the chain is
 * compared with the anchor kept outside the database: an anchor ahead of the chain means events
 * were lost (truncation, a deleted WAL); a different hash at the anchored position means rewriting.
 */
export function verifyAuditChain(db: Db, anchor?: { count: number; hash: string; valid: boolean } | null): ChainReport {
  let prev = GENESIS_HASH;
  let expected = 1;
  let firstBroken: number | null = null;
  let problem: string | null = null;
  let anchoredHash: string | null = null;
  const stmt = db.prepare('SELECT * FROM audit_events ORDER BY rowid');
  for (const raw of stmt.iterate() as IterableIterator<Row>) {
    const e = fromRow(raw);
    if (firstBroken === null) {
      if (e.seq !== expected) {
        firstBroken = expected;
        problem = e.seq > expected ? `event ${expected} is missing` : `event ${e.seq} is out of order`;
      } else if (e.prevHash !== prev) {
        firstBroken = e.seq;
        problem = `event ${e.seq} does not follow the event before it`;
      } else if (eventHash(prev, canonicalEvent(e)) !== e.hash) {
        firstBroken = e.seq;
        problem = `event ${e.seq} was changed after it was written`;
      }
    }
    if (anchor && e.seq === anchor.count) anchoredHash = e.hash;
    prev = e.hash;
    expected++;
  }
  const count = expected - 1;
  let anchorState: ChainReport['anchor'] = 'missing';
  if (anchor) {
    if (!anchor.valid) anchorState = 'invalid';
    else if (anchor.count > count) anchorState = 'ahead';
    else if (anchor.count === 0 || anchoredHash === anchor.hash) anchorState = 'ok';
    else anchorState = 'mismatch';
  }
  // No anchor given (undefined): the chain alone is checked. A vault's anchor that is missing
  // (null) while the chain has events is a problem: deleting it would hide a rolled-back database.
  const anchorOk = anchorState === 'ok' || (anchorState === 'missing' && (anchor === undefined || count === 0));
  const ok = firstBroken === null && anchorOk;
  return { ok, count, firstBroken, problem, anchor: anchorState };
}

/** Filter for listing events. */
export interface AuditFilter {
  userId?: number;
  operator?: string;
  action?: string;
  actionPrefix?: string;
  from?: number;
  to?: number;
  beforeSeq?: number;
  limit?: number;
}

/** Lists events newest first with optional filters. */
export function listAudit(db: Db, f: AuditFilter = {}): AuditEvent[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.userId !== undefined) (where.push('user_id = ?'), args.push(f.userId));
  if (f.operator !== undefined) (where.push('operator = ?'), args.push(f.operator));
  if (f.action !== undefined) (where.push('action = ?'), args.push(f.action));
  if (f.actionPrefix !== undefined) (where.push("substr(action, 1, length(?)) = ?"), args.push(f.actionPrefix, f.actionPrefix));
  if (f.from !== undefined) (where.push('at >= ?'), args.push(f.from));
  if (f.to !== undefined) (where.push('at < ?'), args.push(f.to));
  if (f.beforeSeq !== undefined) (where.push('seq < ?'), args.push(f.beforeSeq));
  const limit = Math.min(Math.max(f.limit ?? 100, 1), 10_000);
  const sql = `SELECT * FROM audit_events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ${limit}`;
  return (db.prepare(sql).all(...args) as Row[]).map(fromRow);
}

/** Iterates every event oldest first (for exports). */
export function* iterateAudit(db: Db): Generator<AuditEvent> {
  for (const r of db.prepare('SELECT * FROM audit_events ORDER BY seq').iterate() as IterableIterator<Row>) yield fromRow(r);
}
