// Directory browsing under watch: every search of a session is tallied and folded into one
// `directory.searched` audit event per few minutes (how many searches, how many users listed, the
// first letters of the queries), and listing far beyond what a person types is refused for a
// moment. A command-line `find` is a session of its own: it writes its event when it ends, and
// its limit counts what the same operator listed in the last minute from earlier commands.
import type { Session } from './session.ts';
import type { Store } from '../store/port.ts';
import { searchUsers } from './user-search.ts';
import { auditAs } from './audit-as.ts';
import { fail } from './errors.ts';
import { foldKey } from './text.ts';

/** Users one session may list in a minute: a person typing and paging stays far below. */
export const LISTED_PER_MINUTE = 2_000;
/** Searches of a session are folded into one audit event per this long. */
export const SEARCH_FOLD_MS = 5 * 60_000;
/** Query prefixes an event keeps (their first three letters, folded). */
const MAX_PREFIXES = 20;
const MINUTE = 60_000;

interface Tally {
  session: Session;
  since: number;
  queries: number;
  listed: number;
  refused: number;
  prefixes: Set<string>;
  /** What was listed when, oldest first (ordered by `at`), and the sum of its `n`. */
  recent: Array<{ at: number; n: number }>;
  recentListed: number;
}

type SearchResult = Awaited<ReturnType<typeof searchUsers>>;

/** One per process (app, server): the sessions' tallies live here until folded into the audit. */
export class DirectorySearches {
  private readonly tallies = new Map<string, Tally>();
  /** Searches begun before their caller's session was confirmed (begin), by session, role and arguments. */
  private readonly early = new Map<string, Array<Promise<SearchResult>>>();
  private readonly limitPerMinute: number;
  private readonly foldMs: number;

  constructor(opts: { limitPerMinute?: number; foldMs?: number } = {}) {
    this.limitPerMinute = opts.limitPerMinute ?? LISTED_PER_MINUTE;
    this.foldMs = opts.foldMs ?? SEARCH_FOLD_MS;
  }

  /** `searchUsers`, tallied; RATE_LIMITED when the session listed too many users in the last minute. */
  async search(store: Store, session: Session, query: string, opts: { limit?: number; offset?: number } = {}): Promise<SearchResult> {
    const now = store.clock.now();
    const t = await this.tally(store, session, now);
    if (this.listedLastMinute(t, now) >= this.limitPerMinute) {
      t.refused++;
      await this.foldIfDue(store, session, now);
      fail('RATE_LIMITED', `More than ${this.limitPerMinute} users were listed in a minute: lookups pause for a moment. Search for the person you need.`);
    }
    const r = await (this.takeEarly(session, query, opts) ?? searchUsers(store, session, query, opts));
    t.queries++;
    t.listed += r.items.length;
    const last = t.recent[t.recent.length - 1];
    t.recent.push({ at: now, n: r.items.length });
    t.recentListed += r.items.length;
    // A clock set back: put the list in order again, so the oldest stay in front.
    if (last && last.at > now) t.recent.sort((a, b) => a.at - b.at);
    const prefix = typeof query === 'string' ? foldKey(query).slice(0, 3) : '';
    if (prefix && t.prefixes.size < MAX_PREFIXES) t.prefixes.add(prefix);
    await this.foldIfDue(store, session, now);
    return r;
  }

