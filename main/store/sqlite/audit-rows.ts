import type { Db } from './database.ts';
import { AuditChainChecker, canonicalEvent, eventContent, foldFilterText, eventHash, GENESIS_HASH, type AuditAnchor, type AuditEvent, type AuditFilter, type AuditInput, type ChainReport } from '../../core/audit.ts';
import { prepared } from './tx-state.ts';

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

/** The chain head: number of events and the last hash. */
export function auditHeadRow(db: Db): { count: number; hash: string } {
  const row = prepared(db, 'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
  return row ? { count: row.seq, hash: row.hash } : { count: 0, hash: GENESIS_HASH };
}

/** The hash of event `seq`; undefined when there is none. */
export function auditHashAt(db: Db, seq: number): string | undefined {
  return (prepared(db, 'SELECT hash FROM audit_events WHERE seq = ?').get(seq) as { hash: string } | undefined)?.hash;
}

/** Appends one event at the end of the chain; the caller holds the write transaction. */
export function appendAuditRow(db: Db, input: AuditInput, at: number): AuditEvent {
  const head = auditHeadRow(db);
  const e = { seq: head.count + 1, at, ...eventContent(input) };
  const hash = eventHash(head.hash, canonicalEvent(e));
  prepared(
    db,
    `INSERT INTO audit_events (seq, at, operator, action, user_id, user_email, checks, ticket, reason, outcome, details, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(e.seq, e.at, e.operator, e.action, e.userId, e.userEmail, JSON.stringify(e.checks), e.ticket, e.reason, e.outcome, JSON.stringify(e.details), head.hash, hash);
  return { ...e, prevHash: head.hash, hash };
}

const TEXT_COLUMNS = ['operator', 'action', 'user_email', 'ticket', 'reason', 'details'];

/** The WHERE conditions of a filter (fixed text; values only as parameters). */
function auditWhere(f: AuditFilter): { where: string[]; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.userId !== undefined) (where.push('user_id = ?'), args.push(f.userId));
  if (f.operator !== undefined) (where.push('operator = ?'), args.push(f.operator));
  if (f.operatorPrefix !== undefined) {
    const p = foldFilterText(f.operatorPrefix);
    where.push('substr(fd_fold(operator), 1, length(?)) = ?'), args.push(p, p);
  }
  if (f.ticket !== undefined) (where.push('instr(fd_fold(ticket), ?) > 0'), args.push(foldFilterText(f.ticket)));
  if (f.text !== undefined) {
    const v = foldFilterText(f.text);
    where.push(`(${TEXT_COLUMNS.map((c) => `instr(fd_fold(${c}), ?) > 0`).join(' OR ')})`);
    for (const _c of TEXT_COLUMNS) args.push(v);
  }
  if (f.action !== undefined) (where.push('action = ?'), args.push(f.action));
  if (f.actionPrefix !== undefined) (where.push('substr(action, 1, length(?)) = ?'), args.push(f.actionPrefix, f.actionPrefix));
  if (f.from !== undefined) (where.push('at >= ?'), args.push(f.from));
  if (f.to !== undefined) (where.push('at < ?'), args.push(f.to));
  if (f.beforeSeq !== undefined) (where.push('seq < ?'), args.push(f.beforeSeq));
  return { where, args };
}

/** Lists events newest first with optional filters (parameters only). */
export function listAuditRows(db: Db, f: AuditFilter = {}): AuditEvent[] {
  const { where, args } = auditWhere(f);
  const limit = Math.min(Math.max(Math.trunc(f.limit ?? 100), 1), 10_000);
  const sql = `SELECT * FROM audit_events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`;
  return (prepared(db, sql).all(...args, limit) as Row[]).map(fromRow);
}

/** Every event that matches the filter, oldest first (its limit ignored): what an export holds. */
export function* iterateMatchingAuditRows(db: Db, f: AuditFilter): Generator<AuditEvent> {
  const { where, args } = auditWhere(f);
  const sql = `SELECT * FROM audit_events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq`;
  for (const r of db.prepare(sql).iterate(...args) as IterableIterator<Row>) yield fromRow(r);
}

/** Every event in storage order (rowid), as stored: a tampered sequence shows as out of order. */
export function* iterateAuditRows(db: Db): Generator<AuditEvent> {
  for (const r of db.prepare('SELECT * FROM audit_events ORDER BY rowid').iterate() as IterableIterator<Row>) yield fromRow(r);
}

/** The latest time among the newest 1,000 events; null when there are none. */
export function latestAuditAt(db: Db): number | null {
  const row = prepared(db, 'SELECT max(at) AS at FROM (SELECT at FROM audit_events ORDER BY seq DESC LIMIT 1000)').get() as { at: number | null };
  return row.at;
}

/** The count of countAuditRowsSince for `actions` actions (parameters: operator, outcome, since, the actions). */
export function countSinceSql(actions: number): string {
  const marks = Array.from({ length: actions }, () => '?').join(', ');
  return `SELECT count(*) AS n FROM audit_events WHERE operator = ? AND outcome = ? AND at >= ? AND action IN (${marks})`;
}

/** Events of one operator with one of the actions and the outcome, at or after `since` (index audit_operator_at). */
export function countAuditRowsSince(db: Db, q: { operator: string; actions: readonly string[]; outcome: string; since: number }): number {
  if (q.actions.length === 0) return 0;
  return (prepared(db, countSinceSql(q.actions.length)).get(q.operator, q.outcome, q.since, ...q.actions) as { n: number }).n;
}

/** The chain check over the rows, synchronously (for the adapter, fault and tamper tests). */
export function verifyAuditRows(db: Db, anchor?: AuditAnchor | null): ChainReport {
  const c = new AuditChainChecker(anchor);
  for (const e of iterateAuditRows(db)) c.add(e);
  return c.report();
}
