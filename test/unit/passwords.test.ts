// Password rules: length 15–256, and hard to guess by zxcvbn (score 3 or more), with a plain
// message and one of the stable problem codes the renderer picks its message by.
import { describe, expect, it } from 'vitest';
import { assertPassword, passwordProblem, PASSWORD_MIN_SCORE } from '../../main/core/passwords.ts';
import { FactorDeskError } from '../../main/core/errors.ts';

const STABLE = ['at least 15 characters', 'at most 256 characters', 'a commonly used password', 'repetitive', 'sequential', 'the name of the product or the operator', 'easy to guess'];

async function refusal(pw: string, context: string[] = []): Promise<{ problem: unknown; message: string } | null> {
  try {
    await assertPassword(pw, context);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(FactorDeskError);
    const e = err as FactorDeskError;
    expect(e.code).toBe('WEAK_PASSWORD');
    return { problem: e.details?.problem, message: e.message };
  }
}

describe('passwords', () => {
  it('refuses long but guessable passwords that the old rules let through', async () => {
    for (const pw of ['123456789012345', `${' '.repeat(15)}x`, 'qwertyuiopasdfgh', 'Sommer2026Sommer2026', 'passwordpassword1'])
      expect(await refusal(pw, ['anne', 'Anne Berg']), pw).not.toBeNull();
    expect(PASSWORD_MIN_SCORE).toBe(3);
  });

  it('gives a plain message that says what to do, and a stable problem code', async () => {
    const cases: Array<[string, string]> = [
      ['short', 'at least 15 characters'],
      ['x'.repeat(257) + 'abc', 'at most 256 characters'],
      ['password1234567', 'a commonly used password'],
      ['abababababababab', 'repetitive'],
      ['abcdefghijklmnop', 'sequential'],
      ['Anne Berg', 'at least 15 characters'],
      ['factordesk', 'at least 15 characters'],
    ];
    for (const [pw, problem] of cases) {
      const r = (await refusal(pw, ['anne', 'Anne Berg']))!;
      expect(r, pw).not.toBeNull();
      expect(r.problem, pw).toBe(problem);
    }
    for (const pw of ['123456789012345', `${' '.repeat(15)}x`, 'password1234567', 'short', 'zzzzzzzzzzzzzzzzzz', 'Sommer2026Sommer2026']) {
      const r = (await refusal(pw))!;
      expect(STABLE).toContain(r.problem);
      expect(r.message).not.toMatch(/must be not|must be neither/);
      expect(r.message).toMatch(/Choose another|needs at least/);
    }
  });

  it('accepts passphrases and keeps the 15-character minimum', async () => {
    for (const pw of ['correct horse battery staple 42', 'Fjellvann ved Lysefjorden i mars 2026', 'blåbærsyltetøy på brødskiva', 'another long passphrase for per'])
      expect(await passwordProblem(pw, ['per', 'Per Lie']), pw).toBeNull();
    expect(await passwordProblem('Kj8#vQ2!mZ9@wL4')).toBeNull(); // 15 random characters
    expect(await passwordProblem('Kj8#vQ2!mZ9@wL')).toBe('at least 15 characters');
  });
});
