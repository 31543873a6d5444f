import { AsyncLocalStorage } from 'node:async_hooks';
import { Socket } from 'node:net';
import pg from 'pg';
import { systemClock, systemRandom, type Clock, type Random } from '../../core/clock.ts';
import type { ServerReadTx, ServerStore, ServerWriteTx, WriteOptions, ReadOptions } from '../port.ts';
import { afterThisTurn, type SharedCommit, type SharedMember } from '../shared-commit.ts';
import type { Keyring } from '../keyring.ts';
import { PgTxState, type PendingEvent, type ServiceKeys } from './tx-state.ts';
import { Chainer } from './chainer.ts';
import { migrate } from './migrate.ts';
import { PgUsers } from './repos/users.ts';
import { PgVerification } from './repos/verification.ts';
import { PgAuthenticators } from './repos/authenticators.ts';
import { PgCodes } from './repos/codes.ts';
import { PgSms } from './repos/sms.ts';
import { PgOutbox } from './repos/outbox.ts';
import { ALL_SETTINGS, PgSettings } from './repos/settings.ts';
import { PgMeta } from './repos/meta.ts';
import { insertPending, PgAudit } from './repos/audit.ts';
import { PgDirectory } from './repos/directory.ts';
import { PgOperators } from './repos/operators.ts';
import { PgCredentials, PgKeyring } from './keyring.ts';
import { PgServerAuth } from './repos/server-auth.ts';
import { authenticatorSecretAad, createValueCipher, keylessValueCipher, type ValueCipher } from '../../core/value-cipher.ts';

/** The meta row migration 0005 leaves in a store whose earlier secrets may be in clear. */
const CLEAR_SECRETS_MARK = 'authenticators.clear-secrets';
/** The length of a seed kept in clear before schema 4 (a box of one is 53 bytes). */
const CLEAR_SEED_BYTES = 20;
import { PgRadiusClients } from './repos/radius-clients.ts';
import { PgAutomationClients } from './repos/automation-clients.ts';
import { PgAlerts } from './repos/alerts.ts';
import { PgApprovals } from './repos/approvals.ts';
import { AlertingAudit, AlertListeners, raiseAlerts, type AlertListener } from '../alerting-audit.ts';
import type { AlertRecord } from '../repos/alerts.ts';

/** SQLSTATEs after which the whole transaction is run again: serialization failure, deadlock. */
const RETRYABLE = new Set(['40001', '40P01']);
/** Attempts per write before the serialization failure is handed to the caller. */
export const MAX_ATTEMPTS = 60;
/**
 * Write transactions one instance runs at once; the rest wait their turn here. Every change
 * appends to the one audit chain head, so more writers at once only collide and retry (at 32 in
 * flight most attempts failed and some ran out of attempts); other instances still write alongside.
 */
export const WRITES_AT_ONCE = 4;
/**
 * Shared commits (routine verifications) one instance runs at once, beside the other writes:
 * they put their audit events in audit_pending rather than the chain, so they do not queue on
 * the chain head and run side by side.
 */
export const SHARED_AT_ONCE = 4;
/**
 * Writes at most in one shared commit here (the vault folder takes up to SHARED_COMMIT_MAX: it
 * has one writer). While every shared commit runs, the writes that arrive wait in the next one;
 * after a pause that is a burst, and one commit running dozens in turn (a round trip or three
 * each) answers its first write last. Capped, the burst waits in several commits, which start
 * side by side as places free up.
 */
export const SHARED_MEMBERS_MAX = 8;
/**
 * How long after a routine verification's COMMIT its event waits to be chained, so one chaining
 * pass takes the events of many (a read that waits for them starts the pass at once).
 */
