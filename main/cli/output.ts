import type { Writable } from 'node:stream';
import { FactorDeskError, toFactorDeskError, type ErrorCode } from '../core/errors.ts';
import { localizeTimes } from './format.ts';
import { NB_ERRORS, NB_PASSWORD_PROBLEMS, type CliLanguage } from './language.ts';

/** Exit codes of the command line (documented in README-cli.md). */
export const EXIT = {
  OK: 0,
  REJECTED: 1,
  USAGE: 2,
  SIGNIN: 3,
  NOT_FOUND: 4,
  LOCKED: 5,
  VAULT: 6,
  APPROVAL: 7,
  INTERRUPTED: 130,
} as const;

/** The exit code for an error code: one class per number, never a stack trace. */
export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'CODE_REJECTED':
      return EXIT.REJECTED;
    case 'SIGNIN_FAILED':
    case 'OPERATOR_LOCKED':
    case 'RATE_LIMITED':
    case 'SESSION_LOCKED':
      return EXIT.SIGNIN;
    case 'NOT_FOUND':
      return EXIT.NOT_FOUND;
    case 'USER_LOCKED':
      return EXIT.LOCKED;
    case 'VAULT_MISSING':
    case 'VAULT_EXISTS':
    case 'VAULT_DAMAGED':
    case 'VAULT_NEWER':
    case 'WRONG_KEY':
    case 'SLOTS_INVALID':
    case 'BACKUP_INVALID':
    case 'VAULT_BUSY':
    case 'IO_ERROR':
    case 'SERVER_UNREACHABLE':
    case 'SERVER_KEY_CHANGED':
    case 'DISK_FULL':
    case 'VAULT_READ_ONLY':
    case 'INTERNAL':
      return EXIT.VAULT;
    case 'APPROVAL_REQUIRED':
    case 'APPROVAL_PENDING':
    case 'APPROVAL_CLOSED':
    case 'OWN_APPROVAL':
      return EXIT.APPROVAL;
    case 'CANCELLED':
      return EXIT.INTERRUPTED;
    default:
      // BAD_REQUEST, SERVICE_KEY_RETIRED, FORBIDDEN, WEAK_PASSWORD, CONFLICT, USER_DISABLED, OWN_ACCOUNT, OPERATOR_ACCOUNT,
      // CHECKS_REQUIRED, TICKET_REQUIRED, REASON_REQUIRED, NO_PENDING_ENROLLMENT
      return EXIT.USAGE;
  }
}

/** An error whose JSON answer carries `details` (e.g. the result of an action that did happen). */
export class DetailedError extends FactorDeskError {
  readonly output: unknown;
  constructor(code: ErrorCode, message: string, output: unknown) {
    super(code, message);
    this.output = output;
  }
}

/** A usage error (unknown command or flag, missing or malformed argument): exit 2. */
export function usageError(message: string, command?: string): FactorDeskError {
  return new FactorDeskError('BAD_REQUEST', message, { usage: command ?? '' });
}

const MAX_MESSAGE = 600;

/**
 * Makes text safe for a terminal: control and bidi characters replaced, length capped. Error
 * messages may quote an argument (an unknown flag); a hostile argument must not move the cursor,
 * recolour the terminal or flood it.
 */
