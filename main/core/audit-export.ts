// Audit exports (JSON for tools, CSV for spreadsheets) that carry the chain head and the anchor,
// an audited chain check for the admin's report, and an independent check of an exported file.
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { AuditChainChecker, GENESIS_HASH, hashedContent, type AuditEvent, type AuditFilter, type ChainReport } from './audit.ts';
import { csvCell, csvRow } from './csv-safe.ts';
import { requireRole } from './roles.ts';
import type { Session } from './session.ts';
import type { ReadTx, ServerStore, Store } from '../store/port.ts';
import { verifySignedChain, type SignedHead } from './audit-signing.ts';
import type { VaultAdmin } from '../store/vault-admin.ts';
import { auditAs } from './actions.ts';
import { saveThenRecord, type OutputSink } from './sink.ts';
import { identityKey } from './text.ts';
import { MAX_EMAIL_LENGTH } from './users.ts';

export const AUDIT_EXPORT_FORMAT = 'factordesk.audit-export';
export const AUDIT_EXPORT_VERSION = 1;

/** One event as exported: exactly the object whose RFC 8785 JSON the hash covers, plus prevHash and hash. */
export type ExportedEvent = Omit<AuditEvent, 'at'> & {
  at: string; // ISO 8601 UTC with milliseconds, as hashed
};

/** The JSON export document. */
export interface AuditExportFile {
  format: typeof AUDIT_EXPORT_FORMAT;
  version: typeof AUDIT_EXPORT_VERSION;
  vaultId: string;
  exportedAt: string;
  /** How an outside tool recomputes each hash. */
  hashing: string;
  head: { count: number; hash: string };
  anchor: { count: number; hash: string; valid: boolean } | null;
  /** True when every event of the chain is in the file (no filter), so head and anchor can be checked against it. */
  complete: boolean;
  filter: AuditQuery | null;
  events: ExportedEvent[];
}

/** Result of exportAudit: the file content, how many events it holds, and the chain head it records. */
export interface AuditExportResult {
  content: string;
  count: number;
  head: { count: number; hash: string };
}

const HASHING = 'hash = SHA-256 hex of (prevHash as UTF-8 hex text, then the RFC 8785 canonical JSON of the event without prevHash and hash); the first event has prevHash of 64 zeros';
const CSV_COLUMNS = ['seq', 'at', 'operator', 'action', 'userId', 'userEmail', 'checks', 'ticket', 'reason', 'outcome', 'details', 'prevHash', 'hash'];

function toExported(e: AuditEvent): ExportedEvent {
  return { ...hashedContent(e), prevHash: e.prevHash, hash: e.hash };
}

function isFiltered(f: AuditQuery | undefined): boolean {
  return !!f && Object.values(f).some((v) => v !== undefined && v !== '');
}

/**
 * Exports the audit (admin, 'audit:export') as JSON or CSV with the chain head and anchor: the
 * chain check and the events come from one read snapshot (the anchor read just before it), the
 * output goes to `sink`, then the export is audited; when that fails the output is taken back.
 * A chain that does not verify keeps its old anchor as evidence instead of being re-anchored.
 */
