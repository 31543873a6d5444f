import { join } from 'node:path';
import { FactorDeskError, fail, toFactorDeskError } from '../core/errors.ts';
import { systemClock, systemRandom, type Clock, type Random } from '../core/clock.ts';
import { Vault, vaultState, type VaultEnv } from '../store/sqlite/vault.ts';
import { openDatabase } from '../store/sqlite/database.ts';
import { DB_FILE } from '../store/sqlite/paths.ts';
import { rotationProgress } from '../store/sqlite/rotation-files.ts';
import type { Session } from '../core/session.ts';
import { currentSettings } from '../core/settings.ts';
import { storeOf } from '../store/sqlite/sqlite-store.ts';
import { DirectorySearches } from '../core/directory-searches.ts';
import { signOutEvent } from '../core/signin.ts';
import type { Store } from '../store/port.ts';
import { clockCheck } from '../core/clock-check.ts';
import { jobRef, runJob, type JobKind, type JobVaultRef } from './jobs.ts';
import { IdleLock } from './idle-lock.ts';
import { forgetSheetCodes } from '../core/enrollment.ts';
import { ClipboardGuard, type ClipboardPort } from './clipboard-guard.ts';
import type { Dialogs, Emit, OpenExternal, PrefsStore, Printer } from './ports.ts';
import { smtpPasswordFromEnv, startSmtpDelivery, type SmtpDeliveryOptions } from '../platform/smtp-transport.ts';
import type { DeliveryPass, DeliveryWorker } from '../core/outbox-delivery.ts';
import type { AppStatus, ErrorCode, JobReport, Prefs, PublicSession, RevivedCredential } from '../../contract/index.ts';
import { memoryConnection, ServerLink, type ConnectionStore, type ServerConnection } from './server-link.ts';

/** How often a key rotation's progress is read from the size of its copy. */
const REKEY_PROGRESS_MS = 250;

/** Everything the app controller needs from the outside world; Electron supplies it in the app, tests supply fakes. */
export interface AppDeps {
  dir: string;
  configured: boolean;
  clock?: Clock;
  random?: Random;
  dialogs: Dialogs;
  printer: Printer;
  prefs: PrefsStore;
  clipboard: ClipboardPort;
  emit: Emit;
  openExternal: OpenExternal;
  externalAllowlist?: readonly string[];
  workerUrl?: URL;
  /** Users one operator may list per minute before lookups pause (tests of throughput lift it). */
  searchesPerMinute?: number;
  /**
   * Delivery of the outbox by SMTP while a vault is open (the relay from the settings, its
   * password from `env`, default the process's FACTORDESK_SMTP_PASSWORD); false: none.
   */
  outboxDelivery?: SmtpDeliveryOptions | false;
  /** The server this app is a client of, kept at rest (address and pinned key only); none: a solo vault. */
  connection?: ConnectionStore;
}

interface Job {
  kind: JobKind;
  cancel(): void;
  result: unknown;
  done: Promise<unknown>;
  /** Who started it, when, its latest progress, and how it failed (`jobs:status`). */
  startedBy: string;
  startedAt: number;
  progress: Record<string, number>;
  error: { code: ErrorCode; message: string } | null;
  finishedAt: number | null;
}

/**
 * The app's state between the window and the services: which vault is open, who is signed in,
 * the idle lock, the clipboard guard and background jobs. Locking closes the vault and wipes
 * its key from memory; a running job keeps its own connection and reports at the next sign-in.
 */
export class AppController {
  readonly deps: AppDeps;
  readonly clock: Clock;
  readonly random: Random;
  readonly idle: IdleLock;
  readonly clipboard: ClipboardGuard;
  private _vault: Vault | null = null;
  private _session: Session | null = null;
  /** Changes at every open and lock, so work that awaited across a lock can tell. */
  private generationOfSession = 0;
  private jobs = new Map<string, Job>();
  /** Finished jobs' reports not yet handed over, with the operator who started each. */
  private unreported: Array<{ report: JobReport; startedBy: string }> = [];
  /** Delivers the outbox while a vault is open (started at open, stopped at lock). */
  private delivery: DeliveryWorker | null = null;
  /** In server mode: the link to the server (the app then opens no vault). */
  private _link: ServerLink | null = null;
  readonly connection: ConnectionStore;

