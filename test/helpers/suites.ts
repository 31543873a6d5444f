// Shared helpers for the security, fault and load suites (issue 5): an app over a chosen folder
// with recording fakes, fast bulk user inserts, vault fingerprints, child processes, tmpfs.
import { SEAL_META } from '../../main/store/sqlite/signin-journal.ts';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3-multiple-ciphers';
import { createApp } from '../../main/ipc/setup.ts';
import type { AppDeps } from '../../main/app/controller.ts';
import { memoryPrefs, type OpenKind, type SaveKind } from '../../main/app/ports.ts';
import { ManualClock, type Clock, type Random } from '../../main/core/clock.ts';
import { applyKey, integrityCheck, type Db } from '../../main/store/sqlite/database.ts';
import { type ChainReport } from '../../main/core/audit.ts';
import { verifyAuditRows as verifyAuditChain } from '../../main/store/sqlite/audit-rows.ts';
import { anchorMac, derivedKey, readSlotFile, SLOT_FILE } from '../../main/store/sqlite/key-slots.ts';
import { safeEqualHex } from '../../main/core/crypto.ts';
import { DB_FILE } from '../../main/store/sqlite/paths.ts';
import { FactorDeskError, type ErrorCode } from '../../main/core/errors.ts';
import { foldKey, identityKey } from '../../main/core/text.ts';
import { indexedNameWords } from '../../main/store/sqlite/name-words.ts';
import type { Channel, EventName, Req, Result } from '../../contract/index.ts';
import { ADMIN, AGENT } from './vault.ts';
import { base32Decode, base32Encode } from '../../main/core/base32.ts';

export { ADMIN, AGENT };
export const OWN_FRAME = { url: 'app://factordesk/index.html', parent: null };
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
export const CTX = { checks: ['callback'], ticket: 'HD-5000', reason: 'lost phone' };

/** A channel's answer as tests read it: `value` is untyped, `error` after narrowing on `ok`. */
export type AnyResult =
  | { ok: true; value: any; error?: undefined }
  | { ok: false; value?: undefined; error: { code: ErrorCode; message: string; details?: Record<string, unknown> } };

/** The app (controller + guarded dispatcher) over `dir`, with fakes that record what happened. */
export function makeSuiteApp<C extends Clock = ManualClock>(opts: { dir?: string; clock?: C; random?: Random; externalAllowlist?: readonly string[]; searchesPerMinute?: number; outboxDelivery?: AppDeps['outboxDelivery'] } = {}) {
  const tmp = opts.dir ? null : mkdtempSync(join(tmpdir(), 'fd-suite-'));
  const dir = opts.dir ?? join(tmp!, 'vault');
  const clock = (opts.clock ?? new ManualClock()) as C;
  const events: Array<{ event: EventName; data: unknown }> = [];
  const clipboard = { value: '' };
  const saved: Partial<Record<SaveKind, string | null>> = {};
  const opened: Partial<Record<OpenKind, string | null>> = {};
  const printed: string[] = [];
  const externals: string[] = [];
  const { controller, dispatch } = createApp({
    dir,
    configured: false,
    clock,
    ...(opts.random ? { random: opts.random } : {}),
    dialogs: { openFile: async (k) => opened[k] ?? null, saveFile: async (k) => saved[k] ?? null },
    printer: {
      print: async (html) => {
        printed.push(html);
        return true;
      },
      savePdf: async (html) => {
        printed.push(html);
      },
    },
    prefs: memoryPrefs(),
    clipboard: { write: (e) => void (clipboard.value = e.text), read: () => clipboard.value, clear: () => (clipboard.value = '') },
    emit: (event, data) => events.push({ event, data }),
    openExternal: async (url) => {
      externals.push(url);
    },
    ...(opts.externalAllowlist ? { externalAllowlist: opts.externalAllowlist } : {}),
    ...(opts.searchesPerMinute === undefined ? {} : { searchesPerMinute: opts.searchesPerMinute }),
    // No SMTP delivery unless a test asks for it (its timers would outlive short tests).
    outboxDelivery: opts.outboxDelivery ?? false,
  });
  /** Calls a channel as the app's own top-level window would (or from `frame`). */
  const call = async <K extends Channel>(channel: K, req: Req<K>, frame: unknown = OWN_FRAME): Promise<AnyResult> =>
    dispatch(channel, { frame: frame as never, topFrame: frame }, req) as Promise<AnyResult>;
  /** Calls with an untyped payload (fuzzing). */
  const raw = (channel: string, payload: unknown, frame: unknown = OWN_FRAME): Promise<AnyResult> =>
    dispatch(channel, { frame: frame as never, topFrame: frame }, payload) as Promise<AnyResult>;
  return {
    dir,
    clock,
    controller,
    dispatch,
    call,
    raw,
    events,
    clipboard,
    saved,
    opened,
    printed,
    externals,
    /** Creates the vault with the admin (ADMIN) signed in. */
    async firstRun(): Promise<{ recoveryKey: string }> {
      const r = await call('session:first-run', { name: ADMIN.name, displayName: ADMIN.displayName, email: ADMIN.email, password: ADMIN.password });
      if (!r.ok) throw new Error(`first run failed: ${r.error.code}`);
      return r.value as { recoveryKey: string };
    },
    async signIn(who: { name: string; password: string }): Promise<AnyResult> {
      return call('session:sign-in', { name: who.name, password: who.password });
    },
    /** Adds the agent (AGENT) as the signed-in admin. */
    async addAgent(): Promise<void> {
      const r = await call('operators:add', { name: AGENT.name, displayName: AGENT.displayName, role: 'agent', email: AGENT.email, password: AGENT.password });
      if (!r.ok) throw new Error(`add agent failed: ${r.error.code}`);
    },
    /** The open vault's database (the test's own view, same connection). */
    db(): Db {
      const v = controller.vaultOrNull;
      if (!v) throw new Error('no vault open');
      return v.db;
    },
    close() {
      controller.lock('manual');
    },
    cleanup() {
      controller.lock('manual');
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    },
  };
}
export type SuiteApp = ReturnType<typeof makeSuiteApp<ManualClock>>;

