import { canonicalEvent, eventContent, eventHash, foldFilterText, type AuditEvent, type AuditFilter, type AuditInput } from '../../../core/audit.ts';
import type { AuditCountQuery, AuditRepo } from '../../repos/audit.ts';
import type { PendingEvent, PgTxState } from '../tx-state.ts';

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

const TEXT_COLUMNS = ['operator', 'action', 'user_email', 'ticket', 'reason', 'details'];
const COLUMNS = 'seq, at, operator, action, user_id, user_email, checks, ticket, reason, outcome, details, prev_hash, hash';
/** Rows per round trip when walking the whole chain. */
const PAGE = 1000;

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

/** An operator's events with one of the actions and the outcome since a time (the velocity limits; index audit_operator_at). */
export const COUNT_SINCE = 'SELECT count(*)::int AS n FROM audit_events WHERE operator = $1 AND outcome = $2 AND at >= $3 AND action = ANY($4::text[])';

/** Events into audit_pending in one statement, in the order given (their ids follow it, and the chain their ids). */
const INSERT_PENDING = 'INSERT INTO audit_pending (at, event) SELECT at, event FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS p(at, event, n) ORDER BY n';

/** Puts a shared commit's events in audit_pending, in one statement of its transaction. */
export async function insertPending(s: PgTxState, events: readonly PendingEvent[]): Promise<void> {
  if (events.length === 0) return;
  await s.change(INSERT_PENDING, [events.map((e) => e.at), events.map((e) => e.event)]);
}

/**
 * The hash-chained audit log. The chain head is one row (audit_head) that an append locks
 * FOR UPDATE and takes the next seq and previous hash from: concurrent writers queue on that
 * row, and under SERIALIZABLE a writer that waited for another one's commit fails and is run
 * again, so seq order is commit order and every prev_hash is the hash committed before it.
 * The lock is taken at the first append (services append last) and held to commit, so it is
 * held as briefly as the transaction allows. Hashes are computed by core/audit.ts, the same
 * function the vault uses, so both stores chain alike.
 */
export class PgAudit implements AuditRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  async head(): Promise<{ count: number; hash: string }> {
    const r = (await this.s.row<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1'))!;
    return { count: r.seq, hash: r.hash };
  }

  /** The WHERE conditions of a filter; `args` gets its values and the caller's further ones. */
  private where(f: AuditFilter, args: unknown[]): string[] {
    const where: string[] = [];
    // Each condition is fixed text; only its value is a parameter.
    const add = (cond: string, value: unknown) => {
      args.push(value);
      where.push(cond.replace('?', `$${args.length}`));
    };
    if (f.userId !== undefined) add('user_id = ?', f.userId);
    if (f.operator !== undefined) add('operator = ?', f.operator);
    // lower(normalize(x)) is what foldFilterText does in the SQLite store.
    if (f.operatorPrefix !== undefined) add('starts_with(lower(normalize(operator)), ?)', foldFilterText(f.operatorPrefix));
    if (f.ticket !== undefined) add('strpos(lower(normalize(ticket)), ?) > 0', foldFilterText(f.ticket));
    if (f.text !== undefined) {
      args.push(foldFilterText(f.text));
      const n = `$${args.length}`;
      where.push(`(${TEXT_COLUMNS.map((c) => `strpos(lower(normalize(${c})), ${n}) > 0`).join(' OR ')})`);
    }
    if (f.action !== undefined) add('action = ?', f.action);
    if (f.actionPrefix !== undefined) add('starts_with(action, ?)', f.actionPrefix);
    if (f.from !== undefined) add('at >= ?', f.from);
    if (f.to !== undefined) add('at < ?', f.to);
    if (f.beforeSeq !== undefined) add('seq < ?', f.beforeSeq);
    return where;
  }

  async list(f: AuditFilter): Promise<AuditEvent[]> {
    const args: unknown[] = [];
    const where = this.where(f, args);
    const limit = Math.min(Math.max(Math.trunc(f.limit ?? 100), 1), 10_000);
    args.push(limit);
    const sql = `SELECT ${COLUMNS} FROM audit_events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT $${args.length}`;
    return (await this.s.rows<Row>(sql, args)).map(fromRow);
  }

  async *matching(f: AuditFilter): AsyncIterable<AuditEvent> {
    let after = 0;
    for (;;) {
      const args: unknown[] = [];
      const where = this.where({ ...f, limit: undefined }, args);
      args.push(after);
      where.push(`seq > $${args.length}`);
      args.push(PAGE);
      const rows = await this.s.rows<Row>(`SELECT ${COLUMNS} FROM audit_events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT $${args.length}`, args);
      for (const r of rows) yield fromRow(r);
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.seq;
    }
  }

  async *all(): AsyncIterable<AuditEvent> {
    // Keyset pages inside the transaction's snapshot; each page checks the transaction is live.
    let after = 0;
    for (;;) {
      const rows = await this.s.rows<Row>(`SELECT ${COLUMNS} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2`, [after, PAGE]);
      for (const r of rows) yield fromRow(r);
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.seq;
    }
  }