  constructor(deps: AppDeps) {
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
    this.random = deps.random ?? systemRandom;
    this.clipboard = new ClipboardGuard(deps.clipboard);
    this.connection = deps.connection ?? memoryConnection();
    const saved = this.connection.get();
    if (saved) this.useServer(saved);
    this.searches = new DirectorySearches(deps.searchesPerMinute === undefined ? {} : { limitPerMinute: deps.searchesPerMinute });
    this.idle = new IdleLock({
      idleMs: 5 * 60_000,
      now: () => this.clock.now(),
      onWarn: (secondsLeft) => deps.emit('idle:warning', { secondsLeft }),
      onLock: () => this.lock('idle'),
    });
  }

  get env(): VaultEnv {
    return { dir: this.deps.dir, clock: this.clock, random: this.random };
  }
  get session(): Session | null {
    return this._session;
  }
  private closing: Promise<void> = Promise.resolve();
  /** The directory searches of this app's sessions, folded into the audit and rate-limited. */
  readonly searches: DirectorySearches;
  /** Work that has the vault closed in the background (a key rotation after an operator left). */
  private background: Promise<void> = Promise.resolve();

  /** Resolves when no background work has the vault closed: every IPC request waits for it first. */
  whenOpen(): Promise<void> {
    return this.background;
  }

  /**
   * Rotates the vault key in a background job after an operator was disabled or removed (the
   * recovery key is carried over). Requests wait for it (seconds); its end or failure is reported
   * like any job's. Returns the job's promise for tests; it never rejects.
   */
  rotateAfterRevocation(operator: string, change: 'disable' | 'remove'): Promise<void> {
    const run = this.background.then(() =>
      this.withVaultClosed(async (_env, ref) => {
        const { done } = this.startJob('rekey', { after: { operator, change } }, ref);
        const r = (await done) as { generation: number; dek: Uint8Array };
        return { value: null, dek: Buffer.from(r.dek), generation: r.generation };
      }).then(
        () => {},
        () => {}, // reported to the renderer by the job (job:done with the error)
      ),
    );
    this.background = run;
    return run;
  }

  /** The server link in server mode, else null. */
  get link(): ServerLink | null {
    return this._link;
  }

  /** Makes this app a client of `c` (kept at rest); a link to another server is dropped. */
  useServer(c: ServerConnection | null): void {
    if (this._link) {
      void this._link.signOut();
      this._link.close();
    }
    this._link = null;
    this.connection.set(c);
    if (!c) return;
    const link = new ServerLink(c, this.clock);
    // The server ended the session (idle, expiry, revoked): the window locks as after idle.
    link.onEnded = () => this.lock('idle');
    this._link = link;
  }

  /** Changes at every open and lock (work that awaited across a lock can tell). */
  get sessionGeneration(): number {
    return this.generationOfSession;
  }

  /** After a server sign-in: remembers the name, starts the idle lock with the server's setting. */
  async openServerSession(link: ServerLink): Promise<void> {
    this.generationOfSession++;
    const s = link.session!;
    this.deps.prefs.set({ lastOperatorName: s.name });
    let minutes = 5;
    try {
      minutes = (await link.call('settings:get', {})).idleLockMinutes;
    } catch {
      /* an agent may not read settings on every server: the default applies */
    }
    if (link.session === s) this.idle.start(minutes * 60_000);
  }

  get vaultOrNull(): Vault | null {
    return this._vault;
  }

  /** The open vault; SESSION_LOCKED when signed out. */
  vault(): Vault {
    if (!this._vault || !this._session) fail('SESSION_LOCKED', 'Sign in first.');
    return this._vault;
  }

  /** The store of the open vault; SESSION_LOCKED when signed out. */
  store(): Store {
    return storeOf(this.vault());
  }

  /** The signed-in session; SESSION_LOCKED when signed out. */
  requireSession(): Session {
    if (!this._session) fail('SESSION_LOCKED', 'Sign in first.');
    return this._session;
  }