/** The email of bulk user `i` (unique, deterministic). */
export function bulkEmail(i: number): string {
  return `user${String(i).padStart(7, '0')}@bulk.example.no`;
}

const FIRST = ['Kari', 'Ola', 'Ingrid', 'Per', 'Sigrid', 'Lars', 'Astrid', 'Nils', 'Øyvind', 'Åse'];
const LAST = ['Nordmann', 'Hansen', 'Johansen', 'Olsen', 'Larsen', 'Berg', 'Haugen', 'Dahl', 'Lie', 'Bakken'];

/** The name of bulk user `i`. */
export function bulkName(i: number): string {
  return `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]} ${i}`;
}

/**
 * Inserts users `from`..`from+n-1` with direct SQL (users plus user_name_words, as the writer
 * keeps them), in transactions of `batch` rows. Returns the first and last id.
 */
export function insertUsers(db: Db, n: number, opts: { from?: number; batch?: number; now?: number } = {}): { firstId: number; lastId: number } {
  const from = opts.from ?? 0;
  const batch = opts.batch ?? 10_000;
  const now = opts.now ?? Date.UTC(2026, 10, 26, 9, 0, 0);
  const cols = (db.prepare("SELECT name FROM pragma_table_info('user_name_words')").pluck().all() as string[]);
  const wordsHaveKeys = cols.includes('name_key') && cols.includes('email_key');
  const wordsHaveStatus = cols.includes('status');
  // From schema 8 users have an identity key beside the search key (the same for these ASCII addresses).
  const hasIdentity = (db.prepare("SELECT name FROM pragma_table_info('users')").pluck().all() as string[]).includes('email_identity');
  const insUser = db.prepare(
    hasIdentity
      ? 'INSERT INTO users (email, email_key, name, name_key, phone, organization, status, created_at, updated_at, email_identity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id'
      : 'INSERT INTO users (email, email_key, name, name_key, phone, organization, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
  ).pluck();
  const insWord = wordsHaveStatus
    ? db.prepare("INSERT OR IGNORE INTO user_name_words (word, user_id, name_key, email_key, status) VALUES (?, ?, ?, ?, 'active')")
    : wordsHaveKeys
    ? db.prepare('INSERT OR IGNORE INTO user_name_words (word, user_id, name_key, email_key) VALUES (?, ?, ?, ?)')
    : db.prepare('INSERT OR IGNORE INTO user_name_words (word, user_id) VALUES (?, ?)');
  let firstId = 0;
  let lastId = 0;
  for (let start = from; start < from + n; start += batch) {
    const end = Math.min(start + batch, from + n);
    db.transaction(() => {
      for (let i = start; i < end; i++) {
        const email = bulkEmail(i);
        const name = bulkName(i);
        const emailKey = foldKey(email);
        const nameKey = foldKey(name);
        const phone = `+4790${String(i % 1_000_000).padStart(6, '0')}`;
        const id = (hasIdentity ? insUser.get(email, emailKey, name, nameKey, phone, 'Bulk AS', 'active', now, now, identityKey(email)) : insUser.get(email, emailKey, name, nameKey, phone, 'Bulk AS', 'active', now, now)) as number;
        if (firstId === 0) firstId = id;
        lastId = id;
        for (const w of indexedNameWords(nameKey)) {
          if (wordsHaveKeys || wordsHaveStatus) insWord.run(w, id, nameKey, emailKey);
          else insWord.run(w, id);
        }
      }
    }).immediate();
  }
  return { firstId, lastId };
}