export function cleanText(s: string, max = MAX_MESSAGE): string {
  const t = String(s).replace(/[\p{Cc}\u202A-\u202E\u2066-\u2069\u200B-\u200F\u2028\u2029\uFEFF]/gu, (c) => (c === '\n' || c === '\t' ? c : '?'));
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/** Quotes a user-supplied token for a message: cleaned and short. */
export function quoteArg(s: string, max = 40): string {
  return `'${cleanText(s, max).replace(/\n/g, '?')}'`;
}

/** What a command hands back: the JSON result, and the text a person reads on stdout. */
export interface Outcome {
  result: unknown;
  /** Printed to stdout without --json (the result itself, plain). */
  text?: string;
  /** Printed to stderr without --json (what happened, hints). */
  message?: string;
  /** Defaults to 0. */
  exitCode?: number;
}

/** Writes results and messages: one JSON object with --json, else results on stdout and messages on stderr. */
export class Output {
  private readonly json: boolean;
  private readonly stdout: Writable;
  private readonly stderr: Writable;
  private done = false;
  /** What was warned, in order: on stderr as it happens, and in the JSON answer's `warnings`. */
  private readonly warnings: string[] = [];
  /** The language of the error line and hint a person reads (the JSON answer stays English). */
  private readonly language: CliLanguage;

  constructor(json: boolean, stdout: Writable, stderr: Writable, language: CliLanguage = 'en') {
    this.json = json;
    this.stdout = stdout;
    this.stderr = stderr;
    this.language = language;
  }

  get isJson(): boolean {
    return this.json;
  }

  /** A message for a person (stderr). Kept out of stdout so --json and pipes stay clean. */
  note(message: string): void {
    if (this.json) return;
    this.stderr.write(`${cleanText(message, 4000)}\n`);
  }

  /** A warning: always stderr (also with --json, for logs), and in the JSON answer's `warnings`. */
  warn(message: string): void {
    const text = cleanText(message);
    this.warnings.push(text);
    this.stderr.write(`factordesk: ${this.language === 'nb' ? 'advarsel' : 'warning'}: ${text}\n`);
  }

  /** Progress on stderr (never with --json). */
  progress(line: string, interactive: boolean): void {
    if (this.json) return;
    this.stderr.write(interactive ? `\r${cleanText(line, 200)}\x1b[K` : `${cleanText(line, 200)}\n`);
  }

  /** The success answer; exactly once. */
  success(o: Outcome): number {
    if (this.done) return o.exitCode ?? EXIT.OK;
    this.done = true;
    if (this.json) {
      this.stdout.write(JSON.stringify({ ok: true, result: o.result ?? null, warnings: this.warnings }) + '\n');
    } else {
      if (o.message) this.stderr.write(`${cleanText(o.message, 4000)}\n`);
      if (o.text !== undefined && o.text !== '') {
        const text = cleanText(o.text, Number.MAX_SAFE_INTEGER);
        this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      }
    }
    return o.exitCode ?? EXIT.OK;
  }

  /** The error answer; exactly once. Only the code and a cleaned message: no stack, no internals. */
  failure(err: unknown, extra?: { hint?: string; hintNb?: string }): number {
    const e = toFactorDeskError(err);
    // A change stored for a second person's approval is an answer, not a failure: exit 0.
    if (e.code === 'APPROVAL_PENDING' && typeof e.details?.approvalId === 'number') return this.success(pendingOutcome(e, this.language));
    const details = err instanceof DetailedError ? err.output : undefined;
    const code = exitCodeFor(e.code);
    if (this.done) return code;
    this.done = true;
    // A time in a service's message (a lock "until …") is shown in local time, as everywhere else.
    const message = cleanText(localizeTimes(e.message));
    if (this.json) {
      const error: Record<string, unknown> = { code: e.code, message };
      if (details !== undefined) error.details = details;
      this.stdout.write(JSON.stringify({ ok: false, error, warnings: this.warnings }) + '\n');
    } else {
      if (this.language === 'nb') {
        // The bokmål line by code, then the service's own (English) words, which name the specifics;
        // a refused password's reason is known in bokmål, so that line says it all.
        const problem = e.code === 'WEAK_PASSWORD' ? e.details?.problem : undefined;
        const reason = typeof problem === 'string' && Object.hasOwn(NB_PASSWORD_PROBLEMS, problem) ? NB_PASSWORD_PROBLEMS[problem as keyof typeof NB_PASSWORD_PROBLEMS] : null;
        this.stderr.write(reason ? `factordesk: ${reason} (${e.code})\n` : `factordesk: ${NB_ERRORS[e.code]} (${e.code})\n  ${message}\n`);
        if (extra?.hintNb ?? extra?.hint) this.stderr.write(`${extra?.hintNb ?? extra?.hint}\n`);
      } else {
        this.stderr.write(`factordesk: ${message} (${e.code})\n`);
        if (extra?.hint) this.stderr.write(`${extra.hint}\n`);
      }
    }
    return code;
  }
}

/** The answer for a change that waits for approval: `result.status` "pending-approval" and the request's id. */
function pendingOutcome(e: FactorDeskError, language: CliLanguage): Outcome {
  const d = e.details as { approvalId: number; expiresAt?: number; runnableAt?: number; status?: string };
  const result = { status: 'pending-approval', approvalId: d.approvalId, expiresAt: d.expiresAt ?? null, runnableAt: d.runnableAt ?? null };
  const message = cleanText(localizeTimes(e.message));
  const nb =
    d.status === 'cooling'
      ? `Endringen venter (forespørsel ${d.approvalId}): det finnes ingen annen administrator som kan godkjenne den, så den kan kjøres med "factordesk approvals run ${d.approvalId}" etter ventetiden, med mindre den avvises. Ingenting er endret ennå.`
      : `Endringen venter på godkjenning (forespørsel ${d.approvalId}); ingenting er endret ennå. Kjør den med "factordesk approvals run ${d.approvalId}" når den er godkjent.`;
  // A cooling request's message already says from when it runs; one that waits for an admin gets the next step.
  const next = d.status === 'cooling' ? '' : `\nRun it with "factordesk approvals run ${d.approvalId}" once it is approved.`;
  return { result, text: `pending-approval\t${d.approvalId}`, message: language === 'nb' ? `${nb}\n  ${message}` : `${message}${next}` };
}
