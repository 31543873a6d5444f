import { closeSync, existsSync, openSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { builtOnFirstUse } from '../../core/built-on-first-use.ts';
import { writeFileAtomic } from '../../platform/fs-atomic.ts';
import { hmacHex, safeEqualHex } from '../../core/crypto.ts';
import { JOURNAL_FILE } from './paths.ts';
import { SIGNIN_POLICY, type AccountState } from '../../core/signin-throttle.ts';

/**
 * The pre-sign-in journal: failure counters, locks and failed sign-in events live before the
 * vault is open, so they are kept in a small file beside it. At every unlock the journal's base
 * is re-authenticated with a key derived from the vault key and its events are appended to the
 * audit; a base whose MAC does not verify is reported. Events written while locked cannot carry
 * a MAC (no key is available then); deleting them resets counters only back to the last unlock.
 * Each seal carries a random id, also kept inside the encrypted database with the sealed
 * counters: a journal deleted, replaced or rolled back to an earlier seal is noticed at the next
 * unlock, reported, and its counters and locks come back from the database.
 */

export { SIGNIN_POLICY, attemptGate, type AccountState } from '../../core/signin-throttle.ts';

/** The journal's schemas, built on first use (see builtOnFirstUse). */
function journalSchemas() {
  const AccountSchema = z.object({ failures: z.number().int().min(0), lastFailureAt: z.number().nullable(), lockedUntil: z.number().nullable() }).strict();
  // `attempt`: an attempt counted as failed before its KDF ran; withdrawn again when it succeeds.
  const EventSchema = z.object({ at: z.number(), name: z.string().max(512), outcome: z.enum(['failed', 'locked', 'rate-limited']), attempt: z.string().regex(/^[a-f0-9]{32}$/).optional() }).strict();
  const JournalSchema = z
    .object({
      format: z.literal('factordesk.signin-journal'),
      version: z.literal(1),
      // `next`: the base's MAC under the key a rotation is moving to, written before the database
      // is rekeyed, so a rotation that stops half-way leaves a journal that either key verifies.
      base: z.object({ accounts: z.record(z.string(), AccountSchema), mac: z.string().nullable(), next: z.string().optional(), sealId: z.string().regex(/^[a-f0-9]{32}$/).optional() }).strict(),
      // Counters of events compacted away while locked (see appendJournalEvent), and how many.
      pending: z.record(z.string(), AccountSchema).optional(),
      summarised: z.number().int().min(0).optional(),
      // Set when a damaged journal was replaced while locked, so the next unlock still reports it.
      damaged: z.boolean().optional(),
      events: z.array(z.unknown()),
    })
    .strict();
  return { Event: EventSchema, Journal: JournalSchema };
}
const SCHEMAS = builtOnFirstUse(journalSchemas);
type Schemas = ReturnType<typeof journalSchemas>;

/** Events kept one by one; older ones are compacted into per-name counters so a flood cannot grow the file or erase locks. */
export const MAX_JOURNAL_EVENTS = 5_000;
/** Names whose compacted counters are kept; the ones with the most failures win. */
export const MAX_PENDING_NAMES = 5_000;

export type Journal = Omit<z.infer<Schemas['Journal']>, 'events'> & { events: Array<z.infer<Schemas['Event']>> };

function empty(): Journal {
  return { format: 'factordesk.signin-journal', version: 1, base: { accounts: {}, mac: null }, events: [] };
}

/**
 * Reads the journal. Events are checked one by one and a bad one is dropped (one odd entry must
 * not wipe every counter and lock); a file that cannot be read at all reads as empty with
 * `damaged: true`, which is carried into the next journal written so the next unlock reports it.
 */
export function readJournal(dir: string): { journal: Journal; damaged: boolean } {
  const path = join(dir, JOURNAL_FILE);
  if (!existsSync(path)) return { journal: empty(), damaged: false };
  try {
    const parsed = SCHEMAS.Journal.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (parsed.success) {
      const events = parsed.data.events.flatMap((e) => {
        const r = SCHEMAS.Event.safeParse(e);
        return r.success ? [r.data] : [];
      });
      const dropped = events.length !== parsed.data.events.length;
      const journal = { ...parsed.data, events } as Journal;
      return { journal, damaged: dropped || parsed.data.damaged === true };
    }
  } catch {
    /* fall through */
  }
  const journal = empty();
  journal.damaged = true;
  return { journal, damaged: true };
}

/** Writes the journal atomically. */
export function writeJournal(dir: string, j: Journal): void {
  writeFileAtomic(join(dir, JOURNAL_FILE), JSON.stringify(j));
}

/** The state of one account: the authenticated base plus the events appended since. */
export function accountState(j: Journal, nameKey: string): AccountState {
  const s: AccountState = { ...(j.base.accounts[nameKey] ?? { failures: 0, lastFailureAt: null, lockedUntil: null }) };
  const p = j.pending?.[nameKey];
  if (p) {
    s.failures += p.failures;
    s.lastFailureAt = Math.max(s.lastFailureAt ?? 0, p.lastFailureAt ?? 0) || null;
    s.lockedUntil = Math.max(s.lockedUntil ?? 0, p.lockedUntil ?? 0) || null;
  }
  for (const e of j.events) {
    if (e.name !== nameKey || e.outcome !== 'failed') continue;
    s.failures++;
    s.lastFailureAt = e.at;
    if (s.failures >= SIGNIN_POLICY.lockAfter && (s.lockedUntil === null || s.lockedUntil < e.at)) s.lockedUntil = e.at + SIGNIN_POLICY.lockMinutes * 60_000;
  }
  return s;
}

/** Appends an event (pre-unlock; unauthenticated by necessity), under the journal's file lock. */
export function appendJournalEvent(dir: string, event: Journal['events'][number]): void {
  withJournalLock(dir, () => appendUnlocked(dir, event));
}

function appendUnlocked(dir: string, event: Journal['events'][number]): void {
  const { journal, damaged } = readJournal(dir);
  if (damaged) journal.damaged = true;
  journal.events.push(event);
  if (journal.events.length > MAX_JOURNAL_EVENTS) compact(journal);
  writeJournal(dir, journal);
}

/**
 * Reads a name's counters and records the event `decide` makes of them, as one step under the
 * journal's file lock: parallel sign-ins (other processes too) each see the attempts before
 * theirs, so every attempt is counted before its KDF runs.
 */
export function countJournalAttempt(dir: string, name: string, decide: (s: AccountState) => Journal['events'][number]): Journal['events'][number] {
  return withJournalLock(dir, () => {
    // Attempts still in flight are not failures yet: parallel sign-ins of one operator with the
    // right password must not slow each other down. Each is counted once it is settled.
    const { journal } = readJournal(dir);
    const settled = { ...journal, events: journal.events.filter((e) => e.attempt === undefined) };
    const event = decide(accountState(settled, name));
    appendUnlocked(dir, event);
    return event;
  });
}

/** Settles an attempt counted before its KDF ran as the failure it was (a wrong credential). */
export function settleJournalAttempt(dir: string, attempt: string): void {
  withJournalLock(dir, () => {
    const { journal, damaged } = readJournal(dir);
    const e = journal.events.find((x) => x.attempt === attempt);
    if (!e) return;
    delete e.attempt;
    if (damaged) journal.damaged = true;
    writeJournal(dir, journal);
  });
}

/** Takes back an attempt counted before its KDF ran (it succeeded, or failed for another reason than the credential). */
export function withdrawJournalAttempt(dir: string, attempt: string): void {
  withJournalLock(dir, () => {
    const { journal, damaged } = readJournal(dir);
    const events = journal.events.filter((e) => e.attempt !== attempt);
    if (events.length === journal.events.length) return;
    journal.events = events;
    if (damaged) journal.damaged = true;
    // A journal this attempt created and nothing else uses goes again (a damaged vault's folder
    // is left as it was found).
    const unused = !damaged && events.length === 0 && journal.base.mac === null && Object.keys(journal.base.accounts).length === 0 && !journal.pending && !journal.summarised;
    if (unused) unlinkSync(join(dir, JOURNAL_FILE));
    else writeJournal(dir, journal);
  });
}

const LOCK_FILE = 'signin-journal.lock';
/** A lock older than this was left by a process that died holding it. */
const STALE_LOCK_MS = 30_000;
const LOCK_WAIT_MS = 20_000;

/**
 * Runs `fn` holding the journal's lock file (created exclusively beside the journal), so the
 * read-modify-write of two processes never interleaves and no attempt is lost. Waits for a
 * holder; a lock left by a dead process is taken over after STALE_LOCK_MS.
 */
export function withJournalLock<T>(dir: string, fn: () => T): T {
  const path = join(dir, LOCK_FILE);
  const started = Date.now();
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let fd: number | undefined;
  for (;;) {
    try {
      fd = openSync(path, 'wx', 0o600);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(path).mtimeMs > STALE_LOCK_MS) unlinkSync(path);
      } catch {
        /* released meanwhile */
      }
      if (Date.now() - started > LOCK_WAIT_MS) throw err;
      Atomics.wait(pause, 0, 0, 5 + Math.floor(Math.random() * 10));
    }
  }
  try {
    return fn();
  } finally {
    closeSync(fd);
    try {
      unlinkSync(path);
    } catch {
      /* already gone */
    }
  }
}