/** Inserts one user by direct SQL; returns its id. */
export function insertUser(db: Db, email: string, name: string, opts: { status?: 'active' | 'disabled'; sms?: string; now?: number } = {}): number {
  const now = opts.now ?? Date.UTC(2026, 10, 26, 9, 0, 0);
  const id = Number(
    db
      .prepare('INSERT INTO users (email, email_identity, email_key, name, name_key, phone, organization, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(email, identityKey(email), foldKey(email), name, foldKey(name), opts.sms ?? null, 'Eksempel AS', opts.status ?? 'active', now, now).lastInsertRowid,
  );
  if (opts.sms) db.prepare('INSERT INTO sms_factors (user_id, phone, verified, created_at) VALUES (?, ?, 1, ?)').run(id, opts.sms, now);
  return id;
}

function rowText(row: unknown): string {
  return JSON.stringify(row, (_k, v) => (Buffer.isBuffer(v) ? `buf:${v.toString('hex')}` : v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? `buf:${Buffer.from((v as { data: number[] }).data).toString('hex')}` : v));
}

/** A hash of every table's rows except the audit log, and the number of audit events. */
export function vaultFingerprint(db: Db): { tables: Record<string, string>; audit: number } {
  const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'audit_events' ORDER BY name").pluck().all() as string[];
  const tables: Record<string, string> = {};
  for (const t of names) {
    const h = createHash('sha256');
    // WITHOUT ROWID tables have no rowid: order by every column instead.
    const cols = (db.prepare(`SELECT name FROM pragma_table_info('${t}')`).pluck().all() as string[]).map((c) => `"${c}"`).join(', ');
    // The sign-in journal's last seal (main/store/sqlite/signin-journal.ts) moves with every
    // sign-in, as the audit anchor does: it is not part of what a request may change.
    const where = t === 'meta' ? ` WHERE key != '${SEAL_META}'` : '';
    for (const row of db.prepare(`SELECT * FROM "${t}"${where} ORDER BY ${cols}`).iterate()) h.update(rowText(row)).update('\n');
    tables[t] = h.digest('hex');
  }
  const audit = (db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n;
  return { tables, audit };
}

/** The verification counters of every user (to prove a refusal moved none). */
export function verificationRows(db: Db): string {
  return rowText(db.prepare('SELECT * FROM verification_state ORDER BY user_id, client').all());
}

/** Runs `fn` and returns 'OK' or the FactorDeskError code. */
export async function errCode(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return 'OK';
  } catch (err) {
    if (err instanceof FactorDeskError) return err.code;
    throw err;
  }
}

/** The code of a Result: 'OK' or its error code. */
export function codeOf(r: Result<unknown> | AnyResult): string {
  return r.ok ? 'OK' : r.error.code;
}

/** RFC 4648 base32 (no padding, spaces and hyphens ignored) to bytes; throws on other characters. */
export function b32decode(s: string): Buffer {
  const out = base32Decode(s);
  if (!out) throw new Error('not base32');
  return out;
}

/** RFC 4648 base32 without padding. */
export function b32encode(buf: Buffer): string {
  return base32Encode(buf);
}

/** The TOTP secret an authenticator app learns from the enrollment URI. */
export function secretFromUri(uri: string): Buffer {
  const secret = new URL(uri.replace(/^otpauth:\/\//, 'https://')).searchParams.get('secret');
  if (!secret) throw new Error('no secret in URI');
  return b32decode(secret);
}

/** A second connection to a vault database with its key (as an operator with outside tools would). */
export function openWithKey(dbPath: string, key: Buffer, opts: { readonly?: boolean } = {}): Db {
  const db = new Database(dbPath, { fileMustExist: true, readonly: !!opts.readonly });
  applyKey(db, key);
  db.pragma('busy_timeout = 15000');
  return db;
}

/** A child process running a .ts fixture with test hooks on; resolves when it exits. */
export interface ChildRun {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves when stdout contains `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
}

export function startFixture(fixture: string, args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): ChildRun {
  const child = spawn(process.execPath, ['--no-warnings', ...nodeArgs, join(FIXTURES, fixture), ...args], {
    env: { ...process.env, FACTORDESK_TEST_HOOKS: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    out += d;
    for (const w of [...waiters]) {
      if (out.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  child.stderr.on('data', (d: string) => (err += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout: out, stderr: err })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    waitFor(text, timeoutMs = 60_000) {
      if (out.includes(text)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for "${text}"; stdout: ${out.slice(-500)} stderr: ${err.slice(-500)}`)), timeoutMs);
        waiters.push({ text, resolve: () => (clearTimeout(t), resolve()) });
        void exit.then(() => {
          clearTimeout(t);
          if (!out.includes(text)) reject(new Error(`child exited before "${text}"; stdout: ${out.slice(-500)} stderr: ${err.slice(-500)}`));
        });
      });
    },
  };
}

