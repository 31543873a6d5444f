// The identity key of an address (one user per key) against the looser search fold.
import { describe, expect, it } from 'vitest';
import { foldKey, identityKey } from '../../main/core/text.ts';

describe('identityKey', () => {
  it('folds case in every script, one letter for one letter', () => {
    expect(identityKey(' Øyvind.Ås@Example.NO ')).toBe('øyvind.ås@example.no');
    expect(identityKey('ΣΟΦΙΑ@example.gr')).toBe(identityKey('σοφια@example.gr'));
    expect(identityKey('σοφιας@x.gr')).toBe(identityKey('σοφιασ@x.gr')); // final sigma is a sigma
    expect(identityKey('ẞTRASSE@x.de')).toBe(identityKey('ßtrasse@x.de')); // capital and small sharp s
    expect(identityKey('ДМИТРИЙ@пример.рф')).toBe('дмитрий@пример.рф');
    // NFC: a precomposed å and a + combining ring are one key.
    expect(identityKey('a\u030Ase@x.no')).toBe(identityKey('\u00E5se@x.no'));
  });

  it('never changes one letter into another: ß is not ss, the dotless ı is not i, İ is not i', () => {
    expect(identityKey('straße@x.de')).not.toBe(identityKey('strasse@x.de'));
    expect(identityKey('ılker@x.tr')).not.toBe(identityKey('ilker@x.tr'));
    expect(identityKey('İlker@x.tr')).not.toBe(identityKey('ilker@x.tr'));
    expect(identityKey('Ilker@x.tr')).toBe('ilker@x.tr');
    expect(identityKey('ﬁnn@x.no')).not.toBe(identityKey('finn@x.no')); // a ligature is not expanded
  });

  it('is finer than the search fold: equal identity keys always have equal search keys', () => {
    const samples = ['Straße', 'STRASSE', 'ılker', 'İlker', 'Ilker', 'ΣΟΦΙΑΣ', 'σοφιας', 'ẞ', 'ß', 'Øyvind', 'øYVIND', 'Ꭰ', 'ꭰ', 'ǅ', 'ǆ', 'Ǆ', 'K', 'k'];
    for (const a of samples) for (const b of samples) if (identityKey(a) === identityKey(b)) expect(foldKey(a), `${a} / ${b}`).toBe(foldKey(b));
    expect(foldKey('straße')).toBe(foldKey('strasse'));
    expect(foldKey('ılker')).toBe(foldKey('ilker'));
  });
});
