/**
 * Which details of a coded error may cross IPC: only those the contract lists for that code,
 * each checked against its kind. Anything else a service attached (ids, paths, internals) stays
 * in main.
 */
import { ERROR_DETAILS, PASSWORD_PROBLEMS, type DetailKind, type ErrorCode, type ErrorDetails, type PasswordProblem } from '../../contract/index.ts';

/**
 * main/core/passwords.ts reports the problem as English text ("at least 15 characters"). Until
 * it reports a `PasswordProblem` itself, the text is mapped here; a value that already is a
 * `PasswordProblem` passes unchanged, so this can be deleted once the core sends codes.
 */
const LEGACY_PASSWORD_TEXT: Array<[RegExp, PasswordProblem]> = [
  [/^at least\b/, 'too-short'],
  [/^at most\b/, 'too-long'],
  [/common/, 'common'],
  [/^repetitive$/, 'repetitive'],
  [/^sequential$/, 'sequential'],
  [/name/, 'name'],
];

function normalise(code: ErrorCode, key: string, value: unknown): unknown {
  if (code === 'WEAK_PASSWORD' && key === 'problem' && typeof value === 'string' && !(PASSWORD_PROBLEMS as readonly string[]).includes(value)) {
    return LEGACY_PASSWORD_TEXT.find(([re]) => re.test(value))?.[1];
  }
  return value;
}

function fits(kind: DetailKind, v: unknown): boolean {
  if (kind === 'string') return typeof v === 'string';
  if (kind === 'number') return typeof v === 'number' && Number.isFinite(v);
  if (kind === 'string[]') return Array.isArray(v) && v.every((x) => typeof x === 'string');
  return typeof v === 'string' && kind.includes(v);
}

/** The details allowed for `code`, each of the right kind; undefined when none remain. */
export function publicDetails<C extends ErrorCode>(code: C, details: Readonly<Record<string, unknown>> | undefined): ErrorDetails<C> | undefined {
  if (!details) return undefined;
  const allowed = ERROR_DETAILS[code] as Readonly<Record<string, DetailKind>> | undefined;
  // A code outside the contract (e.g. from a newer server) carries no details.
  if (!allowed) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(allowed)) {
    if (!Object.hasOwn(details, key)) continue;
    const v = normalise(code, key, details[key]);
    if (fits(kind, v)) out[key] = Array.isArray(v) ? [...v] : v;
  }
  return Object.keys(out).length ? (out as unknown as ErrorDetails<C>) : undefined;
}
