// The rejected-lines report of a user import, as CSV for a spreadsheet.
import { csvRow } from './csv-safe.ts';
import { fail } from './errors.ts';
import type { OutputSink } from './sink.ts';
import type { ImportReportView } from '../../contract/index.ts';

/** The report as CSV (line, reason), ending with where reading stopped if it did; cells neutralised against spreadsheet formulas. */
export function importReportCsv(report: ImportReportView): string {
  const lines = [csvRow(['line', 'reason']), ...report.rejected.map((r) => csvRow([r.line, r.reason]))];
  for (const f of report.flagged ?? []) {
    lines.push(csvRow([f.line, f.kind === 'near-duplicate' ? `imported, check: ${f.email} looks like ${f.similarTo}, another user` : `imported, check: ${f.email} mixes writing systems (look-alike letters?)`]));
  }
  if (report.stopped) {
    const what = report.stopped.kind === 'write' ? 'the import stopped here (the vault could not be written), the rest of the file was not imported' : 'reading stopped here, the rest of the file was not imported';
    lines.push(csvRow([report.stopped.line, `${what}: ${report.stopped.reason}`]));
  }
  return lines.join('\r\n') + '\r\n';
}

/** Saves the report of a finished import to `sink`; NOT_FOUND while the import has no report. */
export async function saveImportReport(report: ImportReportView | undefined, sink: OutputSink): Promise<void> {
  if (!report) fail('NOT_FOUND', 'That import has no report yet.');
  await sink.save(importReportCsv(report));
}
