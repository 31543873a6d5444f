import type { Readable } from 'node:stream';
import { fail, FactorDeskError, toFactorDeskError, type ErrorCode } from './errors.ts';
import type { Session } from './session.ts';
import type { Store } from '../store/port.ts';
import { requireRole } from './roles.ts';
import { crashPoint } from '../platform/test-hooks.ts';
import { validateSmsInput, validateUserInput } from './users.ts';
import { auditAs } from './actions.ts';
import { applySms, applyUser, auditChanges, type FieldChange, type SmsFields, type UserFields } from './user-writer.ts';
import { CsvRecords, detectDelimiter, mapHeader, parseFields, type CsvEvent, type ImportColumn } from './import-csv.ts';
import { currentSettings } from './settings.ts';
import { mailboxKey } from './text.ts';
import { mixedScriptPart } from './email-lookalikes.ts';
import { encodingLabel, LineReader, MAX_LINE_BYTES, type ImportEncoding, type PhysicalLine } from './import-decode.ts';
import { IMPORT_REJECT_CODES, type ImportRejectCode, type ImportRejection } from '../../contract/imports.ts';

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
  /** The file's text encoding; by default its BOM, else UTF-8, else Windows-1252 (said so in the report). */
  encoding?: ImportEncoding | 'auto';
}

/**
 * What an import did; `rejected` lists physical line numbers (1 = the header line) in file order;
 * `stopped` says where and why an import ended before the end of the file: the file could not be
 * read on (`read`), or the vault could not be written (`write`: disk full, I/O error); the rows
 * counted as inserted, updated and unchanged were committed before it.
 */
export interface ImportReport {
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Each rejected row with its English reason (logs, the command line) and the code the app words. */
  rejected: ImportRejection[];
  cancelled: boolean;
  encoding: ImportEncoding;
  encodingGuessed: boolean;
  stopped: { line: number; reason: string; code: ErrorCode; kind: 'read' | 'write' } | null;
  /**
   * Rows imported but worth a second look, in file order: `near-duplicate` when another user's
   * address differs only by what search folds away (`strasse@` beside `straße@`, `ilker@`
   * beside `ılker@`; `similarTo` is that address), `mixed-script` when a part of the address
   * mixes writing systems (a Cyrillic а among Latin letters).
   */
  flagged: ImportFlag[];
}

/** One row of the import report's flagged list. */
export interface ImportFlag {
  line: number;
  email: string;
  kind: 'near-duplicate' | 'mixed-script';
  similarTo: string | null;
}

export const DEFAULT_BATCH_SIZE = 2000;
const MAX_BATCH_SIZE = 50_000;
/** Blank lines before the header that are read before the file is refused as having none. */
const MAX_LINES_BEFORE_HEADER = 1000;

/** Store errors that end an import where it is, with a report of the batches before it. */
type WriteStopCode = 'DISK_FULL' | 'IO_ERROR';
const WRITE_STOPS: ReadonlySet<ErrorCode> = new Set<WriteStopCode>(['DISK_FULL', 'IO_ERROR']);
const WRITE_STOP_REASONS: Record<WriteStopCode, string> = {
  DISK_FULL: 'The disk is full: the vault could not take more rows.',
  IO_ERROR: 'The vault could not be written (removed or read-only?).',
};

/** Thrown by a batch commit the vault refused, caught where the import ends with its report. */
class WriteStopped extends Error {
  readonly stopped: NonNullable<ImportReport['stopped']>;
  constructor(stopped: NonNullable<ImportReport['stopped']>) {
    super(stopped.reason);
    this.stopped = stopped;
  }
}

const OWN_ACCOUNT = 'your own user account must be changed by another admin';

/** One row read and validated, waiting for its batch. */
export interface Pending {
  line: number;
  fields: UserFields;
  /** The row's SMS factor; null leaves the user's as it is. */
  sms: SmsFields | null;
}

const LINE_PROBLEMS = {
  'too-long': { reason: `the line is longer than ${MAX_LINE_BYTES / 1024} kB`, code: 'line-too-long', params: { maxKb: MAX_LINE_BYTES / 1024 } },
  'not-utf-8': { reason: 'the line is not valid UTF-8 (the file mixes encodings?); fix it or save the whole file as UTF-8', code: 'line-not-utf-8' },
} as const;

/** What one batch did (or, in a dry run, would do). */
export interface BatchDone {
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: ImportRejection[];
  flagged: ImportFlag[];
}

/**
 * Where the batches of rows go: the vault (`importUsers`), or a dry run that only reads it and
 * writes nothing (no rows, no audit event: `dry`).
 */