/** Runs a fixture to completion (synchronously). */
export function runFixtureSync(fixture: string, args: string[], env: Record<string, string> = {}, timeout = 120_000) {
  const r = spawnSync(process.execPath, ['--no-warnings', join(FIXTURES, fixture), ...args], {
    env: { ...process.env, FACTORDESK_TEST_HOOKS: '1', ...env },
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Least-squares slope of y over x. */
export function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Mounts a tmpfs of `sizeBytes` at `dir` (root only); false when that is not possible here. */
export function mountTmpfs(dir: string, sizeBytes: number): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0700`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return false;
  // Prove it is really a separate, small filesystem.
  const m = readFileSync('/proc/self/mounts', 'utf8');
  return m.split('\n').some((l) => l.split(' ')[1] === dir && l.split(' ')[2] === 'tmpfs');
}

/** Unmounts a tmpfs mounted by mountTmpfs (lazily, so a leaked handle cannot keep it). */
export function unmountTmpfs(dir: string): void {
  if (!existsSync(dir)) return;
  spawnSync('umount', ['-l', dir]);
}

/** Every way a secret could be written down: as typed, grouped or not, and its bytes in common encodings. */
export function encodings(secret: string | Buffer): Buffer[] {
  const out = new Set<string>();
  const add = (b: Buffer) => {
    if (b.length >= 6) out.add(b.toString('hex'));
  };
  if (typeof secret === 'string') {
    const forms = new Set([secret, secret.replace(/[\s-]/g, ''), secret.replace(/[\s-]/g, '').toLowerCase(), secret.replace(/-/g, ' '), secret.replace(/ /g, '-')]);
    for (const f of forms) {
      add(Buffer.from(f, 'utf8'));
      add(Buffer.from(f, 'utf16le'));
      add(Buffer.from(Buffer.from(f, 'utf8').toString('base64').replace(/=+$/, ''), 'utf8'));
      add(Buffer.from(Buffer.from(f, 'utf8').toString('hex'), 'utf8'));
    }
  } else {
    add(secret);
    for (const s of [secret.toString('hex'), secret.toString('hex').toUpperCase(), secret.toString('base64').replace(/=+$/, ''), secret.toString('base64url'), b32encode(secret), b32encode(secret).toLowerCase()]) {
      add(Buffer.from(s, 'utf8'));
    }
  }
  return [...out].map((h) => Buffer.from(h, 'hex'));
}

/** The names of the secrets (and which encoding) found in `haystack`. */
export function findSecrets(haystack: Buffer, secrets: Array<{ name: string; value: string | Buffer }>): string[] {
  const found: string[] = [];
  for (const s of secrets) {
    for (const e of encodings(s.value)) {
      if (haystack.includes(e)) {
        found.push(s.name);
        break;
      }
    }
  }
  return found;
}

/**
 * Opens a closed (or crashed) vault folder with its key, as the next start would, without
 * signing in (which would append events and move the anchor): the chain report against the
 * anchor in the slot file, SQLite's and the cipher's integrity check, and the handle.
 */
export function inspectVault(dir: string, key: Buffer): { db: Db; chain: ChainReport; integrity: string[]; anchorCount: number | null; close(): void } {
  const f = readSlotFile(join(dir, SLOT_FILE));
  const db = openWithKey(join(dir, DB_FILE), key);
  const a = f.anchor;
  const anchor = a ? { count: a.count, hash: a.hash, valid: safeEqualHex(a.mac, anchorMac(derivedKey(key, f.vaultId, 'anchor'), f.vaultId, a.count, a.hash)) } : null;
  return { db, chain: verifyAuditChain(db, anchor), integrity: integrityCheck(db), anchorCount: a?.count ?? null, close: () => db.close() };
}

/** A small seeded PRNG (mulberry32), for reproducible "random" kill times. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