/**
 * Folds the oldest events into per-name counters (`pending`), keeping the file bounded while the
 * vault is locked: a flood of failed sign-ins under made-up names must not push real counters
 * and locks out of the journal. When too many names pile up, those with the fewest failures go.
 */
function compact(j: Journal): void {
  const keep = Math.floor(MAX_JOURNAL_EVENTS / 2);
  const old = j.events.slice(0, j.events.length - keep);
  j.events = j.events.slice(j.events.length - keep);
  const pending = { ...(j.pending ?? {}) };
  for (const e of old) {
    if (e.outcome !== 'failed') continue;
    const a = (pending[e.name] ??= { failures: 0, lastFailureAt: null, lockedUntil: null });
    a.failures++;
    a.lastFailureAt = e.at;
    const total = a.failures + (j.base.accounts[e.name]?.failures ?? 0);
    if (total >= SIGNIN_POLICY.lockAfter) a.lockedUntil = Math.max(a.lockedUntil ?? 0, e.at + SIGNIN_POLICY.lockMinutes * 60_000);
  }
  const names = Object.keys(pending);
  if (names.length > MAX_PENDING_NAMES) {
    names.sort((x, y) => pending[y]!.failures - pending[x]!.failures || (pending[y]!.lockedUntil ?? 0) - (pending[x]!.lockedUntil ?? 0));
    for (const n of names.slice(MAX_PENDING_NAMES)) delete pending[n];
  }
  j.pending = pending;
  j.summarised = (j.summarised ?? 0) + old.length;
}