  async latestAt(): Promise<number | null> {
    const r = await this.s.row<{ at: number | null }>('SELECT max(at) AS at FROM (SELECT at FROM audit_events ORDER BY seq DESC LIMIT 1000) AS newest');
    return r?.at ?? null;
  }

  async countSince(q: AuditCountQuery): Promise<number> {
    if (q.actions.length === 0) return 0;
    const r = await this.s.row<{ n: number }>(COUNT_SINCE, [q.operator, q.outcome, q.since, [...q.actions]]);
    return r?.n ?? 0;
  }

  append(input: AuditInput, at: number): Promise<AuditEvent> {
    try {
      this.s.mustWrite();
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.s.deferAudit) return this.appendPending(input, at);
    // Appends started together (Promise.all) in one transaction take the head one at a time.
    const p = this.s.auditTail.then(() => this.appendNow(input, at));
    this.s.auditTail = p.catch(() => {});
    return p;
  }

  private async appendNow(input: AuditInput, at: number): Promise<AuditEvent> {
    const head = (this.s.auditHead ??= (await this.s.row<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE'))!);
    const e = { seq: head.seq + 1, at, ...eventContent(input) };
    const hash = eventHash(head.hash, canonicalEvent(e));
    // The event and the head that names it in one statement (one round trip, one snapshot).
    await this.s.q(`WITH appended AS (INSERT INTO audit_events (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)) UPDATE audit_head SET seq = $1, hash = $13 WHERE id = 1`, [
      e.seq,
      e.at,
      e.operator,
      e.action,
      e.userId,
      e.userEmail,
      JSON.stringify(e.checks),
      e.ticket,
      e.reason,
      e.outcome,
      JSON.stringify(e.details),
      head.hash,
      hash,
    ]);
    const prevHash = head.hash;
    this.s.auditHead = { seq: e.seq, hash };
    return { ...e, prevHash, hash };
  }

  /**
   * Keeps the event for audit_pending, which its shared commit fills (insertPending) before the
   * COMMIT, for the store to chain after it: no chain head is taken. The event is returned
   * without its place in the chain (seq 0, empty hashes), which it gets when chained.
   */
  private async appendPending(input: AuditInput, at: number): Promise<AuditEvent> {
    this.s.mustWrite();
    const content = eventContent(input);
    this.s.pendingEvents.push({ at, event: JSON.stringify(content) });
    return { seq: 0, at, ...content, prevHash: '', hash: '' };
  }

  /**
   * Appends to the chain the oldest events (at most `limit`) of audit_pending, in id order, and
   * takes them out of it: the head is locked first (so chainers of every instance take turns and
   * writers queue as for any append), then one statement writes the events, the head and the
   * removal. Returns the events chained (none when nothing was pending).
   */
  async chainPending(limit: number): Promise<AuditEvent[]> {
    this.s.mustWrite();
    const n = Math.min(Math.max(Math.trunc(limit), 1), 10_000);
    const [locked, pending] = await this.s.simpleResults(`SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE; SELECT id, at, event FROM audit_pending ORDER BY id LIMIT ${n}`);
    const head = locked!.rows[0] as { seq: number; hash: string };
    const rows = pending!.rows as Array<{ id: number | string; at: number | string; event: string }>;
    this.s.auditHead = { seq: Number(head.seq), hash: head.hash };
    if (rows.length === 0) return [];
    const events: AuditEvent[] = [];
    let prevHash = head.hash;
    let seq = Number(head.seq);
    for (const r of rows) {
      const e = { seq: ++seq, at: Number(r.at), ...eventContent(JSON.parse(r.event) as AuditInput) };
      const hash = eventHash(prevHash, canonicalEvent(e));
      events.push({ ...e, prevHash, hash });
      prevHash = hash;
    }
    const col = <K extends keyof AuditEvent>(k: K) => events.map((e) => e[k]);
    await this.s.q(
      `WITH appended AS (INSERT INTO audit_events (${COLUMNS}) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])),
        taken AS (DELETE FROM audit_pending WHERE id = ANY($14::bigint[]))
        UPDATE audit_head SET seq = $15, hash = $16 WHERE id = 1`,
      [
        col('seq'),
        col('at'),
        col('operator'),
        col('action'),
        col('userId'),
        col('userEmail'),
        events.map((e) => JSON.stringify(e.checks)),
        col('ticket'),
        col('reason'),
        col('outcome'),
        events.map((e) => JSON.stringify(e.details)),
        col('prevHash'),
        col('hash'),
        rows.map((r) => Number(r.id)),
        seq,
        prevHash,
      ],
    );
    this.s.auditHead = { seq, hash: prevHash };
    return events;
  }

  /** The server store keeps no anchor outside the database, so there is nothing to hold back. */
  keepAnchor(): void {
    this.s.mustWrite();
  }
}
