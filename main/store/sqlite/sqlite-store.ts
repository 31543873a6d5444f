import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditInput } from '../../core/audit.ts';
import type { Clock, Random } from '../../core/clock.ts';
import type { Vault } from './vault.ts';
import type { ServerReadTx, ServerStore, ServerWriteTx, WriteOptions, ReadOptions } from '../port.ts';
import { afterThisTurn, SHARED_COMMIT_MAX, type SharedCommit, type SharedMember } from '../shared-commit.ts';
import { TxState } from './tx-state.ts';
import { BulkTuning } from './bulk-tuning.ts';
import { SqliteUsers } from './repos/users.ts';
import { SqliteVerification } from './repos/verification.ts';
import { SqliteAuthenticators } from './repos/authenticators.ts';
import { SqliteCodes } from './repos/codes.ts';
import { SqliteSms } from './repos/sms.ts';
import { SqliteOutbox } from './repos/outbox.ts';
import { SqliteSettings } from './repos/settings.ts';
import { SqliteMeta } from './repos/meta.ts';
import { SqliteAudit } from './repos/audit.ts';
import { SqliteDirectory } from './repos/directory.ts';
import { SqliteOperators } from './repos/operators.ts';
import { SqliteAlerts } from './repos/alerts.ts';
import { SqliteApprovals } from './repos/approvals.ts';
import { SqliteServerAuth } from './repos/server-auth.ts';
import { SqliteRadiusClients } from './repos/radius-clients.ts';
import { SqliteAutomationClients } from './repos/automation-clients.ts';
import { AlertingAudit, AlertListeners, type AlertListener } from '../alerting-audit.ts';
import type { AlertRecord } from '../repos/alerts.ts';
import { SqliteCredentials, SqliteKeyring } from './keyring.ts';
import type { Keyring } from '../keyring.ts';
import type { ValueCipher } from '../../core/value-cipher.ts';
import { readOnlyError, type ReadOnlyReason } from '../../core/errors.ts';

/**
 * Audited commits the anchor may lag behind while further transactions are queued: each move
 * of the anchor writes and fsyncs the key-slot file. The anchor never leads; it only lags, and
 * by no more than this (or until the queue is empty, whichever comes first).
 */
export const ANCHOR_LAG = 32;
/**
 * How long the anchor may trail the verifications of shared commits (at most ANCHOR_LAG of
 * them): under a steady stream of login-service verifications one slot-file write then covers
 * every commit of the interval instead of one each. Any other write moves it at once.
 */
export const ANCHOR_DELAY_MS = 20;


/** Builds the repositories of one transaction over its shared state. */
function makeTx(s: TxState, vault: Vault, raised: AlertRecord[]): ServerWriteTx {
  const alerts = new SqliteAlerts(s);
  const operators = new SqliteOperators(s);
  return {
    users: new SqliteUsers(s),
    verification: new SqliteVerification(s),
    authenticators: new SqliteAuthenticators(s),
    codes: new SqliteCodes(s),
    sms: new SqliteSms(s),
    outbox: new SqliteOutbox(s),
    settings: new SqliteSettings(s),
    meta: new SqliteMeta(s),
    audit: new AlertingAudit(new SqliteAudit(s), alerts, operators, raised),
    directory: new SqliteDirectory(s),
    operators,
    credentials: new SqliteCredentials(s, vault),
    alerts,
    approvals: new SqliteApprovals(s),
    serverAuth: new SqliteServerAuth(s),
    radiusClients: new SqliteRadiusClients(s),
    automationClients: new SqliteAutomationClients(s),
  };
}

/**
 * The vault folder's store. The driver is synchronous and cannot run an async callback inside
 * its own `transaction()`, so whole callbacks are serialised through one queue per connection:
 * a write runs under BEGIN IMMEDIATE (other processes wait on busy_timeout, never fail half-way),
 * a read under a deferred BEGIN (one consistent snapshot). Audit events appended in a write move
 * the anchor outside the database after COMMIT, never before. Every vault has the tables a
 * server needs (`serverAuth`, `radiusClients`), so the same store runs behind `factordesk serve
 * --store FOLDER`; in a solo vault they stay empty.
 */