  /** What the start screen needs: is there a vault, is anyone signed in. Never throws. */
  async status(): Promise<AppStatus> {
    const link = this._link;
    if (link) {
      let idleLockMinutes = 5;
      if (link.session) idleLockMinutes = await link.call('settings:get', {}).then((v) => v.idleLockMinutes, () => 5);
      return { mode: 'server', server: { ...link.connection }, vaultState: 'ready', vaultDir: null, error: null, session: link.publicSession(), prefs: this.publicPrefs(), idleLockMinutes };
    }
    let state: AppStatus['vaultState'] = 'error';
    let error: AppStatus['error'] = null;
    try {
      state = vaultState(this.deps.dir, this.deps.configured);
    } catch (err) {
      const e = toFactorDeskError(err);
      error = { code: e.code, message: e.message };
    }
    const idleLockMinutes = this._vault && this._session ? (await currentSettings(storeOf(this._vault))).idleLockMinutes : 5;
    const session = this.publicSession();
    // Before sign-in the page learns neither where the vault is nor who used it last: only the
    // first-run screen, with no vault yet, says where it will be created.
    const vaultDir = session || state === 'none' ? this.deps.dir : null;
    return { mode: 'vault', server: null, vaultState: state, vaultDir, error, session, prefs: this.publicPrefs(), idleLockMinutes };
  }

  /** The preferences as the page may see them: the last operator's name only to a signed-in session. */
  publicPrefs(prefs = this.deps.prefs.get()): Prefs {
    return this.publicSession() ? prefs : { ...prefs, lastOperatorName: '' };
  }

  /** The session as the renderer may see it. */
  publicSession(): PublicSession | null {
    if (this._link) return this._link.publicSession();
    const s = this._session;
    if (!s || s.role === 'service' || s.role === 'automation') return null;
    return { operatorId: s.operatorId, name: s.name, displayName: s.displayName, role: s.role, readOnly: this._vault?.readOnly ?? null };
  }

  /** Takes an unlocked vault and session (after first run, sign-in or recovery). */
  async open(vault: Vault, session: Session): Promise<void> {
    this.closeVault();
    this.generationOfSession++;
    this._vault = vault;
    this._session = { ...session, via: 'app' };
    this.deps.prefs.set({ lastOperatorName: session.name });
    this.startDelivery();
    const { idleLockMinutes } = await currentSettings(storeOf(vault));
    // Locked or replaced while the settings were read: leave the idle timer to the new state.
    if (this._vault === vault) this.idle.start(idleLockMinutes * 60_000);
    await this.checkClock();
  }

  /** Warns when the computer's clock is earlier than the latest time the vault recorded. Never throws. */
  async checkClock(): Promise<void> {
    const vault = this._vault;
    if (!vault) return;
    try {
      const now = this.clock.now();
      const c = await clockCheck(storeOf(vault), now);
      if (c.behind && c.latestRecorded !== null) this.deps.emit('clock:warning', { latestRecorded: c.latestRecorded, now });
    } catch {
      /* locked meanwhile: the next sign-in checks again */
    }
  }

  /** Locks: closes the vault, wipes the key, clears the clipboard, tells the renderer. */
  lock(reason: 'idle' | 'os-lock' | 'suspend' | 'manual' | 'restore', extra: { revived?: RevivedCredential[] } = {}): void {
    const wasOpen = !!this._session || !!this._link?.session;
    // In server mode the session ends on the server too (the token is forgotten here at once).
    if (this._link) void this._link.signOut();
    this.generationOfSession++;
    this.closeVault();
    void this.clipboard.clearIfOurs();
    this.idle.stop();
    if (wasOpen || reason !== 'manual') this.deps.emit('session:locked', { reason, ...(extra.revived?.length ? { revived: extra.revived } : {}) });
  }

  private dropFinishedJobs(): void {
    for (const [id, j] of this.jobs) if (j.result !== undefined) this.jobs.delete(id);
  }

  /**
   * Starts the outbox delivery for the vault open now. It asks for the store at each pass, so a
   * vault reopened under the session (after a key rotation) is delivered from, and a vault that
   * is closed or read-only for the moment is skipped.
   */
  private startDelivery(): void {
    const opts = this.deps.outboxDelivery;
    if (opts === false || this.delivery) return;
    const current = () => {
      const v = this._vault;
      return v && !v.isClosed && !v.readOnly ? storeOf(v) : null;
    };
    // The first pass waits a little: a sign-in is not slowed by it.
    this.delivery = startSmtpDelivery(current, { firstRunMs: 5_000, ...opts });
  }

