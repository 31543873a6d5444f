import { createReadStream, statSync } from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import { parse, type Info, type Options } from 'csv-parse';
import { FactorDeskError, toFactorDeskError } from './errors.ts';
import type { Session } from './session.ts';
import type { Vault } from '../store/sqlite/vault.ts';
import { requireRole } from './roles.ts';
import { crashPoint } from './test-hooks.ts';
import { validateUserInput } from './users.ts';
import { auditChanges, UserWriter, type UserFields } from './user-writer.ts';
import { csvErrorReason, detectDelimiter, LineTracker, mapHeader, readFirstLine, type ImportColumn } from './import-csv.ts';

/** Progress of a running import, reported at least once per committed batch; `totalBytes` when reading a file. */
export type ImportProgress = {
  rows: number;
  bytes: number;
  totalBytes?: number;
  accepted: number;
  rejected: number;
};

/** Options of an import. */
export interface ImportOptions {
  batchSize?: number;
  onProgress?: (p: ImportProgress) => void;
  signal?: AbortSignal;
}

/** What an import did; `rejected` lists physical line numbers (1 = the header line) in file order. */
export interface ImportReport {
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: Array<{ line: number; reason: string }>;
  cancelled: boolean;
}

export const DEFAULT_BATCH_SIZE = 2000;
const MAX_BATCH_SIZE = 50_000;
// A user row is a few hundred bytes; anything much longer is a broken quote swallowing the file.
const MAX_RECORD_BYTES = 64 * 1024;
// Page cache while importing: the indexes take keys in random order, and an uncached encrypted
// page costs a read and a decryption. 64 MiB cuts a million-row import by about a quarter and
// keeps the process well under 300 MB; the connection's own setting comes back afterwards.
const IMPORT_CACHE_KIB = 64 * 1024;

/** Raises the connection's page cache for the import; returns how to put it back. */
function widenCache(vault: Vault): () => void {
  const db = vault.db;
  const before = db.pragma('cache_size', { simple: true }) as number;
  const kib = before < 0 ? -before : (before * (db.pragma('page_size', { simple: true }) as number)) / 1024;
  if (kib >= IMPORT_CACHE_KIB) return () => {};
  db.pragma(`cache_size = -${IMPORT_CACHE_KIB}`);
  return () => {
    try {
      if (!vault.isClosed) vault.db.pragma(`cache_size = ${Math.trunc(before)}`);
    } catch {
      /* a connection that failed mid-import keeps the larger cache until it is closed */
    }
  };
}

interface Parsed {
  cells: string[];
  line: number;
  header: boolean;
}

interface Pending {
  line: number;
  fields: UserFields;
}

/**
 * Imports users from a CSV file or stream (admin): header row required, ',' or ';', rows upserted
 * by external_id (else email) in batched transactions; bad rows are reported by line, never fatal.
 */
