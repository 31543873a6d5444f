/**
 * The storage port: everything services may know about where data lives. A service gets a
 * `Store`, opens a read or write transaction and talks to one repository per aggregate. No SQL,
 * handle, file path or engine detail crosses this line; the adapters (main/store/sqlite, later
 * PostgreSQL) implement it and pass the same conformance suite (test/store).
 */
import type { Clock, Random } from '../core/clock.ts';
import type { UsersRead, UsersRepo } from './repos/users.ts';
import type { VerificationRead, VerificationRepo } from './repos/verification.ts';
import type { AuthenticatorsRead, AuthenticatorsRepo } from './repos/authenticators.ts';
import type { CodesRead, CodesRepo } from './repos/codes.ts';
import type { SmsRead, SmsRepo } from './repos/sms.ts';
import type { OutboxRead, OutboxRepo } from './repos/outbox.ts';
import type { SettingsRead, SettingsRepo } from './repos/settings.ts';
import type { MetaRead, MetaRepo } from './repos/meta.ts';
import type { AuditRead, AuditRepo } from './repos/audit.ts';
import type { DirectoryRead, DirectoryRepo } from './repos/directory.ts';
import type { OperatorsRead, OperatorsRepo } from './repos/operators.ts';
import type { CredentialsRead, CredentialsRepo, Keyring } from './keyring.ts';
import type { ServerAuthRead, ServerAuthRepo } from './repos/server-auth.ts';
import type { ValueCipher } from '../core/value-cipher.ts';
import type { RadiusClientsRead, RadiusClientsRepo } from './repos/radius-clients.ts';
import type { AutomationClientsRead, AutomationClientsRepo } from './repos/automation-clients.ts';
import type { ReadOnlyReason } from '../../contract/errors.ts';
import type { AlertListener, AlertsRead, AlertsRepo } from './repos/alerts.ts';
import type { ApprovalsRead, ApprovalsRepo } from './repos/approvals.ts';

/** What a read transaction may look at: a consistent snapshot. */
export interface ReadTx {
  readonly users: UsersRead;
  readonly verification: VerificationRead;
  readonly authenticators: AuthenticatorsRead;
  readonly codes: CodesRead;
  readonly sms: SmsRead;
  readonly outbox: OutboxRead;
  readonly settings: SettingsRead;
  readonly meta: MetaRead;
  readonly audit: AuditRead;
  readonly directory: DirectoryRead;
  readonly operators: OperatorsRead;
  readonly credentials: CredentialsRead;
  readonly alerts: AlertsRead;
  readonly approvals: ApprovalsRead;
}

/** What a write transaction may change; all of it commits together or not at all. */
export interface WriteTx extends ReadTx {
  readonly users: UsersRepo;
  readonly verification: VerificationRepo;
  readonly authenticators: AuthenticatorsRepo;
  readonly codes: CodesRepo;
  readonly sms: SmsRepo;
  readonly outbox: OutboxRepo;
  readonly settings: SettingsRepo;
  readonly meta: MetaRepo;
  readonly audit: AuditRepo;
  readonly directory: DirectoryRepo;
  readonly operators: OperatorsRepo;
  readonly credentials: CredentialsRepo;
  readonly alerts: AlertsRepo;
  readonly approvals: ApprovalsRepo;
}

/**
 * A store. `write` callbacks may be run more than once (a store that retries serialization
 * failures), so they do no file I/O, printing or sending, and slow work (hashing, QR rendering)
 * happens before them. Calling `read` or `write` from inside a callback of the same store is a
 * programming error and throws: pass the transaction down instead.
 */
