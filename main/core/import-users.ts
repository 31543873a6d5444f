import { Readable, pipeline } from 'node:stream';
import { parse, type Info, type Options } from 'csv-parse';
import { FactorDeskError, toFactorDeskError } from './errors.ts';
import type { Session } from './session.ts';
import type { Store } from '../store/port.ts';
import { requireRole } from './roles.ts';
import { crashPoint } from '../platform/test-hooks.ts';
import { validateUserInput } from './users.ts';
import { auditAs } from './actions.ts';
import { applyUser, auditChanges, type UserFields } from './user-writer.ts';
import { csvErrorReason, detectDelimiter, LineTracker, mapHeader, readFirstLine, type ImportColumn } from './import-csv.ts';

/** Progress of a running import, reported at least once per committed batch; `totalBytes` when reading a file. */
export type ImportProgress = {
  rows: number;
  bytes: number;
  totalBytes?: number;
  accepted: number;
  rejected: number;
};

/**
 * A file to import, opened by the door (the service never sees its path): its size when known
 * (for progress), and a stream of its bytes; a missing or unreadable file errors on the stream.
 */
export interface InputFile {
  size(): number | null;
  stream(): NodeJS.ReadableStream;
}

/** What an import reads: a stream (standard input) or a file. */
export type ImportSource = NodeJS.ReadableStream | InputFile;

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
 * Each batch commits with its own 'user.import.batch' event (and one 'user.import.change' per
 * recorded change), so a killed import leaves no user without its event; a 'user.import'
 * summary closes the import. The batches are bulk writes (the store may tune itself for them);
 * the summary, an ordinary write, ends the tuning and moves the audit anchor.
 */
export async function importUsers(store: Store, session: Session, source: ImportSource, opts: ImportOptions = {}): Promise<ImportReport> {
  requireRole(session, 'users:import');
  const batchSize = Math.min(Math.max(Math.floor(opts.batchSize ?? DEFAULT_BATCH_SIZE) || DEFAULT_BATCH_SIZE, 1), MAX_BATCH_SIZE);
  const opened = 'stream' in source && typeof source.stream === 'function' ? (source as InputFile) : null;
  const input: NodeJS.ReadableStream = opened ? opened.stream() : (source as NodeJS.ReadableStream);
  const it = (input as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  const report: ImportReport = { rows: 0, inserted: 0, updated: 0, unchanged: 0, rejected: [], cancelled: false };
  let bytes = 0;
  const totalBytes = opened?.size() ?? undefined;
  const progress = (): ImportProgress => ({ rows: report.rows, bytes, ...(totalBytes !== undefined ? { totalBytes } : {}), accepted: report.inserted + report.updated + report.unchanged, rejected: report.rejected.length });
  let started = false; // true once the header is accepted: from then on the import is audited
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

    let pending: Pending[] = [];
    const commit = async (): Promise<void> => {
      const batch = pending;
      pending = [];
      const done = await store.write(
        async (tx) => {
          // Counted afresh on every run of the callback (a store may run it again).
          const done = { inserted: 0, updated: 0, unchanged: 0, rejected: [] as ImportReport['rejected'] };
          const now = store.clock.now();
          const middle = batch.length >> 1;
          for (let i = 0; i < batch.length; i++) {
            if (i === middle) crashPoint('import:mid-batch');
            const { line, fields } = batch[i]!;
            const r = await applyUser(tx, fields, now, session);
            if (r.kind === 'inserted') done.inserted++;
            else if (r.kind === 'unchanged') done.unchanged++;
            else if (r.kind === 'rejected') done.rejected.push({ line, reason: r.reason });
            else {
              done.updated++;
              await auditChanges(tx, session, 'user.import.change', r.id, fields.email, r.changes, now);
            }
          }
          // The batch's own event: no committed row of an import is without one.
          const details = { fromLine: batch[0]!.line, toLine: batch[batch.length - 1]!.line, rows: batch.length, inserted: done.inserted, updated: done.updated, unchanged: done.unchanged, rejected: done.rejected.length };
          await auditAs(tx, session, { action: 'user.import.batch', outcome: 'ok', details }, now);
          return done;
        },
        { bulk: true },
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
      if (pending.length >= batchSize) await commit();
    }
    if (!header) {
      const why = unreadableHeader ? 'cannot be read as CSV' : 'is missing';
      throw new FactorDeskError('BAD_REQUEST', `The header row (email,name,phone,organization) ${why}.`);
    }
    if (!report.cancelled) takeSkipped(Number.POSITIVE_INFINITY);
    if (pending.length > 0) await commit();
    else opts.onProgress?.(progress());
    if (!report.cancelled && opts.signal?.aborted) report.cancelled = true;
    report.rejected.sort((a, b) => a.line - b.line);
    await finish(store, session, report, 'ok');
    return report;
  } catch (err) {
    if (started) {
      try {
        await finish(store, session, report, 'failed');
      } catch {
        /* the vault itself may be what failed (disk full): the error below is what matters */
      }
    }
    throw err instanceof FactorDeskError ? err : toFactorDeskError(err);
  } finally {
    void it.return?.();
    if (opened) (input as Readable).destroy();
  }
}

/**
 * Writes the summary event of an import. An ordinary write: it ends the store's bulk tuning and
 * moves the audit anchor past the import's events.
 */
async function finish(store: Store, session: Session, r: ImportReport, outcome: 'ok' | 'failed'): Promise<void> {
  const details = { rows: r.rows, inserted: r.inserted, updated: r.updated, unchanged: r.unchanged, rejected: r.rejected.length, cancelled: r.cancelled };
  await store.write((tx) => auditAs(tx, session, { action: 'user.import', outcome: r.cancelled ? 'cancelled' : outcome, details }, store.clock.now()));
}
