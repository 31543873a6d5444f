import { requireRole } from '../../core/roles.ts';
import { searchUsers, MAX_QUERY_LENGTH } from '../../core/users.ts';
import { DirectorySearches } from '../../core/directory-searches.ts';
import { getUserFactors, type FactorSummary } from '../../core/factors.ts';
import { str, type Command, type Parsed } from '../command.ts';
import { emailArg, intArg, userByEmail } from '../args.ts';
import { DetailedError, EXIT, quoteArg, usageError, type Outcome } from '../output.ts';
import { FactorDeskError } from '../../core/errors.ts';
import { cliLanguage, type CliLanguage } from '../language.ts';
import { headerText, rejectionText } from '../import-words.ts';
import type { ImportProgress, ImportReport } from '../../core/import-users.ts';
import type { Context } from '../context.ts';
import type { ImportEncoding, ImportPreview } from '../../../contract/index.ts';
import { encodingByName, IMPORT_ENCODINGS } from '../../core/import-decode.ts';
import { checkInputFile, pathArg } from '../files.ts';
import { localTime } from '../format.ts';
import { storeOf } from '../../store/sqlite/sqlite-store.ts';
import { inputFile } from '../../platform/file-ports.ts';

export const importUsersCommand: Command = {
  name: 'import-users',
  summary: 'add or update users from a CSV file (admin)',
  usage: ['import-users FILE [--encoding NAME] [--dry-run]'],
  help: `Imports users from a CSV file with a header row (email, name, phone, organization,
external_id, status, sms, sms_purpose; the last four optional). sms sets the user's SMS factor,
sms_purpose says what it is for: login (sign-in only, the default) or approvals. A user with the same external id, else the same email, is updated.
FILE may be - for standard input. Progress goes to stderr. Rejected lines are listed in the
report by line number; the command still exits 0 when some lines were rejected. A file that
could not be read to the end exits 6 (2 for text that cannot be decoded), with the report of
the rows before it. Ctrl-C stops the import between batches: what was imported stays, the
report says "cancelled" (exit 130). A phone number without a country code gets the setting
defaultCountryCode (+47 unless changed).

  --dry-run         read and check the whole file as the import would, and print how many
                    users would be new, changed, unchanged or rejected (the first rejected rows
                    with their reasons); nothing is written. --json gives them under result.
  --encoding NAME   utf-8, utf-16le, utf-16be or windows-1252 (also latin1, cp1252); by default
                    the file's byte order mark, else UTF-8, else Windows-1252 with a warning`,
  options: { encoding: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  args: ['FILE'],
  admin: true,
  async run(ctx, p) {
    const { path, encoding, dryRun } = importArgs(p);
    const language = cliLanguage(ctx.io.env);
    return ctx.withSession(async (vault, session) => {
      requireRole(session, 'users:import');
      // Loaded on demand: the CSV parser is only needed here.
      const { importUsers } = await import('../../core/import-users.ts');
      const abort = new AbortController();
      const onSigint = (): void => abort.abort();
      process.once('SIGINT', onSigint);
      let last = 0;
      const options = {
        encoding,
        signal: abort.signal,
        onProgress: (pr: ImportProgress) => {
          const now = ctx.clock.now();
          if (now - last < 250) return;
          last = now;
          ctx.out.progress(importProgressLine(pr), ctx.interactive);
        },
      };
      try {
        if (dryRun) {
          const { previewImport } = await import('../../core/import-preview.ts');
          const preview = await headerWorded(previewImport(storeOf(vault), session, path ? inputFile(path) : ctx.io.stdin, options), language, ctx.out.isJson);
          if (ctx.interactive) ctx.out.progress('', true);
          return previewOutcome(preview, language);
        }
        const report = await headerWorded(importUsers(storeOf(vault), session, path ? inputFile(path) : ctx.io.stdin, options), language, ctx.out.isJson);
        if (ctx.interactive) ctx.out.progress('', true);
        return importOutcome(ctx, report);
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });
  },
};

/** An import's report as the command's answer; an import that stopped before the end of its file is an error carrying the report. */
export function importOutcome(ctx: Context, report: ImportReport): Outcome {
  if (report.encodingGuessed) ctx.out.warn('The file is not UTF-8: it was read as Windows-1252 (what Excel saves as CSV on Windows). Check æ, ø and å in the names, or give --encoding.');
  const lines = [
    `rows ${report.rows}, inserted ${report.inserted}, updated ${report.updated}, unchanged ${report.unchanged}, rejected ${report.rejected.length}${report.cancelled ? ', cancelled' : ''}`,
    ...report.rejected.slice(0, 1000).map((r) => `line ${r.line}: ${r.reason}`),
  ];
  if (report.rejected.length > 1000) lines.push(`… and ${report.rejected.length - 1000} more rejected lines (use --json for all)`);
  // Imported, but to be checked: the helpdesk must not mistake one of these for another user.
  lines.push(...report.flagged.slice(0, 1000).map((f) => `line ${f.line}: check ${f.email}: ${f.kind === 'near-duplicate' ? `looks like ${f.similarTo}, another user` : 'mixes writing systems (look-alike letters?)'}`));
  if (report.flagged.length > 1000) lines.push(`… and ${report.flagged.length - 1000} more flagged lines (use --json for all)`);
  const nf = report.flagged.length;
  if (nf > 0) ctx.out.warn(`${nf} imported ${nf === 1 ? "address looks like another user's or mixes" : "addresses look like other users' or mix"} writing systems: check the lines marked "check" before the helpdesk relies on ${nf === 1 ? 'it' : 'them'}.`);
  if (report.stopped) {
    // Not ok: the rows from this line on were never imported. The report of what was done goes with the error.
    const counts = `rows ${report.rows}, inserted ${report.inserted}, updated ${report.updated}, unchanged ${report.unchanged}, rejected ${report.rejected.length}`;
    const write = report.stopped.kind === 'write';
    const where = write
      ? `The import stopped at line ${report.stopped.line}: ${report.stopped.reason}`
      : `The file could not be read to the end: reading stopped at line ${report.stopped.line}. ${report.stopped.reason}`;
    const done = write
      ? `${report.inserted + report.updated + report.unchanged} rows before it went in (${counts}); that line and the rest of the file did not. Free some space and import the file again: the rows already in are left unchanged.`
      : `The rows before it were imported (${counts}); fix the file and import it again.`;
    if (!ctx.out.isJson) ctx.out.note(lines.join('\n'));
    throw new DetailedError(report.stopped.code, `${where} ${done}`, report);
  }
  return {
    result: report,
    text: lines.join('\n'),
    message: report.cancelled ? 'The import was cancelled; the rows before it were imported.' : report.rejected.length ? 'Some lines were rejected; fix them and import the file again.' : undefined,
    exitCode: report.cancelled ? EXIT.INTERRUPTED : EXIT.OK,
  };
}

/** The file (null: standard input), encoding and dry-run flag of import-users, checked. */
export function importArgs(p: Parsed): { path: string | null; encoding: ImportEncoding | 'auto'; dryRun: boolean } {
  const file = p.args[0]!;
  const path = file === '-' ? null : pathArg(file, 'CSV file');
  if (path) checkInputFile(path, 'CSV file');
  const encodingName = str(p, 'encoding');
  const encoding = encodingName === undefined ? 'auto' : encodingByName(encodingName);
  if (encoding === null) throw usageError(`Unknown encoding ${quoteArg(encodingName!)}: use ${IMPORT_ENCODINGS.join(', ')} (or auto).`, 'import-users');
  return { path, encoding, dryRun: p.values['dry-run'] === true };
}

/** One line of an import's progress on stderr. */
export function importProgressLine(pr: { rows: number; bytes: number; totalBytes?: number | null; accepted: number; rejected: number }): string {
  const pct = pr.totalBytes ? ` (${Math.min(100, Math.floor((100 * pr.bytes) / pr.totalBytes))} %)` : '';
  return `Read ${pr.rows} ${pr.rows === 1 ? 'row' : 'rows'}${pct}: ${pr.accepted} accepted, ${pr.rejected} rejected`;
}

/** How many rejected rows a dry run prints (--json gives the preview's whole list). */
const PREVIEW_SHOWN = 20;

/** A dry run's answer: the counts, then the first rejected rows worded in `language`. */
export function previewOutcome(preview: ImportPreview, language: CliLanguage): Outcome {
  const nb = language === 'nb';
  const counts = nb
    ? `rader ${preview.rows}: nye ${preview.new}, endret ${preview.changed}, uendret ${preview.unchanged}, avvist ${preview.rejectedCount}${preview.cancelled ? ', avbrutt' : ''}`
    : `rows ${preview.rows}: new ${preview.new}, changed ${preview.changed}, unchanged ${preview.unchanged}, rejected ${preview.rejectedCount}${preview.cancelled ? ', cancelled' : ''}`;
  const lines = [counts, ...preview.rejected.slice(0, PREVIEW_SHOWN).map((r) => `${nb ? 'linje' : 'line'} ${r.line}: ${rejectionText(r, language)}`)];
  const more = preview.rejectedCount - Math.min(preview.rejected.length, PREVIEW_SHOWN);
  if (more > 0) lines.push(nb ? `… og ${more} avviste linjer til (importen lister alle)` : `… and ${more} more rejected lines (the import lists them all)`);
  if (preview.stopped) lines.push(nb ? `Filen kunne ikke leses til slutten: lesingen stoppet på linje ${preview.stopped.line}.` : `The file could not be read to the end: reading stopped at line ${preview.stopped.line}.`);
  if (preview.encodingGuessed) lines.push(nb ? 'Filen er ikke UTF-8: den ble lest som Windows-1252. Sjekk æ, ø og å i navnene, eller oppgi --encoding.' : 'The file is not UTF-8: it was read as Windows-1252. Check æ, ø and å in the names, or give --encoding.');
  const n = preview.new + preview.changed;
  return {
    result: preview,
    text: lines.join('\n'),
    message: nb ? `Prøvekjøring: ingenting ble skrevet. Kjør uten --dry-run for å importere ${n} brukere.` : `Dry run: nothing was written. Run without --dry-run to import ${n} ${n === 1 ? 'user' : 'users'}.`,
    exitCode: preview.cancelled ? EXIT.INTERRUPTED : EXIT.OK,
  };
}

/** Runs an import or its dry run; a refused header's error names its columns (in `language` for a person, English with --json). */
export async function headerWorded<T>(run: Promise<T>, language: CliLanguage, json: boolean): Promise<T> {
  try {
    return await run;
  } catch (err) {
    if (!(err instanceof FactorDeskError)) throw err;
    const text = headerText(err.details, json ? 'en' : language);
    if (text === null) throw err;
    const { field: _f, kind: _k, ...named } = err.details ?? {};
    throw new DetailedError(err.code, text, named);
  }
}

export const find: Command = {
  name: 'find',
  summary: 'look users up by email or name prefix',
  usage: ['find PREFIX [--limit N] [--offset N]'],
  help: `Lists users whose email starts with PREFIX, or whose name or a word of it does (case-
insensitive in every script). No match is not an error (exit 0, nothing on stdout).

  --limit N    at most N users (1–100, default 20)
  --offset N   skip the first N (for paging)`,
  options: { limit: { type: 'string' }, offset: { type: 'string' } },
  args: ['PREFIX'],
  async run(ctx, p) {
    const q = p.args[0]!;
    if (q.trim().length === 0) throw usageError('Give the start of an email address or name.', 'find');
    if (q.length > MAX_QUERY_LENGTH) throw usageError(`A search is at most ${MAX_QUERY_LENGTH} characters.`, 'find');
    if (/[\p{Cc}\u202A-\u202E\u2066-\u2069]/u.test(q)) throw usageError('The search contains control characters.', 'find');
    const limit = intArg(str(p, 'limit'), 'limit', 1, 100) ?? 20;
    const offset = intArg(str(p, 'offset'), 'offset', 0, 900) ?? 0;
    return ctx.withSession(async (vault, session) => {
      // One command is one session: its search is one folded event, and the limit counts earlier commands.
      const searches = new DirectorySearches();
      const store = storeOf(vault);
      let r: Awaited<ReturnType<typeof searchUsers>>;
      try {
        r = await searches.search(store, session, q, { limit, offset });
      } finally {
        await searches.flush(store, session, { end: true });
      }
      const text = r.items.map((u) => [u.email, u.name, u.organization ?? '', u.status].join('\t')).join('\n');
      return {
        result: { users: r.items, hasMore: r.hasMore },
        text: r.hasMore ? `${text}\n…` : text,
        message: r.items.length === 0 ? 'No user matches.' : undefined,
      };
    });
  },
};

export const show: Command = {
  name: 'show',
  summary: "a user's factors: authenticator, SMS, backup codes, one-time code, lock, last events",
  usage: ['show EMAIL'],
  help: `Shows the user's factor summary (no secret, code or key) and the last 20 audit events
about the user. Opening it is recorded in the audit (user.view).`,
  options: {},
  args: ['EMAIL'],
  async run(ctx, p) {
    const email = emailArg(p.args[0]!);
    return ctx.withSession(async (vault, session) => {
      const store = storeOf(vault);
      const user = await userByEmail(store, email);
      const s = await getUserFactors(store, session, user.id);
      return { result: s, text: describeFactors(s) };
    });
  },
};

/** The factor summary as a person reads it. */
export function describeFactors(s: FactorSummary): string {
  const u = s.user;
  const lines = [
    `User:            ${u.name} <${u.email}>${u.status === 'disabled' ? '  [DISABLED]' : ''}`,
    `Organization:    ${u.organization ?? '-'}`,
    `Directory phone: ${u.phone ?? '-'}`,
    `Authenticator:   ${s.authenticator.status}${s.authenticator.enrolledAt ? `, enrolled ${localTime(s.authenticator.enrolledAt)}` : ''}${s.authenticator.lastUsedAt ? `, last used ${localTime(s.authenticator.lastUsedAt)}` : ''}`,
    `Pending set-up:  ${s.pending ? `created ${localTime(s.pending.createdAt)}, set up before ${localTime(s.pending.deadline)}${s.pending.sheetId ? `, sheet ${s.pending.sheetId}` : ''}` : '-'}`,
    `SMS:             ${s.sms ? `${s.sms.masked}, ${s.sms.verified ? 'verified' : 'not verified'}, ${s.sms.usage === 'login-and-approvals' ? 'sign-in and approving payments' : 'login only (not for approving payments)'}` : '-'}`,
    `Backup codes:    ${s.backupCodes ? `${s.backupCodes.remaining} of ${s.backupCodes.total} left, made ${localTime(s.backupCodes.createdAt)}` : '-'}`,
    `One-time code:   ${s.oneTimeCode.active ? `active until ${localTime(s.oneTimeCode.expiresAt)}` : 'none'}`,
    `Wrong codes:     ${s.verification.failures}${s.verification.locked ? `, LOCKED until ${localTime(s.verification.lockedUntil)}` : ''}`,
    `Privileged:      ${s.privileged.marked ? 'yes (marked)' : s.privileged.operatorAccount ? "yes (an operator's own account)" : 'no'}${s.privileged.marked || s.privileged.operatorAccount ? ': factor changes wait for approval' : ''}`,
    '',
    'Last events:',
    ...(s.recentEvents.length === 0
      ? ['  (none)']
      : s.recentEvents.map((e) => `  ${localTime(e.at)}  ${e.action}  ${e.outcome}  by ${e.operator ?? '-'}${e.ticket ? `  ticket ${e.ticket}` : ''}`)),
  ];
  return lines.join('\n');
}