export async function importUsers(vault: Vault, session: Session, source: NodeJS.ReadableStream | string, opts: ImportOptions = {}): Promise<ImportReport> {
  requireRole(session, 'users:import');
  const batchSize = Math.min(Math.max(Math.floor(opts.batchSize ?? DEFAULT_BATCH_SIZE) || DEFAULT_BATCH_SIZE, 1), MAX_BATCH_SIZE);
  const input: NodeJS.ReadableStream = typeof source === 'string' ? createReadStream(source) : source;
  const it = (input as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  const report: ImportReport = { rows: 0, inserted: 0, updated: 0, unchanged: 0, rejected: [], cancelled: false };
  let bytes = 0;
  let totalBytes: number | undefined;
  if (typeof source === 'string') {
    try {
      totalBytes = statSync(source).size;
    } catch {
      /* the read below reports a missing file */
    }
  }
  const progress = (): ImportProgress => ({ rows: report.rows, bytes, ...(totalBytes !== undefined ? { totalBytes } : {}), accepted: report.inserted + report.updated + report.unchanged, rejected: report.rejected.length });
  let started = false; // true once the header is accepted: from then on the import is audited
  let restoreCache = (): void => {};
  try {
    const head = await readFirstLine(it);
    bytes = head.bytes;
    if (head.line.trim() === '' && head.done) throw new FactorDeskError('BAD_REQUEST', 'The file is empty: a header row (email,name,phone,organization) is required.');
    const delimiter = detectDelimiter(head.line);

    async function* chunks(): AsyncGenerator<Buffer> {
      for (const c of head.chunks) yield c;
      if (head.done) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        const c = Buffer.isBuffer(r.value) ? r.value : Buffer.from(String(r.value), 'utf8');
        bytes += c.length;
        yield c;
      }
    }
    // Line numbers, skipped rows and the header are worked out while parsing (csv-parse runs
    // ahead of this loop), so they are seen in file order; skipped rows join the report in order.
    const lines = new LineTracker();
    const skipped: Array<{ line: number; reason: string }> = [];
    let skippedDone = 0;
    let headerSeen = false;
    let unreadableHeader = false;
    const parser = parse({
      bom: true,
      delimiter,
      relax_column_count: false,
      skip_empty_lines: true,
      skip_records_with_error: true,
      max_record_size: MAX_RECORD_BYTES,
      info: true,
      // With `info`, csv-parse hands on_record { record, info } and emits what it returns.
      on_record: ((raw: { record: string[]; info: Info }): Parsed => {
        const first = !headerSeen;
        headerSeen = true;
        return { cells: raw.record, line: lines.record(raw.info.lines, raw.record), header: first };
      }) as unknown as Options['on_record'],
    });
    let runaway = false; // csv-parse reads nothing more after a record over max_record_size
    parser.on('skip', (err: { code?: string; lines?: number; record?: unknown }) => {
      if (!headerSeen) {
        unreadableHeader = true;
        return;
      }
      if (runaway) return;
      runaway = err.code === 'CSV_MAX_RECORD_SIZE';
      const endLine = err.lines ?? 0;
      const line = Array.isArray(err.record) ? lines.record(endLine, err.record) : lines.unreadable(endLine);
      skipped.push({ line, reason: csvErrorReason(err) });
    });
    const takeSkipped = (before: number): void => {
      while (skippedDone < skipped.length && skipped[skippedDone]!.line < before) {
        report.rows++;
        report.rejected.push(skipped[skippedDone++]!);
      }
    };
    pipeline(Readable.from(chunks()), parser, () => {
      /* errors surface through the iteration below; an early stop is not an error */
    });

    restoreCache = widenCache(vault);
    const writer = new UserWriter(vault.db);
    let pending: Pending[] = [];
    const commit = (): void => {
      const batch = pending;
      pending = [];
      const done = { inserted: 0, updated: 0, unchanged: 0, rejected: [] as ImportReport['rejected'] };
      vault.write(
        () => {
          const now = vault.now();
          const middle = batch.length >> 1;
          for (let i = 0; i < batch.length; i++) {
            if (i === middle) crashPoint('import:mid-batch');
            const { line, fields } = batch[i]!;
            const r = writer.apply(fields, now, session.emailKey);
            if (r.kind === 'inserted') done.inserted++;
            else if (r.kind === 'unchanged') done.unchanged++;
            else if (r.kind === 'rejected') done.rejected.push({ line, reason: r.reason });
            else {
              done.updated++;
              auditChanges(vault, session.name, 'user.import.change', r.id, fields.email, r.changes);
            }
          }
        },
        { anchor: false },
      );
      crashPoint('import:batch-committed');
      report.inserted += done.inserted;
      report.updated += done.updated;
      report.unchanged += done.unchanged;
      report.rejected.push(...done.rejected);
      opts.onProgress?.(progress());
    };

    let header: Map<ImportColumn, number> | null = null;
    for await (const rec of parser as AsyncIterable<Parsed>) {
      if (rec.header) {
        if (unreadableHeader) throw new FactorDeskError('BAD_REQUEST', 'The header row cannot be read as CSV.');
        header = mapHeader(rec.cells);
        started = true;
        continue;
      }
      if (opts.signal?.aborted) {
        report.cancelled = true; // stop reading; the rows already read are committed below
        break;
      }
      const { cells, line } = rec;
      takeSkipped(line);
      report.rows++;
      const cell = (c: ImportColumn): string | null => {
        const i = header!.get(c);
        return i === undefined ? null : (cells[i] ?? null);
      };
      try {
        const fields = validateUserInput({
          email: cell('email') ?? '',
          name: cell('name') ?? '',
          phone: cell('phone'),
          organization: cell('organization'),
          externalId: cell('external_id'),
          status: cell('status'),
        });
        pending.push({ line, fields });
      } catch (err) {
        if (!(err instanceof FactorDeskError) || err.code !== 'BAD_REQUEST') throw err;
        report.rejected.push({ line, reason: err.message });
      }
      if (pending.length >= batchSize) commit();
    }
    if (!header) {
      const why = unreadableHeader ? 'cannot be read as CSV' : 'is missing';
      throw new FactorDeskError('BAD_REQUEST', `The header row (email,name,phone,organization) ${why}.`);
    }
    if (!report.cancelled) takeSkipped(Number.POSITIVE_INFINITY);
    if (pending.length > 0) commit();
    else opts.onProgress?.(progress());
    if (!report.cancelled && opts.signal?.aborted) report.cancelled = true;
    report.rejected.sort((a, b) => a.line - b.line);
    finish(vault, session, report, 'ok');
    return report;
  } catch (err) {
    if (started) {
      try {
        finish(vault, session, report, 'failed');
      } catch {
        /* the vault itself may be what failed (disk full): the error below is what matters */
      }
    }
    throw err instanceof FactorDeskError ? err : toFactorDeskError(err);
  } finally {
    restoreCache();
    void it.return?.();
    if (typeof source === 'string') (input as Readable).destroy();
  }
}

/** Writes the summary event of an import and moves the audit anchor past the import's events. */
function finish(vault: Vault, session: Session, r: ImportReport, outcome: 'ok' | 'failed'): void {
  const details = { rows: r.rows, inserted: r.inserted, updated: r.updated, unchanged: r.unchanged, rejected: r.rejected.length, cancelled: r.cancelled };
  vault.write(() => vault.audit({ action: 'user.import', operator: session.name, outcome: r.cancelled ? 'cancelled' : outcome, details }), { anchor: false });
  vault.refreshAnchor();
}