export interface BatchTarget {
  dry: boolean;
  apply(batch: Pending[]): Promise<BatchDone>;
}

/** A store's refusal of a row (applyUser, own account) as a rejection code. */
export function rejectionOf(line: number, r: { code: ErrorCode; reason: string; field: string }, email: string): ImportRejection {
  if (r.code === 'OWN_ACCOUNT') return { line, reason: r.reason, code: 'own-account' };
  if (r.code === 'CONFLICT') return { line, reason: r.reason, code: r.field === 'external_id' ? 'email-other-external-id' : 'email-taken', params: { email } };
  return { line, reason: r.reason, code: 'invalid', params: { field: r.field } };
}

/** A validation error of a row's field as a rejection code (its `problem` detail), with the field and limit. */
function invalidRow(line: number, err: FactorDeskError): ImportRejection {
  const d = err.details ?? {};
  const problem = d['problem'];
  const code = typeof problem === 'string' && (IMPORT_REJECT_CODES as readonly string[]).includes(problem) ? (problem as ImportRejectCode) : 'invalid';
  const params: NonNullable<ImportRejection['params']> = {};
  if (typeof d['field'] === 'string') params.field = d['field'];
  if (typeof d['max'] === 'number') params.max = d['max'];
  return { line, reason: err.message, code, params };
}


/**
 * Imports users from a CSV file or stream (admin): header row required, ',' or ';', rows upserted
 * by external_id (else email) in batched transactions; bad rows are reported by line, never fatal:
 * reading starts again at the next line. The text is UTF-8 (BOM or not), UTF-16 (BOM) or
 * Windows-1252 (see LineReader), never decoded with replacement characters.
 * Each batch commits with its own 'user.import.batch' event (and one 'user.import.change' per
 * recorded change), so a killed import leaves no user without its event; a 'user.import'
 * summary closes the import. The batches are bulk writes (the store may tune itself for them);
 * the summary, an ordinary write, ends the tuning and moves the audit anchor.
 */
export async function importUsers(store: Store, session: Session, source: ImportSource, opts: ImportOptions = {}): Promise<ImportReport> {
  requireRole(session, 'users:import');
  return readImport(store, session, source, opts, { dry: false, apply: (batch) => writeBatch(store, session, batch) });
}

/** An import's report while it runs. */
export type ImportRun = ImportReport;

/**
 * Reads and checks an import file as `importUsers` describes, handing each batch of valid rows
 * to `target`: the real import and its dry run share every step of reading and checking.
 * A dry target writes nothing: no summary event either.
 */