function baseMac(key: Buffer, accounts: Journal['base']['accounts'], sealId?: string): string {
  const sorted = Object.keys(accounts)
    .sort()
    .map((k) => [k, accounts[k]]);
  // A base without a seal id (written before seal ids existed) keeps its old MAC input.
  return hmacHex(key, sealId === undefined ? JSON.stringify(sorted) : JSON.stringify({ sealId, accounts: sorted }));
}

/** True when the journal base verifies under `key` (an empty, never-sealed journal counts as valid). */
export function journalBaseValid(j: Journal, key: Buffer): boolean {
  if (j.base.mac === null) return Object.keys(j.base.accounts).length === 0;
  const mac = baseMac(key, j.base.accounts, j.base.sealId);
  return safeEqualHex(j.base.mac, mac) || (j.base.next !== undefined && safeEqualHex(j.base.next, mac));
}

/**
 * Key rotation, before the rekey: adds the base's MAC under the new key beside the old one
 * (`next`), so whichever key ends up opening the vault verifies it. A base that does not verify
 * under the old key is left as it is: it stays evidence.
 */
export function prepareJournalRekey(dir: string, oldKey: Buffer, newKey: Buffer): void {
  withJournalLock(dir, () => prepareUnlocked(dir, oldKey, newKey));
}

function prepareUnlocked(dir: string, oldKey: Buffer, newKey: Buffer): void {
  const { journal, damaged } = readJournal(dir);
  if (damaged || journal.base.mac === null || !journalBaseValid(journal, oldKey)) return;
  journal.base.next = baseMac(newKey, journal.base.accounts, journal.base.sealId);
  writeJournal(dir, journal);
}

/**
 * Key rotation, after the new key was verified: the base is sealed under the new key alone, in
 * the same step that drops the old key's slots, so the next sign-in does not see a tampered
 * journal. A base that verifies under neither key is left as it is (evidence).
 */
export function finishJournalRekey(dir: string, oldKey: Buffer, newKey: Buffer): void {
  withJournalLock(dir, () => finishUnlocked(dir, oldKey, newKey));
}

function finishUnlocked(dir: string, oldKey: Buffer, newKey: Buffer): void {
  const { journal, damaged } = readJournal(dir);
  if (damaged || journal.base.mac === null) return;
  if (!journalBaseValid(journal, oldKey) && !journalBaseValid(journal, newKey)) return;
  journal.base.mac = baseMac(newKey, journal.base.accounts, journal.base.sealId);
  delete journal.base.next;
  writeJournal(dir, journal);
}

/** The meta key under which the database remembers the journal's last seal (its id and counters). */
export const SEAL_META = 'signin_journal_seal';

/** The last seal as the encrypted database remembers it: its id and the counters it held. */
export interface SealRecord {
  sealId: string;
  accounts: Journal['base']['accounts'];
}

/** What sealing found and did. */
export interface SealResult {
  folded: Journal['events'];
  summarised: number;
  wasValid: boolean;
  damaged: boolean;
  /** The journal is not the one last sealed (deleted, replaced or rolled back); its counters came from the database. */
  rolledBack: boolean;
  /** `resetName` is locked until then by the remembered counters, so it was not reset. */
  stillLockedUntil: number | null;
  /** What the database should now remember. */
  record: SealRecord;
}