  /**
   * Begins now the search `session` would run, before the caller's session is confirmed (a
   * server checks the session in the store beside it, not before it): a later search() by the
   * same session (same operator, sign-in and role) with the same arguments takes its answer, and
   * counts it as any other. Nothing is tallied here; a session that is not confirmed never sees
   * the answer. The function returned forgets the search if it was not taken.
   */
  begin(store: Store, session: Session, query: string, opts: { limit: number; offset: number }): () => void {
    // A session over its limit is refused before its search (search() above): none is begun for it.
    const t = this.tallies.get(keyOf(session));
    if (t && this.listedLastMinute(t, store.clock.now()) >= this.limitPerMinute) return () => {};
    const key = earlyKey(session, query, opts);
    const p = searchUsers(store, session, query, opts);
    // Its failure is reported by the search() that takes it; an untaken one is dropped.
    p.catch(() => {});
    const list = this.early.get(key) ?? [];
    list.push(p);
    this.early.set(key, list);
    return () => {
      const at = list.indexOf(p);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0 && this.early.get(key) === list) this.early.delete(key);
    };
  }

  /** Users the session listed in the last minute (older entries are dropped). */
  /** Users listed in the minute before `now`: what is older leaves the front of the list (each search no longer goes through all of it). */
  private listedLastMinute(t: Tally, now: number): number {
    let old = 0;
    while (old < t.recent.length && t.recent[old]!.at <= now - MINUTE) t.recentListed -= t.recent[old++]!.n;
    if (old > 0) t.recent.splice(0, old);
    return t.recentListed;
  }

  private takeEarly(session: Session, query: string, opts: { limit?: number; offset?: number }): Promise<SearchResult> | undefined {
    if (opts.limit === undefined || opts.offset === undefined) return undefined;
    const key = earlyKey(session, query, { limit: opts.limit, offset: opts.offset });
    const list = this.early.get(key);
    const p = list?.shift();
    if (list && list.length === 0) this.early.delete(key);
    return p;
  }

  /** Writes the session's tally as one event (at sign-out, at the end of a command); nothing when it is empty. */
  async flush(store: Store, session: Session, opts: { end?: boolean } = {}): Promise<void> {
    const t = this.tallies.get(keyOf(session));
    if (opts.end) this.tallies.delete(keyOf(session));
    if (!t || (t.queries === 0 && t.refused === 0)) return;
    const now = store.clock.now();
    const details = { queries: t.queries, listed: t.listed, refused: t.refused, prefixes: [...t.prefixes], since: t.since };
    const outcome = t.refused > 0 ? 'refused' : 'ok';
    Object.assign(t, { since: now, queries: 0, listed: 0, refused: 0, prefixes: new Set<string>() });
    try {
      await store.write((tx) => auditAs(tx, session, { action: 'directory.searched', outcome, details }, now));
    } catch {
      // A store that cannot be written now (read-only, full disk) must not stop lookups.
    }
  }

  /** Writes every session's tally (when a server stops): the last partial windows are not lost. */
  async flushAll(store: Store): Promise<void> {
    for (const t of [...this.tallies.values()]) await this.flush(store, t.session, { end: true });
  }

  private async foldIfDue(store: Store, session: Session, now: number): Promise<void> {
    const t = this.tallies.get(keyOf(session));
    if (t && now - t.since >= this.foldMs) await this.flush(store, session);
  }

  private async tally(store: Store, session: Session, now: number): Promise<Tally> {
    const key = keyOf(session);
    let t = this.tallies.get(key);
    if (!t) {
      // Listed by the same operator in the last minute through earlier sessions (command-line runs).
      const earlier = await store.read((tx) => tx.audit.list({ operator: session.name, action: 'directory.searched', from: now - MINUTE, limit: 100 }));
      const recent = earlier.map((e) => ({ at: e.at, n: Number((e.details as { listed?: unknown } | null)?.listed) || 0 })).sort((a, b) => a.at - b.at);
      t = { session, since: now, queries: 0, listed: 0, refused: 0, prefixes: new Set(), recent, recentListed: recent.reduce((sum, r) => sum + r.n, 0) };
      this.tallies.set(key, t);
    }
    return t;
  }
}

function keyOf(session: Session): string {
  return `${session.operatorId}:${session.signedInAt}`;
}

function earlyKey(session: Session, query: string, opts: { limit: number; offset: number }): string {
  return JSON.stringify([keyOf(session), session.role, opts.limit, opts.offset, query]);
}
