import { describe, expect, it } from 'vitest';
import { mixedScriptPart, mixesScripts } from '../../main/core/email-lookalikes.ts';

describe('mixed-script addresses', () => {
  it('finds a Cyrillic or Greek letter among Latin ones, in the local part or a domain label', () => {
    expect(mixedScriptPart('p\u0430ul@example.no')).toBe('p\u0430ul'); // Cyrillic а
    expect(mixedScriptPart('paul@ex\u0430mple.no')).toBe('ex\u0430mple');
    expect(mixedScriptPart('\u03bfla@example.no')).toBe('\u03bfla'); // Greek ο
  });

  it('leaves one script per part alone, and the ordinary mixes of Japanese, Chinese and Korean with Latin', () => {
    for (const ok of ['paul@example.no', 'øyvind.ås@blåbær.no', 'дмитрий@пример.рф', 'ivan@почта.рф', 'sofia@παράδειγμα.gr', 'taro.山田@例え.jp', 'やまだタロウ山田@example.jp', 'kim민수@example.kr', 'user123@example.no']) {
      expect(mixedScriptPart(ok), ok).toBeNull();
    }
    expect(mixesScripts('abcкириллица')).toBe(true);
  });
});