/**
 * The journal as it should be read when the database remembers `expected`: a journal whose seal
 * id differs (deleted, replaced, rolled back) gets the remembered base back, with the events and
 * compacted counters appended since.
 */
export function trustedJournal(j: Journal, expected: SealRecord | null): { journal: Journal; rolledBack: boolean } {
  if (!expected || j.base.sealId === expected.sealId) return { journal: j, rolledBack: false };
  return { journal: { ...j, base: { accounts: expected.accounts, mac: null, sealId: expected.sealId } }, rolledBack: true };
}

/**
 * Folds the events into a new authenticated base (after an unlock), resetting `resetName`'s
 * counter (the operator who just signed in) unless the remembered counters still lock it, and
 * returns the events that were folded. `expected` is the last seal the database remembers.
 */
export function sealJournal(dir: string, key: Buffer, resetName: string | null, now: number, expected: SealRecord | null = null, clearing = false, remember?: (record: SealRecord) => () => void): SealResult {
  return withJournalLock(dir, () => sealUnlocked(dir, key, resetName, now, expected, clearing, false, remember));
}

/**
 * What sealing would find, without writing anything (a vault that can only be read): the events
 * stay in the journal for the next writable unlock, and a lock still holds.
 */
export function inspectJournal(dir: string, key: Buffer, resetName: string | null, now: number, expected: SealRecord | null = null): SealResult {
  return sealUnlocked(dir, key, resetName, now, expected, false, true);
}

/**
 * `remember` stores the new seal where the database keeps it, before the journal is written, and
 * returns how to take that back: a database that cannot be written (a full disk) then leaves the
 * journal as it was, and a journal that cannot be written leaves the database as it was. Either
 * half alone would look like a rolled-back journal at the next unlock.
 */
function sealUnlocked(dir: string, key: Buffer, resetName: string | null, now: number, expected: SealRecord | null, clearing: boolean, dryRun = false, remember?: (record: SealRecord) => () => void): SealResult {
  const read = readJournal(dir);
  const damaged = read.damaged;
  const wasValid = journalBaseValid(read.journal, key);
  const { journal, rolledBack } = trustedJournal(read.journal, expected);
  let stillLockedUntil: number | null = null;
  // Deleted or unreadable (no seal at all) rather than another sealed copy (an older one, or the
  // one a restore or its undo left beside the vault): what it held since the last seal is unknown.
  const lost = rolledBack && read.journal.base.sealId === undefined;
  if (lost && resetName !== null) journal.base.accounts = { ...journal.base.accounts, [resetName]: journal.base.accounts[resetName] ?? { failures: 0, lastFailureAt: null, lockedUntil: null } };
  const names = new Set([...Object.keys(journal.base.accounts), ...Object.keys(journal.pending ?? {}), ...journal.events.map((e) => e.name)]);
  const accounts: Journal['base']['accounts'] = {};
  for (const n of names) {
    const s = accountState(journal, n);
    if (n === resetName) {
      if (!lost || clearing) continue;
      // The journal was deleted since the last seal: the failures and any lock appended since
      // then are gone with it, and a correct password right after is exactly what a guesser who
      // deletes the journal would get to. The name signing in is held for a lock period (or
      // longer, if the remembered counters lock it): deletion never lifts a lock.
      stillLockedUntil = Math.max(s.lockedUntil ?? 0, now + SIGNIN_POLICY.lockMinutes * 60_000);
      s.lockedUntil = stillLockedUntil;
    }
    // Drop expired locks and stale counters; keep live ones.
    if (s.lockedUntil !== null && s.lockedUntil <= now) continue;
    if (s.failures > 0 || s.lockedUntil !== null) accounts[n] = s;
  }
  const sealId = randomBytes(16).toString('hex');
  const next: Journal = { format: 'factordesk.signin-journal', version: 1, base: { accounts, mac: baseMac(key, accounts, sealId), sealId }, events: [] };
  if (!dryRun) {
    const undo = remember?.({ sealId, accounts });
    try {
      writeJournal(dir, next);
    } catch (err) {
      try {
        undo?.();
      } catch {
        /* the database could not be put back either: the next unlock reports a rolled-back journal */
      }
      throw err;
    }
  }
  // Withdrawn attempts are gone already; one still pending is a counted failure.
  const folded = journal.events.map(({ attempt: _attempt, ...e }) => e);
  return { folded, summarised: journal.summarised ?? 0, wasValid, damaged, rolledBack, stillLockedUntil, record: { sealId, accounts } };
}