const CHAIN_DELAY_MS = 50;
/** Pending audit events chained per transaction. */
const CHAIN_BATCH = 1000;
/** How often an instance looks for pending events another one left (it stopped before chaining them). */
const SWEEP_MS = 5000;
/**
 * Connections of the directory's reads (ReadOptions.perStatement: a type-ahead's page), beside
 * the pool of transactions. They are set once to plan generically and to read only, so each
 * search runs its statements with no BEGIN, SET LOCAL or COMMIT around them.
 */
const DIRECTORY_CONNECTIONS = 4;
const DIRECTORY_SETTINGS = 'SET plan_cache_mode = force_generic_plan; SET default_transaction_read_only = on';


/**
 * The service clients a shared commit reads with its BEGIN, at most SERVICE_KEYS_READ (a fixed
 * text: the simple protocol takes no parameters). Login services are few; with more, the
 * transaction looks each up instead.
 */
const SERVICE_KEYS_READ = 1000;
const SERVICE_KEYS = `SELECT key_id, label, verifier FROM service_keys ORDER BY key_id LIMIT ${SERVICE_KEYS_READ + 1}`;

function serviceKeysFrom(rows: Array<{ key_id: string; label: string; verifier: Buffer }>): ServiceKeys | null {
  if (rows.length > SERVICE_KEYS_READ) return null;
  return new Map(rows.map((r) => [r.key_id, { label: r.label, verifier: r.verifier }]));
}

type SharedOutcome = ({ ok: true; value: unknown } | { ok: false; error: unknown }) & { raised: AlertRecord[]; pending: number };

/** A first-come, first-served gate of `limit` places. */
class Gate {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(limit: number) {
    this.free = limit;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((r) => this.waiting.push(r));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

/** bigint columns (ids, epoch milliseconds, counts) as numbers: every value is below 2^53. */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === pg.types.builtins.INT8 && format !== 'binary' ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format))) as pg.CustomTypesConfig['getTypeParser'],
};

/** How to reach the database, and the clock and randomness the store hands to services. */
export interface PostgresStoreOptions {
  /** A libpq connection string (postgres://user:password@host:port/database). */
  connectionString: string;
  clock?: Clock;
  random?: Random;
  /** Pooled connections (concurrent transactions) of this process. */
  maxConnections?: number;
  /**
   * The key store.values seals and opens secrets with: the server's data key. Null only for a
   * process that opens no secret (recovering the key file): then every seal or open throws.
   */
  valueKey: Buffer | null;
  /** The data-key generation of `valueKey` (new boxes carry it). */
  valueKeyGeneration: number;
}