export async function exportAudit(
  store: Store,
  admin: VaultAdmin,
  session: Session,
  format: 'csv' | 'json',
  sink: OutputSink,
  filter?: AuditQuery,
  opts: { onProgress?: (p: { done: number; total: number }) => void } = {},
): Promise<AuditExportResult> {
  requireRole(session, 'audit:export');
  const filtered = isFiltered(filter);
  const anchor = await admin.anchor();
  const snap = await store.read(async (tx) => {
    const checker = new AuditChainChecker(anchor);
    const all: AuditEvent[] = [];
    const total = (await tx.audit.head()).count;
    const progress = every(opts.onProgress, total * (filtered ? 2 : 1));
    let last: AuditEvent | undefined;
    for await (const e of tx.audit.all()) {
      checker.add(e);
      if (!filtered) all.push(e);
      last = e;
      progress();
    }
    const head = last ? { count: last.seq, hash: last.hash } : { count: 0, hash: GENESIS_HASH };
    // A filtered export holds exactly what the list shows for the same filter: the store's query.
    if (filtered && filter) {
      const f = await resolveAuditQuery(tx, filter);
      if (f) for await (const e of tx.audit.matching(f)) all.push(e);
    }
    progress.end();
    return { chain: checker.report(), head, events: all };
  });
  const exportedAt = new Date(store.clock.now()).toISOString();
  const events = snap.events.map(toExported);
  let content: string;
  if (format === 'json') {
    const doc: AuditExportFile = {
      format: AUDIT_EXPORT_FORMAT,
      version: AUDIT_EXPORT_VERSION,
      vaultId: store.storeId,
      exportedAt,
      hashing: HASHING,
      head: snap.head,
      anchor,
      complete: !filtered,
      filter: filtered ? { ...filter } : null,
      events,
    };
    content = JSON.stringify(doc, null, 2) + '\n';
  } else {
    const a = anchor ? `${anchor.count}:${anchor.hash}:${anchor.valid ? 'valid' : 'invalid'}` : 'none';
    const comment = `# ${AUDIT_EXPORT_FORMAT} v${AUDIT_EXPORT_VERSION} vault=${store.storeId} exported=${exportedAt} head=${snap.head.count}:${snap.head.hash} anchor=${a} complete=${!filtered}`;
    // The header row comes first (spreadsheets and CSV readers take line 1 as the column names);
    // the chain head and anchor follow the rows as one comment line.
    const lines = [csvRow(CSV_COLUMNS)];
    for (const e of events) {
      lines.push(csvRow([e.seq, e.at, e.operator, e.action, e.userId, e.userEmail, e.checks.join(' '), e.ticket, e.reason, e.outcome, JSON.stringify(e.details), e.prevHash, e.hash]));
    }
    lines.push(csvCell(comment));
    content = lines.join('\r\n') + '\r\n';
  }
  await saveThenRecord(sink, content, () =>
    store.write(async (tx) => {
      if (!snap.chain.ok) tx.audit.keepAnchor();
      await auditAs(tx, session, { action: 'audit.export', outcome: 'ok', details: { count: events.length, format, filtered } }, store.clock.now());
    }),
  );
  return { content, count: events.length, head: snap.head };
}

/** A progress callback called about every 1,000 events (and once at the end) with events done of `total`. */
function every(cb: ((p: { done: number; total: number }) => void) | undefined, total: number): (() => void) & { end(): void } {
  let done = 0;
  const tick = Object.assign(
    () => {
      done++;
      if (cb && done % 1000 === 0) cb({ done: Math.min(done, total), total });
    },
    { end: () => cb?.({ done: total, total }) },
  );
  return tick;
}

/** Checks the whole chain against the anchor (admin, 'audit:verify') and audits the check as ok or broken. */
export async function verifyAuditForReport(store: Store, admin: VaultAdmin, session: Session, opts: { onProgress?: (p: { done: number; total: number }) => void } = {}): Promise<ChainReport> {
  requireRole(session, 'audit:verify');
  const anchor = await admin.anchor();
  const report = await store.read(async (tx) => {
    const progress = every(opts.onProgress, (await tx.audit.head()).count);
    const c = new AuditChainChecker(anchor);
    for await (const e of tx.audit.all()) {
      c.add(e);
      progress();
    }
    progress.end();
    return c.report();
  });
  await store.write(async (tx) => {
    // A chain that does not verify keeps its old anchor as evidence.
    if (!report.ok) tx.audit.keepAnchor();
    await auditAs(
      tx,
      session,
      { action: 'audit.verify', outcome: report.ok ? 'ok' : 'broken', details: { count: report.count, firstBroken: report.firstBroken, anchor: report.anchor } },
      store.clock.now(),
    );
  });
  return report;
}

/**
 * A server's chain check for the admin's report (the app's "Verify"): the chain, and every signed
 * head — those in the store and `outsideHeads`, kept outside the database — checked with the
 * server's audit public key alone, so an edited event, a forged head or a deleted tail shows.
 * Audited like the vault's check. `anchor` says how the signed heads stand: 'ok', 'missing' (no
 * head verifies), 'ahead' (a head names events that are gone), 'mismatch' (a head does not match).
 */