export interface Store {
  /** Which kind of store this is (for diagnostics and the few answers that differ). */
  readonly kind: 'vault' | 'postgres';
  /** An id of the store's data set (the vault id). */
  readonly storeId: string;
  readonly clock: Clock;
  readonly random: Random;
  /** Slow credential work (KDF) done before a write transaction; see main/store/keyring.ts. */
  readonly keyring: Keyring;
  /**
   * Seals and opens the store's secret values (TOTP seeds) one by one, bound to their row and
   * column: services seal before they write a secret and open after they read one. The stores
   * keep only the boxes. PostgreSQL is keyed by the server's data key; the vault folder by a
   * random value key kept inside its encrypted database.
   */
  readonly values: ValueCipher;
  /**
   * Why this store can only be read (a read-only vault folder, a full disk), or null. Then every
   * `write` is refused with VAULT_READ_ONLY before its callback runs; reads work.
   */
  readonly readOnly: ReadOnlyReason | null;
  read<T>(fn: (tx: ReadTx) => Promise<T>, opts?: ReadOptions): Promise<T>;
  write<T>(fn: (tx: WriteTx) => Promise<T>, opts?: WriteOptions): Promise<T>;
  /**
   * Tells `listener` after each COMMIT that raised alerts (the alert log, syslog), outside the
   * transaction; returns the function that removes it. A listener's failure never fails the write.
   */
  onAlerts(listener: AlertListener): () => void;
}

/** Hints for one read transaction; a store may ignore them. */
export interface ReadOptions {
  /**
   * The callback runs exactly one statement (a look-up by key, as every request's session
   * check): a store over a network may run it without a transaction around it, since one
   * statement reads one snapshot, and save the round trips of BEGIN and COMMIT. A second
   * statement in such a read fails.
   */
  single?: boolean;
  /**
   * The callback's statements need not read one snapshot: each is whole on its own, and an
   * answer read across a concurrent change is as good as one read just before or after it (a
   * type-ahead's page of the directory). A store over a network may run them without a
   * transaction around them, saving the round trips of BEGIN and COMMIT, and without waiting
   * for audit events of its own still being chained (such a read reads no audit).
   */
  perStatement?: boolean;
}

/** Hints for one write transaction; a store may ignore them. */
export interface WriteOptions {
  /**
   * One of a series of large writes (an import's batches): the store may tune itself for the
   * series (a bigger page cache) and let outside bookkeeping (the audit anchor) catch up at the
   * next ordinary write, which also ends the tuning. The series ends with an ordinary write.
   */
  bulk?: boolean;
  /**
   * A short, self-contained write (a routine code verification) that may share its COMMIT with
   * other such writes queued with it: each runs in turn, sees the ones before it, and fails
   * alone (its changes undone) when it throws; its promise settles only after the shared COMMIT
   * (a failed COMMIT fails them all). A store without a cost per COMMIT ignores it.
   *
   * Its audit events are stored in its transaction, but a store whose writers would otherwise
   * queue on the chain head (PostgreSQL) may append them to the chain just after the COMMIT:
   * `append` then answers without the event's place (seq 0, empty hashes), the alerts are raised
   * when it is chained, and the store's next transaction begun after the answer sees it in the chain.
   */
  coalesce?: boolean;
}

/** A read transaction of a store that runs behind `factordesk serve`: also its sign-in data. */
export interface ServerReadTx extends ReadTx {
  readonly serverAuth: ServerAuthRead;
  readonly radiusClients: RadiusClientsRead;
  readonly automationClients: AutomationClientsRead;
}

/** A write transaction of a server's store. */
export interface ServerWriteTx extends WriteTx {
  readonly serverAuth: ServerAuthRepo;
  readonly radiusClients: RadiusClientsRepo;
  readonly automationClients: AutomationClientsRepo;
}

/** A store a server can run on: its transactions also reach operators' second factors, sessions, RADIUS and automation clients. */
export interface ServerStore extends Store {
  read<T>(fn: (tx: ServerReadTx) => Promise<T>, opts?: ReadOptions): Promise<T>;
  write<T>(fn: (tx: ServerWriteTx) => Promise<T>, opts?: WriteOptions): Promise<T>;
  /** The store's own clock (epoch ms), which every instance on it must agree with. */
  databaseTime(): Promise<number>;
  close(): Promise<void>;
}
