// The rejected-lines report of a user import, as CSV for a spreadsheet.
import { csvRow } from './csv-safe.ts';
import { fail } from './errors.ts';
import type { OutputSink } from './sink.ts';
import type { ImportReportView, ImportReportWording } from '../../contract/index.ts';

/** The English wording (the command line, and an app that sends none); `{{name}}` is filled from the line's parameters. */
export const ENGLISH_REPORT_WORDING: ImportReportWording = {
  line: 'line',
  reason: 'reason',
  reasons: {},
  nearDuplicate: 'imported, check: {{email}} looks like {{similarTo}}, another user',
  mixedScript: 'imported, check: {{email}} mixes writing systems (look-alike letters?)',
  stoppedRead: 'reading stopped here, the rest of the file was not imported: {{reason}}',
  stoppedWrite: 'the import stopped here (the vault could not be written), the rest of the file was not imported: {{reason}}',
};

/** Fills `{{name}}` from `params`; a name without a value is left empty. */
function fill(template: string, params: Record<string, string | number | null | undefined>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(params[k] ?? ''));
}

/**
 * The report as CSV (line, reason), ending with where reading stopped if it did, in the app's
 * words when it sent them (ENGLISH_REPORT_WORDING otherwise; a rejection code without a template
 * keeps its English reason); cells neutralised against spreadsheet formulas.
 */
export function importReportCsv(report: ImportReportView, wording: ImportReportWording = ENGLISH_REPORT_WORDING): string {
  const lines = [csvRow([wording.line, wording.reason])];
  for (const r of report.rejected) {
    const template = wording.reasons[r.code];
    lines.push(csvRow([r.line, template ? fill(template, { ...r.params, reason: r.reason }) : r.reason]));
  }
  for (const f of report.flagged ?? []) {
    lines.push(csvRow([f.line, fill(f.kind === 'near-duplicate' ? wording.nearDuplicate : wording.mixedScript, { email: f.email, similarTo: f.similarTo })]));
  }
  if (report.stopped) {
    lines.push(csvRow([report.stopped.line, fill(report.stopped.kind === 'write' ? wording.stoppedWrite : wording.stoppedRead, { reason: report.stopped.reason })]));
  }
  return lines.join('\r\n') + '\r\n';
}

/** Saves the report of a finished import to `sink`; NOT_FOUND while the import has no report. */
export async function saveImportReport(report: ImportReportView | undefined, sink: OutputSink, wording?: ImportReportWording): Promise<void> {
  if (!report) fail('NOT_FOUND', 'That import has no report yet.');
  await sink.save(importReportCsv(report, wording));
}