/** Builds the repositories of one transaction over its shared state. */
function makeTx(s: PgTxState, storeId: string, raised: AlertRecord[]): ServerWriteTx {
  const alerts = new PgAlerts(s);
  const operators = new PgOperators(s);
  return {
    users: new PgUsers(s),
    verification: new PgVerification(s),
    authenticators: new PgAuthenticators(s),
    codes: new PgCodes(s),
    sms: new PgSms(s),
    outbox: new PgOutbox(s),
    settings: new PgSettings(s),
    meta: new PgMeta(s),
    // A routine verification's events are chained after its COMMIT, and their alerts with them.
    audit: s.deferAudit ? new PgAudit(s) : new AlertingAudit(new PgAudit(s), alerts, operators, raised),
    directory: new PgDirectory(s),
    operators,
    alerts,
    approvals: new PgApprovals(s),
    credentials: new PgCredentials(s, storeId),
    serverAuth: new PgServerAuth(s),
    radiusClients: new PgRadiusClients(s),
    automationClients: new PgAutomationClients(s),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sqlState(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
}

/**
 * A store in a PostgreSQL database. Each transaction takes a pooled connection: writes run
 * SERIALIZABLE (shared commits of routine verifications REPEATABLE READ, see runShared) and are
 * run again from the start on a serialization failure or deadlock (the
 * port allows it: write callbacks have no side effects outside the transaction); reads run
 * REPEATABLE READ READ ONLY, one consistent snapshot, except the directory's (perStatement),
 * whose statements run each on its own on connections of their own. Compare-and-set methods are conditional
 * UPDATEs, so they hold even across processes and servers.
 */
export class PostgresStore implements ServerStore {
  readonly kind = 'postgres' as const;
  /** A server's store is never opened read-only. */
  readonly readOnly = null;
  readonly storeId: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly values: ValueCipher;
  private readonly pool: pg.Pool;
  /** The directory's connections (see DIRECTORY_CONNECTIONS). */
  private readonly directoryPool: pg.Pool;
  /** The directory's connections set up already (DIRECTORY_SETTINGS). */
  private readonly directorySet = new WeakSet<pg.PoolClient>();
  private readonly inside = new AsyncLocalStorage<true>();
  private readonly alertListeners = new AlertListeners();

  onAlerts(listener: AlertListener): () => void {
    return this.alertListeners.add(listener);
  }
  private readonly wipeKey: () => void;
  private closed = false;

  constructor(pool: pg.Pool, directoryPool: pg.Pool, storeId: string, clock: Clock, random: Random, valueKey: { key: Buffer | null; generation: number }) {
    this.pool = pool;
    this.directoryPool = directoryPool;
    this.storeId = storeId;
    this.clock = clock;
    this.random = random;
    if (valueKey.key) {
      const cipher = createValueCipher(valueKey.key, valueKey.generation, random);
      this.values = cipher;
      this.wipeKey = () => cipher.wipe();
    } else {
      this.values = keylessValueCipher('This store was opened without the server key: it cannot seal or open secrets.');
      this.wipeKey = () => {};
    }
    // Events an instance left pending when it stopped are chained now, not at the first sweep.
    void this.sweepPending();
  }

  get keyring(): Keyring {
    return new PgKeyring(this, this.random, this.clock);
  }

  read<T>(fn: (tx: ServerReadTx) => Promise<T>, opts: ReadOptions = {}): Promise<T> {
    if (opts.single === true) return this.guarded(() => this.once(false, fn, true));
    if (opts.perStatement === true) return this.guarded(() => this.statementwise(fn));
    // Routine verifications this instance answered are in the chain before it reads again.
    return this.guarded(async () => {
      await this.chainer.drained();
      return this.once(false, fn);
    });
  }

  write<T>(fn: (tx: ServerWriteTx) => Promise<T>, opts: WriteOptions = {}): Promise<T> {
    if (opts.coalesce === true) return this.guarded(() => this.shared(fn));
    return this.guarded(async () => {
      await this.chainer.drained();
      return this.writeGate.run(() => this.retried(() => this.once(true, fn)));
    });
  }

  /** Runs a write again from the start after a serialization failure or deadlock, up to MAX_ATTEMPTS. */
  private async retried<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        if (!RETRYABLE.has(sqlState(err) ?? '') || attempt >= MAX_ATTEMPTS) throw err;
        // Jittered, growing pause so racing writers stop colliding in lock step.
        await sleep(Math.random() * Math.min(100, 2 * 2 ** Math.min(attempt, 6)));
      }
    }
  }

  private readonly writeGate = new Gate(WRITES_AT_ONCE);
  private readonly sharedGate = new Gate(SHARED_AT_ONCE);
  /** Shared commits queued or running: close() lets them finish before the pool ends. */
  private readonly sharedRuns = new Set<Promise<void>>();
  /** The shared commit still taking writes (WriteOptions.coalesce): the one waiting for a free place. */
  private joinable: SharedCommit | null = null;
  /** Appends the pending audit events of routine verifications to the chain. */
  private readonly chainer = new Chainer(() => this.chainOnce(), CHAIN_DELAY_MS);
  private readonly sweep: NodeJS.Timeout = setInterval(() => void this.sweepPending(), SWEEP_MS).unref();

  /** Queues a coalescing write: into the shared commit waiting for a place, or a new one. */
  private shared<T>(fn: (tx: ServerWriteTx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const member: SharedMember = { fn, resolve: resolve as (v: unknown) => void, reject };
      const open = this.joinable;
      if (open && open.members.length < SHARED_MEMBERS_MAX) {
        open.members.push(member);
        return;
      }
      const batch: SharedCommit = { members: [member] };
      this.joinable = batch;
      // Requests read together share it.
      const run = afterThisTurn().then(() =>
        this.sharedGate.run(() => {
          // Running now: later writes start (or wait for) a shared commit of their own.
          if (this.joinable === batch) this.joinable = null;
          return this.runShared(batch);
        }),
      );
      this.sharedRuns.add(run);
      void run.finally(() => this.sharedRuns.delete(run));
    });
  }

  /**
   * Chains what audit_pending holds, CHAIN_BATCH events per transaction, until it is empty; the
   * alerts of those events are raised in the same transaction and told after its COMMIT.
   */
  private async chainOnce(): Promise<void> {
    for (;;) {
      const n = await this.inside.run(true, () =>
        this.retried(() =>
          this.once(true, async (_tx, s, raised) => {
            const audit = new PgAudit(s);
            const events = await audit.chainPending(CHAIN_BATCH);
            const alerts = new PgAlerts(s);
            const operators = new PgOperators(s);
            for (const e of events) await raiseAlerts(e, audit, alerts, operators, raised);
            return events.length;
            // READ COMMITTED: the head lock, its first statement, waits for a writer holding it and
            // then reads the head that writer left (under SERIALIZABLE it would fail and start over).
          }, false, 'READ COMMITTED'),
        ),
      );
      if (n < CHAIN_BATCH) return;
    }
  }

  /** Chains events another instance left pending (it stopped between its COMMIT and chaining them). */
  private async sweepPending(): Promise<void> {
    if (this.closed) return;
    try {
      const r = await this.pool.query('SELECT EXISTS (SELECT 1 FROM audit_pending) AS any');
      if (r.rows[0]?.any === true) this.chainer.kick();
    } catch {
      /* the database is unreachable now: the next sweep looks again */
    }
  }

  /**
   * One shared commit: its writes in turn in one REPEATABLE READ transaction (one that throws
   * is undone alone: see sharedOnce), one COMMIT, then every answer. A serialization failure or
   * deadlock runs the whole of it again, as for one write; no answer is given before the COMMIT
   * that holds it.
   *
   * Not SERIALIZABLE: shared commits run side by side, and the predicate locks of dozens of
   * look-ups grow to whole tables, so nearly every pair failed. A verification writes only rows
   * it read or a compare-and-set (a step, a code, a counter), and under REPEATABLE READ a row
   * changed by a transaction that committed after this one began cannot be changed here (the
   * first writer wins, this one runs again): two racing verifications never both count from
   * the same counter or both redeem one code.
   */
  private async runShared(batch: SharedCommit): Promise<void> {
    let outcomes: SharedOutcome[];
    // Without savepoints first; after a write failed, with them (see sharedOnce).
    let savepoints = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const done = await this.sharedOnce(batch, savepoints);
        if (done === null) {
          savepoints = true;
          continue;
        }
        outcomes = done;
        break;
      } catch (err) {
        if (!RETRYABLE.has(sqlState(err) ?? '') || attempt >= MAX_ATTEMPTS) {
          for (const m of batch.members) m.reject(err);
          return;
        }
        await sleep(Math.random() * Math.min(100, 2 * 2 ** Math.min(attempt, 6)));
      }
    }
    const raised = outcomes.flatMap((o) => o.raised);
    if (raised.length > 0) this.inside.exit(() => this.alertListeners.notify(raised));
    // The events are committed in audit_pending: chain them (the answers do not wait for it).
    if (outcomes.some((o) => o.pending > 0)) this.chainer.kick();
    outcomes.forEach((o, i) => (o.ok ? batch.members[i]!.resolve(o.value) : batch.members[i]!.reject(o.error)));
  }

  /**
   * Runs the writes of a shared commit once. Nearly every write stays, so by default they run
   * without savepoints (a round trip each saved): when one fails, the whole transaction is rolled
   * back and null returned, and the commit is run again with `savepoints`, where a write that
   * fails is rolled back to its savepoint alone. (A commit of one write needs none: its failure
   * is its answer.) The audit events of the writes that stay go into audit_pending in one
   * statement just before the COMMIT.
   */
  private async sharedOnce(batch: SharedCommit, savepoints: boolean): Promise<SharedOutcome[] | null> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      // The first savepoint goes with BEGIN, each later one with the RELEASE (or the ROLLBACK TO,
      // which keeps it) of the write before it: one round trip between two writes, none after
      // the last (COMMIT ends an open savepoint with the rest).
      // The settings (which every verification reads) come with them.
      // So are the service clients (a login service's verification confirms its client).
      const opened = (await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ;${savepoints ? ' SAVEPOINT shared_write;' : ''} ${ALL_SETTINGS}; ${SERVICE_KEYS}`)) as unknown as pg.QueryResult[];
      const out: SharedOutcome[] = [];
      const pending: PendingEvent[] = [];
      // The settings and clients as the last write that stayed left them, handed to the next without another read.
      let settingsRows: PgTxState['settingsRows'] = opened[opened.length - 2]!.rows as Array<{ key: string; value: string }>;
      let serviceKeys = serviceKeysFrom(opened[opened.length - 1]!.rows as Array<{ key_id: string; label: string; verifier: Buffer }>);
      let savepoint = savepoints;
      for (let i = 0; i < batch.members.length; i++) {
        if (savepoints && !savepoint) await client.query('SAVEPOINT shared_write');
        savepoint = savepoints;
        const s = new PgTxState(client, true);
        s.settingsRows = settingsRows;
        s.serviceKeys = serviceKeys;
        // Its events go to audit_pending: no write here takes the chain head.
        s.deferAudit = true;
        const raised: AlertRecord[] = [];
        try {
          const value = await batch.members[i]!.fn(makeTx(s, this.storeId, raised));
          // A statement failed and the callback carried on: this write did not happen.
          if (s.failure) throw s.failure;
          s.open = false;
          if (savepoints && i + 1 < batch.members.length) await client.query('RELEASE SAVEPOINT shared_write; SAVEPOINT shared_write');
          else savepoint = false;
          settingsRows = s.settingsRows;
          serviceKeys = s.serviceKeys;
          pending.push(...s.pendingEvents);
          out.push({ ok: true, value, raised, pending: s.pendingEvents.length });
        } catch (err) {
          s.open = false;
          const e = RETRYABLE.has(sqlState(s.failure) ?? '') ? s.failure : err;
          if (RETRYABLE.has(sqlState(e) ?? '')) throw e;
          if (!savepoints) {
            // The writes before it cannot stay without it: undo all, and answer or run again.
            await client.query('ROLLBACK');
            return batch.members.length === 1 ? [{ ok: false, error: e, raised: [], pending: 0 }] : null;
          }
          await client.query('ROLLBACK TO SAVEPOINT shared_write');
          out.push({ ok: false, error: e, raised: [], pending: 0 });
        }
      }
      await insertPending(new PgTxState(client, true), pending);
      const done = await client.query('COMMIT');
      if (done.command !== 'COMMIT') throw new Error('The transaction was rolled back by the database.');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** The database server's clock (epoch ms): instances check theirs against it at start. */
  async databaseTime(): Promise<number> {
    const r = await this.pool.query<{ t: string }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS t');
    return Number(r.rows[0]!.t);
  }

  /** Ends the pool; running transactions finish first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweep);
    // Writes queued before the close are answered (a shared commit may not have started yet).
    await Promise.allSettled([...this.sharedRuns]);
    // Every answered verification's event is in the chain before the pool ends.
    await this.chainer.idle();
    await Promise.all([this.pool.end(), this.directoryPool.end()]);
    this.wipeKey();
  }

  /**
   * Seals the authenticator secrets a store from before schema 4 kept in clear, once (migration
   * 0005 left a mark; this drops it in the same transaction). Call it only after the key was
   * checked against the store (openKeyedStore): sealed under a wrong key, the seeds would be
   * lost. Several instances starting together seal once: the mark is locked. Returns how many.
   */
  async sealLegacySecrets(): Promise<number> {
    return this.guarded(async () => {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        const mark = await client.query('SELECT 1 FROM meta WHERE key = $1 FOR UPDATE', [CLEAR_SECRETS_MARK]);
        let sealed = 0;
        if (mark.rowCount) {
          // Only what is still a bare seed: a box written since the migration stays as it is.
          const rows = await client.query<{ id: number; user_id: number; sheet_id: string | null; secret: Buffer }>(
            "SELECT id, user_id, sheet_id, secret FROM authenticators WHERE status IN ('active', 'pending') AND octet_length(secret) = $1 ORDER BY id FOR UPDATE",
            [CLEAR_SEED_BYTES],
          );
          for (const r of rows.rows) {
            await client.query('UPDATE authenticators SET secret = $1 WHERE id = $2', [this.values.seal(r.secret, authenticatorSecretAad(this.storeId, r.user_id, r.sheet_id)), r.id]);
            r.secret.fill(0);
            sealed++;
          }
          await client.query('DELETE FROM meta WHERE key = $1', [CLEAR_SECRETS_MARK]);
        }
        await client.query('COMMIT');
        return sealed;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    });
  }

  private guarded<T>(run: () => Promise<T>): Promise<T> {
    // A nested call would hold two connections and could wait on itself: fail loudly instead.
    if (this.inside.getStore()) return Promise.reject(new Error('A store transaction was opened inside another one: pass the transaction down instead.'));
    if (this.closed) return Promise.reject(new Error('This store is closed.'));
    return this.inside.run(true, run);
  }

  /**
   * A read whose statements each run on their own (ReadOptions.perStatement), on a directory
   * connection: no transaction, so nothing to begin or end.
   */
  private async statementwise<T>(fn: (tx: ServerReadTx) => Promise<T>): Promise<T> {
    const client = await this.directoryPool.connect();
    const s = new PgTxState(client, false, { autocommit: true, genericPlans: true });
    try {
      if (!this.directorySet.has(client)) {
        try {
          await client.query(DIRECTORY_SETTINGS);
        } catch (err) {
          s.failure = err;
          throw err;
        }
        this.directorySet.add(client);
      }
      const result = await fn(makeTx(s, this.storeId, []));
      if (s.failure) throw s.failure;
      return result;
    } finally {
      s.open = false;
      // A failure without a SQLSTATE is the connection's own (it dropped): not pooled again.
      client.release(s.failure !== null && sqlState(s.failure) === undefined);
    }
  }

  private async once<T>(writable: boolean, fn: (tx: ServerWriteTx, s: PgTxState, raised: AlertRecord[]) => Promise<T>, single = false, isolation: 'SERIALIZABLE' | 'READ COMMITTED' = 'SERIALIZABLE'): Promise<T> {
    const client = await this.pool.connect();
    // The BEGIN goes out with (or just before) the first statement; a read of one statement has none.
    const begin = writable ? `BEGIN ISOLATION LEVEL ${isolation}` : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
    const s = new PgTxState(client, writable, single && !writable ? { single: true } : { begin });
    let broken = false;
    let released = false;
    try {
      let result: T;
      const raised: AlertRecord[] = [];
      try {
        result = await fn(makeTx(s, this.storeId, raised), s, raised);
      } catch (err) {
        // A serialization failure decides the retry even when the callback caught it and threw
        // something else; any other error is the callback's to report.
        throw RETRYABLE.has(sqlState(s.failure) ?? '') ? s.failure : err;
      } finally {
        s.open = false;
      }
      // A statement failed and the callback carried on: the transaction is aborted, not committable.
      if (s.failure) throw s.failure;
      if (!s.begun) {
        // No transaction was opened (one statement on its own, or none at all): nothing to end.
        if (raised.length > 0) this.inside.exit(() => this.alertListeners.notify(raised));
        return result;
      }
      if (!writable) {
        // A read's answer is whole once its statements have run in its snapshot: it does not
        // wait for the COMMIT's round trip (the connection goes back to the pool after it).
        void client.query('COMMIT').then(
          () => client.release(),
          () => client.release(true),
        );
        released = true;
        if (raised.length > 0) this.inside.exit(() => this.alertListeners.notify(raised));
        return result;
      }
      const done = await client.query('COMMIT');
      if (done.command !== 'COMMIT') throw new Error('The transaction was rolled back by the database.');
      // Outside this transaction's context, so a listener may read the store (its settings).
      if (raised.length > 0) this.inside.exit(() => this.alertListeners.notify(raised));
      return result;
    } catch (err) {
      if (s.begun)
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
      throw err;
    } finally {
      if (!released) client.release(broken);
    }
  }
}

/**
 * Opens the store in the database at `connectionString`: migrates the schema (one transaction,
 * under an advisory lock) and gives the data set an id on first use.
 */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<PostgresStore> {
  // The sockets of the first connection: a sign-in that fails on this side (no password to
  // answer SCRAM with) leaves pg's socket open until the database's authentication timeout (a minute).
  const opening = new Set<Socket>();
  let opened = false;
  const stream = () => {
    const socket = new Socket();
    if (!opened) {
      opening.add(socket);
      socket.once('close', () => opening.delete(socket));
    }
    return socket;
  };
  // Idle connections stay open (pg closes them after 10 s by default): a burst after a quiet
  // spell would otherwise wait for new ones, each a TCP connect, a SCRAM sign-in and a new
  // database process, just when requests queue up.
  const pool = new pg.Pool({ connectionString: opts.connectionString, max: opts.maxConnections ?? 10, idleTimeoutMillis: 0, types: TYPES, stream });
  // An idle pooled connection that drops (server restart) must not crash the process.
  pool.on('error', () => {});
  // Opened at the first search (each is set before its first read: PostgresStore.statementwise).
  const directoryPool = new pg.Pool({ connectionString: opts.connectionString, max: DIRECTORY_CONNECTIONS, idleTimeoutMillis: 0, types: TYPES });
  directoryPool.on('error', () => {});
  try {
    const client = await pool.connect();
    try {
      // Byte order of COLLATE "C" is code point order (the directory ranking) only in UTF-8.
      const enc = await client.query<{ server_encoding: string }>('SHOW server_encoding');
      if (enc.rows[0]?.server_encoding !== 'UTF8') throw new Error(`The database must use UTF8 encoding, not ${enc.rows[0]?.server_encoding}.`);
      await migrate(client);
      const id = (opts.random ?? systemRandom).bytes(16).toString('hex');
      await client.query("INSERT INTO meta (key, value) VALUES ('store_id', $1) ON CONFLICT (key) DO NOTHING", [id]);
      const r = await client.query<{ value: string }>("SELECT value FROM meta WHERE key = 'store_id'");
      return new PostgresStore(pool, directoryPool, r.rows[0]!.value, opts.clock ?? systemClock, opts.random ?? systemRandom, { key: opts.valueKey, generation: opts.valueKeyGeneration });
    } finally {
      client.release();
    }
  } catch (err) {
    for (const socket of opening) socket.destroy();
    await Promise.all([pool.end().catch(() => {}), directoryPool.end().catch(() => {})]);
    throw err;
  } finally {
    opened = true;
    opening.clear();
  }
}
