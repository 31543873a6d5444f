import { dictionary } from '@zxcvbn-ts/language-common';
import { fail } from './errors.ts';

const COMMON = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));

export const PASSWORD_MIN = 15;
export const PASSWORD_MAX = 256;

/**
 * Password rules after NIST SP 800-63B rev. 4: length 15–256 (code points after NFKC), not a
 * commonly used value, not repetitive or sequential, not the operator's own name or the product
 * name. No composition rules. Returns a reason, or null when acceptable.
 */
export function passwordProblem(password: string, context: string[] = []): string | null {
  const pw = password.normalize('NFKC');
  const length = [...pw].length;
  if (length < PASSWORD_MIN) return `at least ${PASSWORD_MIN} characters`;
  if (length > PASSWORD_MAX) return `at most ${PASSWORD_MAX} characters`;
  const lower = pw.toLowerCase();
  if (COMMON.has(lower) || COMMON.has(lower.replace(/[\d!.?]+$/, ''))) return 'a commonly used password';
  if (/^(.{1,4})\1+$/su.test(lower)) return 'repetitive';
  if (isSequential(lower)) return 'sequential';
  const words = ['factordesk', ...context.map((c) => c.toLowerCase()).filter((c) => c.length >= 3)];
  if (words.some((w) => lower.replace(/[^\p{L}\p{N}]/gu, '') === w.replace(/[^\p{L}\p{N}]/gu, ''))) return 'the name of the product or the operator';
  return null;
}

function isSequential(s: string): boolean {
  const cps = [...s].map((c) => c.codePointAt(0)!);
  const up = cps.every((c, i) => i === 0 || c - cps[i - 1]! === 1);
  const down = cps.every((c, i) => i === 0 || cps[i - 1]! - c === 1);
  return up || down;
}

/** Throws WEAK_PASSWORD when the password breaks the rules. */
export function assertPassword(password: string, context: string[] = []): void {
  const problem = passwordProblem(password, context);
  if (problem) fail('WEAK_PASSWORD', `The password must be ${problem === 'repetitive' || problem === 'sequential' ? 'neither repetitive nor sequential' : problem === 'a commonly used password' ? 'not a commonly used password' : problem === 'the name of the product or the operator' ? 'different from your name and the product name' : problem}.`, { problem });
}