export class SqliteStore implements ServerStore {
  readonly kind = 'vault' as const;
  private readonly vault: Vault;
  private tail: Promise<unknown> = Promise.resolve();
  /** Transactions queued or running. */
  private pending = 0;
  private readonly inside = new AsyncLocalStorage<true>();
  private readonly bulk = new BulkTuning(() => this.vault.isClosed);
  private readonly alertListeners = new AlertListeners();
  /** The shared commit still taking writes: the last thing queued, not yet committing. */
  private joinable: SharedCommit | null = null;
  /** Audited commits the anchor has not followed yet (see settleAnchor). */
  private anchorOwed = 0;
  /** The timer that moves the anchor after shared commits (see settleAnchorSoon). */
  private anchorTimer: NodeJS.Timeout | null = null;

  constructor(vault: Vault) {
    this.vault = vault;
  }

  get storeId(): string {
    return this.vault.vaultId;
  }
  get clock(): Clock {
    return this.vault.clock;
  }
  get random(): Random {
    return this.vault.random;
  }
  get keyring(): Keyring {
    return new SqliteKeyring(this.vault);
  }
  get values(): ValueCipher {
    return this.vault.values;
  }
  get readOnly(): ReadOnlyReason | null {
    return this.vault.readOnly;
  }

  onAlerts(listener: AlertListener): () => void {
    return this.alertListeners.add(listener);
  }

  read<T>(fn: (tx: ServerReadTx) => Promise<T>, opts: ReadOptions = {}): Promise<T> {
    return (opts.single === true && this.readNow(fn)) || this.enqueue(false, fn);
  }

  /**
   * A read of one statement (ReadOptions.single) while no transaction is open: run at once,
   * outside the queue (the statement alone sees what is committed), so every request's session
   * check does not wait its turn behind the writes queued before it. The statement must run
   * before the callback's first await; the transaction ends there. Null: queue it as usual.
   */
  private readNow<T>(fn: (tx: ServerReadTx) => Promise<T>): Promise<T> | null {
    if (this.inside.getStore() || this.vault.isClosed || this.vault.db.inTransaction) return null;
    const s = new TxState(this.vault.db, false);
    try {
      return fn(makeTx(s, this.vault, []));
    } catch (err) {
      return Promise.reject(err);
    } finally {
      s.open = false;
    }
  }

  write<T>(fn: (tx: ServerWriteTx) => Promise<T>, opts: WriteOptions = {}): Promise<T> {
    // Refused before anything runs: a read-only session changes nothing and says why.
    if (this.vault.readOnly) return Promise.reject(readOnlyError(this.vault.readOnly));
    if (opts.coalesce === true && opts.bulk !== true) return this.enqueueShared(fn);
    return this.enqueue(true, fn, opts.bulk === true);
  }

  /**
   * The store's clock: one process serves a vault folder (its database has no clock of its own),
   * so every answer of this server already agrees with it.
   */
  async databaseTime(): Promise<number> {
    return this.vault.now();
  }

  /** Closes the vault (wiping its key) once the transactions queued before have run. */
  close(): Promise<void> {
    return this.closeWith(null);
  }

  private enqueue<T>(writable: boolean, fn: (tx: ServerWriteTx) => Promise<T>, bulk = false): Promise<T> {
    // A nested call would wait for its own parent in the queue: fail loudly instead.
    if (this.inside.getStore()) return Promise.reject(new Error('A store transaction was opened inside another one: pass the transaction down instead.'));
    const task = () => this.inside.run(true, () => this.run(writable, fn, bulk));
    // A shared commit queued before a write must not take writes queued after it. A read may
    // wait behind writes that join later: they are concurrent with it, either order is one.
    if (writable) this.joinable = null;
    return this.chain(task);
  }

