import type { MatchExtended, ZxcvbnFactory } from '@zxcvbn-ts/core';
import { fail } from './errors.ts';

export const PASSWORD_MIN = 15;
export const PASSWORD_MAX = 256;
/** The lowest zxcvbn score (0–4) a password may have: 3 is "safely unguessable" (about 10^8 guesses or more) for an online attack. */
export const PASSWORD_MIN_SCORE = 3;

/**
 * Why a password is refused. These strings are stable codes (they go out in `details.problem`
 * and the renderer picks its message by them): do not reword them.
 */
export type PasswordProblem =
  `at least ${typeof PASSWORD_MIN} characters` | `at most ${typeof PASSWORD_MAX} characters` | 'a commonly used password' | 'repetitive' | 'sequential' | 'the name of the product or the operator' | 'easy to guess';

type Estimator = { zxcvbn: ZxcvbnFactory; common: Set<string> };
let estimator: Promise<Estimator> | null = null;

/**
 * Loaded and built on first use: the word lists are large (unpacking and ranking them takes a
 * moment) and most commands never set a password, so a command line that only looks users up
 * does not pay for them.
 */
function loadEstimator(): Promise<Estimator> {
  estimator ??= Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common')]).then(([core, lang]) => ({
    zxcvbn: new core.ZxcvbnFactory({ dictionary: lang.dictionary, graphs: lang.adjacencyGraphs, maxLength: PASSWORD_MAX }),
    common: new Set((lang.dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase())),
  }));
  return estimator;
}

/**
 * Password rules after NIST SP 800-63B rev. 4: length 15–256 (code points after NFKC), not a
 * commonly used value, not repetitive or sequential, not the operator's own name or the product
 * name, and hard to guess by zxcvbn's estimate (score 3 or more, which also catches a long run
 * of one character with a letter after it, dates, keyboard walks and common words put together).
 * No composition rules. Returns the problem, or null when acceptable.
 */
export async function passwordProblem(password: string, context: string[] = []): Promise<PasswordProblem | null> {
  const pw = password.normalize('NFKC');
  const length = [...pw].length;
  if (length < PASSWORD_MIN) return `at least ${PASSWORD_MIN} characters`;
  if (length > PASSWORD_MAX) return `at most ${PASSWORD_MAX} characters`;
  const lower = pw.toLowerCase();
  const { zxcvbn, common: COMMON } = await loadEstimator();
  if (COMMON.has(lower) || COMMON.has(lower.replace(/[\d!.?]+$/, ''))) return 'a commonly used password';
  if (/^(.{1,4})\1+$/su.test(lower)) return 'repetitive';
  if (isSequential(lower)) return 'sequential';
  const names = ['factordesk', ...context.map((c) => c.normalize('NFKC').toLowerCase()).filter((c) => c.length >= 3)];
  if (names.some((w) => lower.replace(/[^\p{L}\p{N}]/gu, '') === w.replace(/[^\p{L}\p{N}]/gu, ''))) return 'the name of the product or the operator';
  // Each name also as one word and word by word, so "anneberg2026" and "berg" count as the name.
  const inputs = [...new Set(names.flatMap((n) => [n, n.replace(/[^\p{L}\p{N}]/gu, ''), ...n.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length >= 3)]))];
  const r = zxcvbn.check(pw, inputs);
  if (r.score >= PASSWORD_MIN_SCORE) return null;
  return weakestPart(r.sequence, [...pw].length);
}

/** Names the kind of pattern that makes up most of a weak password, in the words of the stable codes. */
function weakestPart(sequence: MatchExtended[], length: number): PasswordProblem {
  const share = new Map<PasswordProblem, number>();
  for (const m of sequence) {
    let kind: PasswordProblem | null = null;
    if (m.pattern === 'dictionary') kind = m.dictionaryName === 'userInputs' ? 'the name of the product or the operator' : m.dictionaryName === 'passwords-common' ? 'a commonly used password' : null;
    else if (m.pattern === 'repeat') kind = 'repetitive';
    else if (m.pattern === 'sequence' || m.pattern === 'spatial') kind = 'sequential';
    if (kind) share.set(kind, (share.get(kind) ?? 0) + [...m.token].length);
  }
  let best: PasswordProblem = 'easy to guess';
  let most = 0;
  for (const [kind, n] of share) {
    if (n > most) [best, most] = [kind, n];
  }
  // Only name a pattern that is most of the password; otherwise say plainly that it is guessable.
  return most * 2 >= length ? best : 'easy to guess';
}

function isSequential(s: string): boolean {
  const cps = [...s].map((c) => c.codePointAt(0)!);
  const up = cps.every((c, i) => i === 0 || c - cps[i - 1]! === 1);
  const down = cps.every((c, i) => i === 0 || cps[i - 1]! - c === 1);
  return up || down;
}

const ADVICE = 'Choose another, for example four or five unrelated words.';

/** The plain message for a problem: what is wrong and what to do. */
export function passwordMessage(problem: PasswordProblem): string {
  switch (problem) {
    case 'a commonly used password':
      return `This is a commonly used password. ${ADVICE}`;
    case 'repetitive':
    case 'sequential':
      return `The password repeats itself or is a sequence (like "aaaa", "1234" or "qwerty"). ${ADVICE}`;
    case 'the name of the product or the operator':
      return `The password is mostly your name or the product name. ${ADVICE}`;
    case 'easy to guess':
      return `This password is too easy to guess (it is made of common words, names, dates, repeats or keyboard patterns). ${ADVICE}`;
    default:
      return problem.startsWith('at least') ? `The password needs ${problem}. ${ADVICE}` : `The password can have ${problem}.`;
  }
}

/** Throws WEAK_PASSWORD (details.problem: one of the stable codes) when the password breaks the rules. */
export async function assertPassword(password: string, context: string[] = []): Promise<void> {
  const problem = await passwordProblem(password, context);
  if (problem) fail('WEAK_PASSWORD', passwordMessage(problem), { problem });
}