  /** Asks for a delivery pass soon (after a request that may have queued a notification). */
  deliverySoon(): void {
    this.delivery?.kick();
  }

  /** Runs a delivery pass now (null while no vault is open or delivery is off). */
  async deliverNow(): Promise<DeliveryPass | null> {
    return this.delivery ? this.delivery.runOnce() : null;
  }

  /** True when the relay password is in this process's environment (it is never shown, only whether it is set). */
  smtpPasswordSet(): boolean {
    const opts = this.deps.outboxDelivery;
    return !!smtpPasswordFromEnv(opts ? opts.env : undefined);
  }

  private closeVault(): void {
    // Stopped before the vault closes; `settled` waits for a pass still running.
    if (this.delivery) this.closing = Promise.all([this.closing, this.delivery.stop()]).then(() => {});
    this.delivery = null;
    this.dropFinishedJobs();
    const vault = this._vault;
    const session = this._session;
    this._vault = null;
    this._session = null;
    forgetSheetCodes();
    if (!vault) return;
    if (!session || session.role === 'service') {
      void storeOf(vault).closeWith(null);
      return;
    }
    // The session's folded search event is queued before the sign-out event and the close.
    void this.searches.flush(storeOf(vault), session, { end: true });
    // The sign-out event and the close come after any transaction still running (at once when none is).
    const closing = storeOf(vault).closeWith(signOutEvent(session));
    this.closing = Promise.all([this.closing, closing]).then(() => {});
  }

  /** Resolves when every vault this controller closed is closed (its sign-out event written). */
  settled(): Promise<void> {
    return this.closing;
  }

  /** Reports of jobs that finished while nobody was signed in (handed over once). */
  takeReports(): JobReport[] {
    const mine = this.unreported.filter((u) => this.maySee(u.startedBy));
    this.unreported = this.unreported.filter((u) => !this.maySee(u.startedBy));
    return mine.map((u) => u.report);
  }

  /** A job's report is for the operator who started it, and for admins (an import's result names users). */
  private maySee(startedBy: string): boolean {
    const s = this._session;
    return !!s && (s.operatorId === startedBy || s.role === 'admin');
  }

  /** Starts a background job in a worker; progress and the final report go to the renderer. */
  startJob(kind: JobKind, params: Record<string, unknown>, ref?: JobVaultRef): { jobId: string; done: Promise<unknown> } {
    const session = this.requireSession();
    const jobId = this.random.bytes(8).toString('hex');
    const jobVault = ref ?? jobRef(this.vault());
    const dir = jobVault.dir;
    // A rotation's share done, so the polled sizes below never move the bar back.
    let rotated = 0;
    const onProgress = (p: Record<string, number>): void => {
      job.progress = p;
      if (kind === 'import') this.deps.emit('import:progress', { jobId, rows: p.rows ?? 0, bytes: p.bytes ?? 0, totalBytes: p.totalBytes ?? null, accepted: p.accepted ?? 0, rejected: p.rejected ?? 0, rowsPerSecond: p.rowsPerSecond ?? 0 });
      // A preview's caller waits for its answer: it sends no progress.
      else if (kind !== 'import-preview') this.deps.emit('job:progress', { jobId, kind, done: p.done ?? 0, total: p.total ?? 0 });
    };
    const running = runJob<unknown>(jobVault, session, kind, params, {
      workerUrl: this.deps.workerUrl,
      onProgress: (p) => {
        if (kind === 'rekey' && p.total) rotated = Math.max(rotated, (p.done ?? 0) / p.total);
        onProgress(p);
      },
    });
    if (kind === 'rekey') {
      // The worker's thread is inside one statement (VACUUM INTO) while it copies: the copy's
      // size against the database's is read here, on the main thread, meanwhile.
      const poll = setInterval(() => {
        const p = rotationProgress(dir);
        if (!p || p.total <= 0 || p.done / p.total <= rotated || p.done >= p.total) return;
        rotated = p.done / p.total;
        onProgress({ done: p.done, total: p.total });
      }, REKEY_PROGRESS_MS);
      poll.unref();
      void running.exited.then(() => clearInterval(poll));
    }
    const job: Job = { kind, cancel: running.cancel, result: undefined, done: running.result, startedBy: session.operatorId, startedAt: this.clock.now(), progress: {}, error: null, finishedAt: null };
    running.result.then(
      () => void (job.finishedAt = this.clock.now()),
      (err: unknown) => {
        const e = toFactorDeskError(err);
        job.error = { code: e.code, message: e.message };
        job.finishedAt = this.clock.now();
      },
    );
    this.jobs.set(jobId, job);
    // An import's dry run answers its caller, who waits for it: no report, no toast.
    if (kind === 'import-preview') {
      running.result.then(
        (result) => void (job.result = result),
        () => void (job.result = null),
      );
      return { jobId, done: running.result };
    }
    running.result.then(
      (result) => {
        // A rekey's result carries the new key: hand it to the caller once, never keep it.
        job.result = kind === 'rekey' ? { done: true } : result;
        // A rekey's result carries the new key for this process: never report it.
        const shown = kind === 'rekey' ? null : result;
        this.report({ jobId, kind, ok: true, finishedAt: this.clock.now(), error: null, result: shown }, session.operatorId);
      },
      (err: unknown) => {
        const e = toFactorDeskError(err);
        this.report({ jobId, kind, ok: false, finishedAt: this.clock.now(), error: { code: e.code, message: e.message }, result: null }, session.operatorId);
      },
    );
    return { jobId, done: running.result };
  }