export async function verifyServedAudit(store: ServerStore, session: Session, publicKey: string, outsideHeads: SignedHead[]): Promise<ChainReport> {
  requireRole(session, 'audit:verify');
  const storeId = store.storeId;
  const signed = await store.read(async (tx) => {
    const heads = (await tx.serverAuth.signedHeads()).map((h) => ({ ...h, storeId }));
    return verifySignedChain(tx.audit.all(), [...heads, ...outsideHeads], publicKey, storeId);
  });
  const latest = signed.latestSigned;
  const anchor: ChainReport['anchor'] = !latest ? (signed.count > 0 ? 'missing' : 'ok') : latest.count > signed.count ? 'ahead' : signed.ok || signed.firstBroken !== null ? 'ok' : 'mismatch';
  const report: ChainReport = { ok: signed.ok, count: signed.count, firstBroken: signed.firstBroken, problem: signed.problems[0] ?? null, problemCode: signed.chainProblem, anchor };
  await store.write(async (tx) => {
    await auditAs(tx, session, { action: 'audit.verify', outcome: report.ok ? 'ok' : 'broken', details: { count: report.count, firstBroken: report.firstBroken, anchor: report.anchor } }, store.clock.now());
  });
  return report;
}

/** What the audit page filters by (the list and the export take the same). */
export interface AuditQuery {
  /** One user by id (services and tests); the audit page names users by email. */
  userId?: number;
  userEmail?: string;
  /** The operator's name starts with this (case ignored). */
  operator?: string;
  ticket?: string;
  text?: string;
  action?: string;
  from?: number;
  to?: number;
}

/** The store filter of an audit page query; null when it names a user that does not exist (nothing matches). */
export async function resolveAuditQuery(tx: ReadTx, q: AuditQuery): Promise<AuditFilter | null> {
  let userId = q.userId;
  if (q.userEmail?.trim()) {
    const key = identityKey(q.userEmail);
    const u = key.length > 0 && key.length <= 4 * MAX_EMAIL_LENGTH ? await tx.users.getByEmailKey(key) : null;
    if (!u || (userId !== undefined && userId !== u.id)) return null;
    userId = u.id;
  }
  const text = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);
  const f: AuditFilter = { userId, operatorPrefix: text(q.operator), ticket: text(q.ticket), text: text(q.text), action: q.action || undefined, from: q.from, to: q.to };
  for (const k of Object.keys(f) as Array<keyof AuditFilter>) if (f[k] === undefined) delete f[k];
  return f;
}

/** Lists audit events newest first for the admin's audit page (admin, 'audit:list'), without the hashes. */
export async function listAuditEvents(store: Store, session: Session, q: AuditQuery & { beforeSeq?: number; limit?: number }): Promise<Array<Omit<AuditEvent, 'prevHash' | 'hash'>>> {
  requireRole(session, 'audit:list');
  return store.read(async (tx) => {
    const f = await resolveAuditQuery(tx, q);
    if (!f) return [];
    const events = await tx.audit.list({ ...f, beforeSeq: q.beforeSeq, limit: q.limit ?? 200 });
    return events.map(({ prevHash: _p, hash: _h, ...e }) => e);
  });
}

const HEX64 = /^[0-9a-f]{64}$/;

function sha256(prevHash: string, canonical: string): string {
  return createHash('sha256').update(prevHash, 'utf8').update(canonical, 'utf8').digest('hex');
}

function isEvent(e: unknown): e is ExportedEvent {
  const o = e as Partial<ExportedEvent> | null;
  return (
    !!o &&
    typeof o === 'object' &&
    Number.isSafeInteger(o.seq) &&
    typeof o.at === 'string' &&
    typeof o.prevHash === 'string' &&
    HEX64.test(o.prevHash) &&
    typeof o.hash === 'string' &&
    HEX64.test(o.hash)
  );
}