  private chain<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    const p = this.tail.then(task, task);
    this.tail = p.then(
      () => void this.pending--,
      () => void this.pending--,
    );
    return p;
  }

  /**
   * Appends a last event (or none) and closes the vault, wiping its key: at once when no
   * transaction is queued or running, else after them. The returned promise settles when closed.
   * A lock must close the vault now, so this does not wait for a turn when there is none.
   */
  closeWith(last: AuditInput | null): Promise<void> {
    const vault = this.vault;
    const finish = (): void => {
      try {
        // The anchor follows every commit before the vault closes.
        this.settleAnchor(true);
        if (last && !vault.isClosed) vault.auditNow(last);
      } catch {
        /* the vault may be gone (restore): closing must still succeed */
      } finally {
        if (!vault.isClosed) vault.close();
      }
    };
    if (this.pending === 0) {
      finish();
      return Promise.resolve();
    }
    return this.tail.then(finish);
  }

  private async run<T>(writable: boolean, fn: (tx: ServerWriteTx) => Promise<T>, bulk = false): Promise<T> {
    try {
      return await this.runOnce(writable, fn, bulk);
    } finally {
      this.settleAnchor();
    }
  }

  private async runOnce<T>(writable: boolean, fn: (tx: ServerWriteTx) => Promise<T>, bulk: boolean): Promise<T> {
    const db = this.vault.db;
    if (writable) this.bulk.tune(db, bulk);
    const s = new TxState(db, writable);
    db.exec(writable ? 'BEGIN IMMEDIATE' : 'BEGIN');
    let result: T;
    const raised: AlertRecord[] = [];
    try {
      result = await fn(makeTx(s, this.vault, raised));
      for (const hook of s.beforeCommit) hook();
      s.open = false;
      db.exec('COMMIT');
    } catch (err) {
      s.open = false;
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
    // A bulk series leaves the anchor to its closing ordinary write (one slot-file write, not one per batch).
    if (bulk && s.audited) this.bulk.anchorOwed = true;
    else if (s.keepAnchor) this.anchorOwed = 0;
    else if (s.audited || (writable && this.bulk.anchorOwed)) {
      if (writable) this.bulk.anchorOwed = false;
      this.anchorOwed++;
    }
    // Outside this transaction's context, so a listener may read the store (its settings).
    if (raised.length > 0) this.inside.exit(() => this.alertListeners.notify(raised));
    return result;
  }

  /** Queues a coalescing write: into the shared commit at the end of the queue, or a new one. */
  private enqueueShared<T>(fn: (tx: ServerWriteTx) => Promise<T>): Promise<T> {
    if (this.inside.getStore()) return Promise.reject(new Error('A store transaction was opened inside another one: pass the transaction down instead.'));
    return new Promise<T>((resolve, reject) => {
      const member: SharedMember = { fn, resolve: resolve as (v: unknown) => void, reject };
      const open = this.joinable;
      if (open && open.members.length < SHARED_COMMIT_MAX) {
        open.members.push(member);
        return;
      }
      const batch: SharedCommit = { members: [member] };
      this.joinable = batch;
      void this.chain(() =>
        this.inside.run(true, async () => {
          // Requests read together verify in one commit and one fsync.
          await afterThisTurn();
          return this.runShared(batch);
        }),
      ).catch(() => {});
    });
  }

  /**
   * Runs the writes of one shared commit in turn, each under a SAVEPOINT (one that throws is
   * rolled back to it and fails alone), then one COMMIT; each promise settles after it. Writes
   * queued while it runs join it until it commits. A write that leaves key-slot file work for
   * its commit has it committed at once (that work still runs just before COMMIT); the writes
   * after it go on in a new transaction, in the same turn of the queue.
   */
  private async runShared(batch: SharedCommit): Promise<void> {
    try {
      let next = 0;
      while (next < batch.members.length) next = await this.commitShared(batch, next);
    } finally {
      // No write joins once the loop has ended (this runs before any other callback can).
      if (this.joinable === batch) this.joinable = null;
      this.settleAnchor();
    }
  }

  /** One transaction of a shared commit, from member `from`; returns where the next one starts. */
  private async commitShared(batch: SharedCommit, from: number): Promise<number> {
    const db = this.vault.db;
    this.bulk.tune(db, false);
    const done: Array<{ m: SharedMember; result: unknown; s: TxState; raised: AlertRecord[] }> = [];
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      batch.members[from]!.reject(err);
      return from + 1;
    }
    let lost: unknown = null;
    let i = from;
    while (i < batch.members.length) {
      const m = batch.members[i++]!;
      const s = new TxState(db, true);
      const raised: AlertRecord[] = [];
      db.exec('SAVEPOINT shared_write');
      try {
        const result = await m.fn(makeTx(s, this.vault, raised));
        for (const hook of s.beforeCommit) hook();
        s.open = false;
        db.exec('RELEASE shared_write');
        done.push({ m, result, s, raised });
        if (s.beforeCommit.length > 0) break;
      } catch (err) {
        s.open = false;
        m.reject(err);
        if (!db.inTransaction) {
          // The database ended the whole transaction (disk full, I/O): nothing of it commits.
          lost = err;
          break;
        }
        db.exec('ROLLBACK TO shared_write');
        db.exec('RELEASE shared_write');
      }
    }
    if (i >= batch.members.length && this.joinable === batch) this.joinable = null;
    if (lost === null) {
      try {
        db.exec('COMMIT');
      } catch (err) {
        lost = err;
        if (db.inTransaction) db.exec('ROLLBACK');
      }
    }
    if (lost !== null) {
      for (const d of done) d.m.reject(lost);
      return i;
    }
    for (const d of done) {
      if (d.s.keepAnchor) this.anchorOwed = 0;
      else if (d.s.audited || this.bulk.anchorOwed) {
        this.bulk.anchorOwed = false;
        this.anchorOwed++;
      }
    }
    // The anchor moves before the answers when it owes ANCHOR_LAG commits, else within ANCHOR_DELAY_MS.
    if (i >= batch.members.length) this.settleAnchorSoon();
    const raised = done.flatMap((d) => d.raised);
    if (raised.length > 0) this.inside.exit(() => this.alertListeners.notify(raised));
    for (const d of done) d.m.resolve(d.result);
    return i;
  }

  /**
   * Moves the anchor after audited commits: at once when no other transaction is queued (so a
   * caller that waits for each answer always finds the anchor at the head), else after at most
   * ANCHOR_LAG commits. Each move rewrites and fsyncs the key-slot file, the largest cost of a
   * verification when every one paid it; under load one move covers the commits queued behind.
   */
  private settleAnchor(now = false): void {
    if (this.anchorOwed === 0 || (!now && this.pending > 1 && this.anchorOwed < ANCHOR_LAG) || this.vault.isClosed) return;
    this.anchorOwed = 0;
    if (this.anchorTimer) clearTimeout(this.anchorTimer);
    this.anchorTimer = null;
    try {
      this.vault.refreshAnchor();
    } catch {
      // The action is committed; reporting it as failed would hide a code that now exists.
      // The anchor only lags (never leads) and catches up at the next write.
    }
  }

  /** After a shared commit: the anchor moves at once when it owes ANCHOR_LAG commits, else after ANCHOR_DELAY_MS. */
  private settleAnchorSoon(): void {
    if (this.anchorOwed === 0 || this.vault.isClosed) return;
    if (this.anchorOwed >= ANCHOR_LAG) return this.settleAnchor(true);
    this.anchorTimer ??= setTimeout(() => {
      this.anchorTimer = null;
      if (this.vault.isClosed) return;
      // Never inside another write's transaction (it would anchor rows not yet committed): after it.
      if (this.vault.db.inTransaction) this.settleAnchorSoon();
      else this.settleAnchor(true);
    }, ANCHOR_DELAY_MS);
    // A process with nothing else to do does not stay for it (closing the vault moves the anchor).
    this.anchorTimer.unref();
  }
}

const stores = new WeakMap<Vault, SqliteStore>();
const openHooks: Array<(s: SqliteStore) => void> = [];

/** Runs `hook` on every vault store when it is first made (the shell attaches the alert log). */
export function whenVaultStoreOpens(hook: (s: SqliteStore) => void): void {
  openHooks.push(hook);
}

/** The store of an open vault (one per vault object, so all callers share its queue). */
export function storeOf(vault: Vault): SqliteStore {
  let s = stores.get(vault);
  if (!s) {
    stores.set(vault, (s = new SqliteStore(vault)));
    for (const hook of openHooks) hook(s);
  }
  return s;
}