export async function readImport(store: Store, session: Session, source: ImportSource, opts: ImportOptions, target: BatchTarget): Promise<ImportRun> {
  requireRole(session, 'users:import');
  const batchSize = Math.min(Math.max(Math.floor(opts.batchSize ?? DEFAULT_BATCH_SIZE) || DEFAULT_BATCH_SIZE, 1), MAX_BATCH_SIZE);
  const opened = 'stream' in source && typeof source.stream === 'function' ? (source as InputFile) : null;
  const input: NodeJS.ReadableStream = opened ? opened.stream() : (source as NodeJS.ReadableStream);
  const it = (input as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  const reader = new LineReader(opts.encoding ?? 'auto');
  const report: ImportRun = { rows: 0, inserted: 0, updated: 0, unchanged: 0, rejected: [], cancelled: false, encoding: reader.encoding, encodingGuessed: false, stopped: null, flagged: [] };
  let bytes = 0;
  const totalBytes = opened?.size() ?? undefined;
  const progress = (): ImportProgress => ({ rows: report.rows, bytes, ...(totalBytes !== undefined ? { totalBytes } : {}), accepted: report.inserted + report.updated + report.unchanged, rejected: report.rejected.length });
  let started = false; // true once the header is accepted: from then on the import is audited
  let lastLine = 0;
  try {
    const { defaultCountryCode } = await currentSettings(store);
    async function* chunks(): AsyncGenerator<Buffer> {
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        const c = Buffer.isBuffer(r.value) ? r.value : Buffer.from(String(r.value), 'utf8');
        bytes += c.length;
        yield c;
      }
    }

    let pending: Pending[] = [];
    const commit = async (): Promise<void> => {
      const batch = pending;
      pending = [];
      let done: BatchDone;
      try {
        done = await target.apply(batch);
      } catch (err) {
        const e = toFactorDeskError(err);
        // A dry run writes nothing: a vault it cannot read is an error, not a stop.
        if (target.dry || !WRITE_STOPS.has(e.code)) throw err;
        // The vault cannot take this batch (disk full): the batches before it stay committed with
        // their events, so the report says where the import stopped instead of "nothing changed".
        throw new WriteStopped({ line: batch[0]!.line, reason: WRITE_STOP_REASONS[e.code as WriteStopCode], code: e.code, kind: 'write' });
      }
      if (!target.dry) crashPoint('import:batch-committed');
      report.inserted += done.inserted;
      report.updated += done.updated;
      report.unchanged += done.unchanged;
      report.rejected.push(...done.rejected);
      report.flagged.push(...done.flagged);
      opts.onProgress?.(progress());
    };
    let header: Map<ImportColumn, number> | null = null;
    let records: CsvRecords | null = null;
    const take = (events: CsvEvent[]): void => {
      for (const ev of events) {
        report.rows++;
        if (ev.kind === 'bad') {
          report.rejected.push({ line: ev.line, reason: ev.reason, code: ev.code, ...(ev.params ? { params: ev.params } : {}) });
          continue;
        }
        const cell = (c: ImportColumn): string | null => {
          const i = header!.get(c);
          return i === undefined ? null : (ev.cells[i] ?? null);
        };
        try {
          const fields = validateUserInput({ email: cell('email') ?? '', name: cell('name') ?? '', phone: cell('phone'), organization: cell('organization'), externalId: cell('external_id'), status: cell('status') }, defaultCountryCode);
          const sms = validateSmsInput(cell('sms'), cell('sms_purpose'), defaultCountryCode);
          pending.push({ line: ev.line, fields, sms });
        } catch (err) {
          if (!(err instanceof FactorDeskError) || err.code !== 'BAD_REQUEST') throw err;
          report.rejected.push(invalidRow(ev.line, err));
        }
      }
    };

    const lines = reader.lines(chunks());
    try {
      read: for (;;) {
        let next: IteratorResult<PhysicalLine[]>;
        try {
          next = await lines.next();
        } catch (err) {
          // Before the header nothing was imported: the file is refused as a whole.
          if (!started) throw err;
          const e = err instanceof FactorDeskError ? err : toFactorDeskError(err);
          report.stopped = { line: lastLine + 1, reason: e.message, code: e.code, kind: 'read' };
          break;
        }
        if (next.done) break;
        for (const pl of next.value) {
          lastLine = pl.line;
          if (!records) {
            if (pl.problem === 'too-long') fail('BAD_REQUEST', `The first line is longer than ${MAX_LINE_BYTES / 1024} kB: this is not a user list with a header row.`);
            if (pl.problem === 'not-utf-8') fail('BAD_REQUEST', `The header line is not valid ${encodingLabel(reader.encoding)}: choose the file's encoding (or automatic) and import again.`, { field: 'encoding' });
            if (pl.text.trim() === '') {
              if (pl.line > MAX_LINES_BEFORE_HEADER) fail('BAD_REQUEST', 'The file has no header row, only blank lines.');
              continue;
            }
            const delimiter = detectDelimiter(pl.text);
            const cells = parseFields(pl.text, delimiter);
            if (!('cells' in cells)) fail('BAD_REQUEST', 'The header row (email,name,phone,organization) cannot be read as CSV.');
            header = mapHeader(cells.cells);
            records = new CsvRecords(delimiter, cells.cells.length);
            started = true;
            continue;
          }
          if (opts.signal?.aborted) {
            report.cancelled = true; // stop reading; the rows already read are committed below
            break read;
          }
          take(pl.problem ? records.push(pl.line, null, LINE_PROBLEMS[pl.problem]) : records.push(pl.line, pl.text));
          if (pending.length >= batchSize) await commit();
        }
      }
      report.encoding = reader.encoding;
      report.encodingGuessed = reader.guessed;
      if (!records) throw new FactorDeskError('BAD_REQUEST', 'The file is empty: a header row (email,name,phone,organization) is required.');
      if (!report.cancelled) take(records.end());
      if (pending.length > 0) await commit();
      else opts.onProgress?.(progress());
    } catch (err) {
      if (!(err instanceof WriteStopped)) throw err;
      report.stopped = err.stopped;
      // Only what lies before the refused batch counts: every such row was committed or rejected.
      report.rejected = report.rejected.filter((r) => r.line < err.stopped.line);
      report.rows = report.inserted + report.updated + report.unchanged + report.rejected.length;
      report.encoding = reader.encoding;
      report.encodingGuessed = reader.guessed;
      report.rejected.sort((a, b) => a.line - b.line);
      if (!target.dry) {
        try {
          await finish(store, session, report, 'failed');
        } catch {
          /* the vault still cannot be written: the batches' own events record what went in */
        }
      }
      return report;
    }
    if (!report.cancelled && opts.signal?.aborted) report.cancelled = true;
    report.rejected.sort((a, b) => a.line - b.line);
    if (target.dry) return report;
    try {
      await finish(store, session, report, report.stopped ? 'failed' : 'ok');
    } catch (err) {
      // Every batch is in, each with its own event: a summary the full disk refused must not
      // turn the report into "nothing was changed".
      if (!WRITE_STOPS.has(toFactorDeskError(err).code)) throw err;
    }
    return report;
  } catch (err) {
    if (started && !target.dry) {
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
async function finish(store: Store, session: Session, r: ImportRun, outcome: 'ok' | 'failed'): Promise<void> {
  const details = {
    rows: r.rows,
    inserted: r.inserted,
    updated: r.updated,
    unchanged: r.unchanged,
    rejected: r.rejected.length,
    ...(r.flagged.length > 0 ? { flagged: r.flagged.length } : {}),
    cancelled: r.cancelled,
    ...(r.encodingGuessed ? { encoding: r.encoding } : {}),
    ...(r.stopped ? { stoppedAtLine: r.stopped.line } : {}),
  };
  await store.write((tx) => auditAs(tx, session, { action: 'user.import', outcome: r.cancelled ? 'cancelled' : outcome, details }, store.clock.now()));
}

/** Writes one batch of an import in one transaction with its 'user.import.batch' event. */
function writeBatch(store: Store, session: Session, batch: Pending[]): Promise<BatchDone> {
  return (
    store.write(
      async (tx) => {
        // Counted afresh on every run of the callback (a store may run it again).
        const done = { inserted: 0, updated: 0, unchanged: 0, sms: 0, rejected: [] as ImportRejection[], flagged: [] as ImportFlag[] };
        const now = store.clock.now();
        const middle = batch.length >> 1;
        for (let i = 0; i < batch.length; i++) {
          if (i === middle) crashPoint('import:mid-batch');
          const { line, fields, sms } = batch[i]!;
          // Nobody sets their own SMS factor: refused before anything of the row is written.
          if (sms && session.emailKey !== null && mailboxKey(fields.email) === session.emailKey) {
            done.rejected.push({ line, reason: OWN_ACCOUNT, code: 'own-account' });
            continue;
          }
          const r = await applyUser(tx, fields, now, session);
          if (r.kind === 'rejected') {
            done.rejected.push(rejectionOf(line, r, fields.email));
            continue;
          }
          const changes: FieldChange[] = r.kind === 'updated' ? r.changes : [];
          let smsChanged = false;
          if (sms) {
            const c = await applySms(tx, r.id, sms, now, session);
            if (c === 'own-account') {
              // The operator's linked user: applyUser changed nothing of it (it refuses an own account), so nothing of this row is written.
              done.rejected.push({ line, reason: OWN_ACCOUNT, code: 'own-account' });
              continue;
            }
            if (c) {
              done.sms++;
              smsChanged = true;
              changes.push(c);
            }
          }
          // Imported either way; the report asks for a second look.
          const similar = await tx.users.lookalikeOf(fields.email, r.id);
          if (similar) done.flagged.push({ line, email: fields.email, kind: 'near-duplicate', similarTo: similar.email });
          if (mixedScriptPart(fields.email) !== null) done.flagged.push({ line, email: fields.email, kind: 'mixed-script', similarTo: null });
          if (r.kind === 'inserted') done.inserted++;
          else if (r.kind === 'unchanged' && !smsChanged) done.unchanged++;
          else {
            done.updated++;
            await auditChanges(tx, session, 'user.import.change', r.id, fields.email, changes, now);
          }
        }
        // The batch's own event: no committed row of an import is without one.
        const details = {
          fromLine: batch[0]!.line,
          toLine: batch[batch.length - 1]!.line,
          rows: batch.length,
          inserted: done.inserted,
          updated: done.updated,
          unchanged: done.unchanged,
          rejected: done.rejected.length,
          ...(done.sms > 0 ? { smsSet: done.sms } : {}),
          ...(done.flagged.length > 0 ? { flagged: done.flagged.length } : {}),
        };
        await auditAs(tx, session, { action: 'user.import.batch', outcome: 'ok', details }, now);
        return done;
      },
      { bulk: true },
    )
  );
}