function isHead(h: unknown): h is { count: number; hash: string } {
  const o = h as { count?: unknown; hash?: unknown } | null;
  return !!o && typeof o === 'object' && Number.isSafeInteger(o.count) && (o.count as number) >= 0 && typeof o.hash === 'string' && HEX64.test(o.hash);
}

/**
 * Re-verifies an exported JSON file the way an outside tool would, without the vault: each hash
 * recomputed from the event as written, each link to the event before it, and, for a complete
 * export, sequence 1..n, the head and the anchor. `firstBroken` is the seq of the first bad event.
 */
export function verifyExportedAudit(json: string): { ok: boolean; firstBroken: number | null; problem: string | null } {
  const broken = (firstBroken: number | null, problem: string) => ({ ok: false, firstBroken, problem });
  let doc: Partial<AuditExportFile>;
  try {
    doc = JSON.parse(json) as Partial<AuditExportFile>;
  } catch {
    return broken(null, 'the file is not JSON');
  }
  if (!doc || doc.format !== AUDIT_EXPORT_FORMAT || doc.version !== AUDIT_EXPORT_VERSION || !Array.isArray(doc.events) || !isHead(doc.head)) {
    return broken(null, 'the file is not a FactorDesk audit export of a known version');
  }
  const complete = doc.complete === true;
  const events = doc.events as unknown[];
  const hashAt = new Map<number, string>();
  let prev: ExportedEvent | null = null;
  for (let i = 0; i < events.length; i++) {
    const raw = events[i];
    const expected = complete ? i + 1 : prev ? prev.seq + 1 : 1;
    if (!isEvent(raw)) return broken(typeof (raw as { seq?: unknown })?.seq === 'number' ? (raw as { seq: number }).seq : expected, `event ${expected} is malformed`);
    const e = raw;
    if (complete && e.seq !== expected) return broken(expected, e.seq > expected ? `event ${expected} is missing` : `event ${e.seq} is out of order`);
    if (!complete && prev && e.seq <= prev.seq) return broken(e.seq, `event ${e.seq} is out of order`);
    if (e.seq === 1 && e.prevHash !== GENESIS_HASH) return broken(1, 'event 1 does not start the chain');
    if (prev && prev.seq === e.seq - 1 && e.prevHash !== prev.hash) return broken(e.seq, `event ${e.seq} does not follow the event before it`);
    const { prevHash, hash, ...content } = e;
    const canonical = canonicalize(content);
    if (canonical === undefined || sha256(prevHash, canonical) !== hash) return broken(e.seq, `event ${e.seq} was changed after it was written`);
    hashAt.set(e.seq, hash);
    prev = e;
  }
  const head = doc.head;
  const last = prev;
  if (complete) {
    const count = events.length;
    if (head.count > count) return broken(count + 1, `the export ends at event ${count} but the head says ${head.count}: events were removed`);
    if (head.count < count) return broken(head.count + 1, `events after the head (${head.count}) were added`);
    if ((last ? last.hash : GENESIS_HASH) !== head.hash) return broken(count || null, 'the last event does not match the head');
  } else if (hashAt.has(head.count) && hashAt.get(head.count) !== head.hash) {
    return broken(head.count, 'the head does not match its event');
  }
  const anchor = doc.anchor;
  if (anchor) {
    if (!isHead(anchor)) return broken(null, 'the anchor is malformed');
    if (anchor.count > head.count) return broken(head.count + 1, `the anchor is at event ${anchor.count}, beyond the head: events were removed`);
    if (anchor.count > 0 && hashAt.has(anchor.count) && hashAt.get(anchor.count) !== anchor.hash) return broken(anchor.count, `event ${anchor.count} does not match the anchor`);
    if (complete && anchor.count > 0 && !hashAt.has(anchor.count)) return broken(anchor.count, `event ${anchor.count} (the anchor) is missing`);
    if (anchor.valid === false) return broken(null, 'the anchor did not verify in the vault when this file was exported');
  }
  return { ok: true, firstBroken: null, problem: null };
}