  /** True while a background job is still running. */
  hasRunningJobs(): boolean {
    for (const j of this.jobs.values()) if (j.result === undefined) return true;
    return false;
  }

  /** Waits for a job (tests and the command line). */
  job(jobId: string): Job | undefined {
    return this.jobs.get(jobId);
  }

  /** Cancels a running job. */
  cancelJob(jobId: string): void {
    const j = this.jobs.get(jobId);
    if (!j) fail('NOT_FOUND', 'No such job.');
    j.cancel();
  }

  private report(r: JobReport, startedBy: string): void {
    if (this.maySee(startedBy)) this.deps.emit('job:done', r);
    else this.unreported.push({ report: r, startedBy });
  }

  /**
   * Runs `work` with the vault closed (rekey, restore need the only connection), then reopens
   * it with `reopenKey` (the new key after a rekey) or the old one, keeping the session.
   */
  async withVaultClosed<T>(
    work: (env: VaultEnv, ref: JobVaultRef) => Promise<{ value: T; dek?: Buffer; generation?: number }>,
    opts: { reopen?: boolean } = {},
  ): Promise<T> {
    const vault = this.vault();
    this.requireSession();
    const oldKey = vault.keyForWorker();
    const { vaultId, generation } = vault;
    const token = this.generationOfSession;
    vault.close();
    this._vault = null;
    const reopen = (key: Buffer, gen: number) => {
      // Locked (idle, OS lock) or another operator signed in while we waited: do not install a
      // vault behind their back; the next sign-in opens it.
      if (this.generationOfSession !== token || !this._session) return;
      this._vault = new Vault(this.env, openDatabase(join(this.deps.dir, DB_FILE), key), Buffer.from(key), vaultId, gen);
    };
    let ref: JobVaultRef | null = { dir: this.deps.dir, vaultId, generation, key: Buffer.from(oldKey), clock: this.clock };
    try {
      const r = await work(this.env, ref);
      if (opts.reopen !== false) reopen(r.dek ?? oldKey, r.generation ?? generation);
      r.dek?.fill(0);
      return r.value;
    } catch (err) {
      try {
        reopen(oldKey, generation);
      } catch {
        this.lock('restore');
      }
      throw err instanceof FactorDeskError ? err : toFactorDeskError(err);
    } finally {
      oldKey.fill(0);
      ref.key.fill(0);
      ref = null;
    }
  }

  /** Rotates the vault key in a worker with the app's own connection closed, then reopens with the new key. */
  async rekey(): Promise<{ recoveryKey: string }> {
    return this.withVaultClosed(async (_env, ref) => {
      const { done } = this.startJob('rekey', {}, ref);
      const r = (await done) as { recoveryKey: string; generation: number; dek: Uint8Array };
      return { value: { recoveryKey: r.recoveryKey }, dek: Buffer.from(r.dek), generation: r.generation };
    });
  }
}
