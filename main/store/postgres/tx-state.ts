import { createHash } from 'node:crypto';
import type pg from 'pg';

/** The name of the prepared statement for a fixed SQL text: one per text, the same on every connection. */
function statementName(sql: string): string {
  return `fd_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
}

/**
 * The statement texts run as prepared statements (parsed and planned once per connection). The
 * store's texts are constants of the code, a few hundred at most; the cap keeps a connection's
 * prepared statements bounded even so, and a text past it runs unnamed as before.
 */
const PREPARED_MAX = 1000;
const prepared = new Map<string, string>();
function preparedName(sql: string): string | undefined {
  const known = prepared.get(sql);
  // More than one statement in a text runs only unprepared (the simple protocol).
  if (known !== undefined || prepared.size >= PREPARED_MAX || sql.includes(';')) return known;
  const name = statementName(sql);
  prepared.set(sql, name);
  return name;
}

/** Service clients by id, as a transaction read them. */
export type ServiceKeys = ReadonlyMap<string, { label: string; verifier: Buffer }>;

/** An audit event waiting for the chain: its time and its content as JSON (audit_pending's columns). */
export interface PendingEvent {
  at: number;
  event: string;
}

/**
 * The state one transaction's repositories share: the pooled client, whether the transaction
 * is still open and may write, the audit head it has locked, and the first failed statement.
 * PostgreSQL aborts a transaction at its first error and a later COMMIT quietly rolls back, so
 * a failure is remembered here and rethrown at commit even if a callback caught it.
 */
export class PgTxState {
  readonly client: pg.PoolClient;
  readonly writable: boolean;
  open = true;
  failure: unknown = null;
  /** The chain head as locked by this transaction's first append (FOR UPDATE). */
  auditHead: { seq: number; hash: string } | null = null;
  /**
   * The settings rows as this transaction read them, until it writes one: a shared commit hands
   * them from one write to the next (one snapshot, so only its own writes could change them).
   */
  settingsRows: Array<{ key: string; value: string }> | null = null;
  /**
   * Every service client as this transaction read them with its BEGIN (a shared commit: each
   * verification of a login service confirms its client), until it changes one; null when not read.
   */
  serviceKeys: ServiceKeys | null = null;
  /**
   * Audit appends go to audit_pending instead of the chain (a routine verification's shared
   * commit): the store chains them after the COMMIT, so this transaction never holds the head.
   */
  deferAudit = false;
  /**
   * The events of a deferred-audit write, for audit_pending: the shared commit inserts those of
   * every write that stayed in one statement just before its COMMIT (a write undone leaves its own out).
   */
  readonly pendingEvents: PendingEvent[] = [];
  /** Appends of this transaction, one after another even when a callback does not await each. */
  auditTail: Promise<unknown> = Promise.resolve();
  /**
   * The BEGIN not yet sent: it goes out before the first statement, or together with it when
   * that one is a fixed text without parameters (simple()), in one round trip.
   */
  private begin: string | null;
  /** A read of one statement without a transaction (ReadOptions.single): how many ran. */
  private readonly single: boolean;
  private statements = 0;
  /** A read of statements each on its own, without a transaction (ReadOptions.perStatement). */
  private readonly autocommit: boolean;
  /** The connection plans every prepared statement generically (the directory's connections). */
  readonly genericPlans: boolean;

  constructor(client: pg.PoolClient, writable: boolean, opts: { begin?: string; single?: boolean; autocommit?: boolean; genericPlans?: boolean } = {}) {
    this.client = client;
    this.writable = writable;
    this.begin = opts.begin ?? null;
    this.single = opts.single === true;
    this.autocommit = opts.autocommit === true && !writable;
    this.genericPlans = opts.genericPlans === true;
  }

  /** True once a BEGIN went out (there is a transaction to end). */
  get begun(): boolean {
    return this.begin === null && !this.single && !this.autocommit;
  }

  /** Checks the transaction may run a statement, and sends a BEGIN still held back. */
  private async ready(): Promise<void> {
    if (!this.open) throw new Error('This transaction has ended: a repository was used after its callback returned.');
    if (this.single && this.statements++ > 0) throw new Error('A read of one statement (ReadOptions.single) ran a second one.');
    if (this.begin === null) return;
    const begin = this.begin;
    this.begin = null;
    await this.send(begin);
  }

  /** Sends a fixed text (simple protocol); a failure is remembered as the transaction's. Its results, one per statement. */
  private async send(text: string): Promise<pg.QueryResult[]> {
    try {
      const r = (await this.client.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
      return Array.isArray(r) ? r : [r];
    } catch (err) {
      this.failure ??= err;
      throw err;
    }
  }

  /**
   * Runs a fixed statement text without parameters (a SET LOCAL): with the BEGIN still held
   * back, both go in one round trip.
   */
  async simple(sql: string): Promise<void> {
    await this.simpleResults(sql);
  }

  /**
   * Runs fixed statement texts without parameters, separated by `;` (with the BEGIN still held
   * back, in the same round trip): the results of `sql`'s statements, in order.
   */
  async simpleResults(sql: string): Promise<pg.QueryResult[]> {
    if (!this.open) throw new Error('This transaction has ended: a repository was used after its callback returned.');
    if (this.single) throw new Error('A read of one statement (ReadOptions.single) cannot run a fixed text.');
    if (this.autocommit) throw new Error('A read without a transaction (ReadOptions.perStatement) cannot run a fixed text (a SET LOCAL would not hold).');
    const withBegin = this.begin !== null;
    const text = withBegin ? `${this.begin}; ${sql}` : sql;
    this.begin = null;
    const results = await this.send(text);
    return withBegin ? results.slice(1) : results;
  }

  /** Runs one parameterised statement in the live transaction. */
  async q<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    await this.ready();
    try {
      const name = preparedName(sql);
      return await (name === undefined ? this.client.query<R>(sql, params) : this.client.query<R>({ name, text: sql, values: params }));
    } catch (err) {
      this.failure ??= err;
      throw err;
    }
  }

  /**
   * Rows of a read through a prepared statement: parsed and planned once per connection, for the
   * statements a type-ahead runs many times a second. Only for SQL texts that are constants of
   * the code (a text built per call would leave a statement per variant on every connection).
   */
  async preparedRows<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
    await this.ready();
    try {
      return (await this.client.query<R>({ name: statementName(sql), text: sql, values: params })).rows;
    } catch (err) {
      this.failure ??= err;
      throw err;
    }
  }

  /** Rows of a read. */
  async rows<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.q<R>(sql, params)).rows;
  }

  /** The first row of a read, or undefined. */
  async row<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R | undefined> {
    return (await this.q<R>(sql, params)).rows[0];
  }

  /** A change: only inside a live write transaction. Returns the number of rows it touched. */
  async change(sql: string, params: unknown[] = []): Promise<number> {
    this.mustWrite();
    return (await this.q(sql, params)).rowCount ?? 0;
  }

  /** Throws unless this is a live write transaction. */
  mustWrite(): void {
    if (!this.writable) throw new Error('A read transaction cannot change data.');
    if (!this.open) throw new Error('This transaction has ended: a repository was used after its callback returned.');
  }
}
