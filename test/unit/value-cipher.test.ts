// The sealed-value box: layout, binding to its place and key generation, and that every kind of
// change (other place, other key, other generation, flipped bits, zeros) fails with a clear error.
import { describe, expect, it } from 'vitest';
import { createDecipheriv } from 'node:crypto';
import { systemRandom } from '../../main/core/clock.ts';
import { FactorDeskError } from '../../main/core/errors.ts';
import { BOX_OVERHEAD, authenticatorSecretAad, createValueCipher, dummyBox, keylessValueCipher } from '../../main/core/value-cipher.ts';

const KEY = Buffer.alloc(32, 0x11);
const SEED = Buffer.from('12345678901234567890', 'ascii');
const AAD = authenticatorSecretAad('store1', 7, 'ABCD-EF');

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'OK';
  } catch (err) {
    if (err instanceof FactorDeskError) return err.code;
    throw err;
  }
}

describe('value cipher', () => {
  const cipher = createValueCipher(KEY, 3, systemRandom);

  it('seals to version | generation | iv | tag | ciphertext and opens back', () => {
    const box = cipher.seal(SEED, AAD);
    expect(box.length).toBe(SEED.length + BOX_OVERHEAD);
    expect(BOX_OVERHEAD).toBe(33);
    expect(box[0]).toBe(1);
    expect(box.readUInt32BE(1)).toBe(3);
    expect(box.includes(SEED)).toBe(false);
    expect(cipher.open(box, AAD)).toEqual(SEED);
    // Plain AES-256-GCM underneath, with the header and the place as additional data.
    const d = createDecipheriv('aes-256-gcm', KEY, box.subarray(5, 17), { authTagLength: 16 });
    d.setAAD(Buffer.concat([box.subarray(0, 5), Buffer.from(AAD)]));
    d.setAuthTag(box.subarray(17, 33));
    expect(Buffer.concat([d.update(box.subarray(33)), d.final()])).toEqual(SEED);
  });

  it('draws a fresh IV for every box', () => {
    const a = cipher.seal(SEED, AAD);
    const b = cipher.seal(SEED, AAD);
    expect(a.subarray(5, 17).equals(b.subarray(5, 17))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('a box does not open at another place: other user, other sheet, other store, other column', () => {
    const box = cipher.seal(SEED, AAD);
    for (const other of [authenticatorSecretAad('store1', 8, 'ABCD-EF'), authenticatorSecretAad('store1', 7, 'ABCD-EG'), authenticatorSecretAad('store2', 7, 'ABCD-EF'), 'store1/operators/secret/user:7/sheet:ABCD-EF']) {
      expect(
        codeOf(() => cipher.open(box, other)),
        other,
      ).toBe('VAULT_DAMAGED');
    }
  });

  it('a changed byte anywhere, a zeroed box, a short box or another key is refused with VAULT_DAMAGED', () => {
    const box = cipher.seal(SEED, AAD);
    for (let i = 0; i < box.length; i++) {
      if (i >= 1 && i < 5) continue; // the generation bytes: next test
      const bad = Buffer.from(box);
      bad[i] = bad[i]! ^ 0x01;
      expect(
        codeOf(() => cipher.open(bad, AAD)),
        `byte ${i}`,
      ).toBe('VAULT_DAMAGED');
    }
    expect(codeOf(() => cipher.open(Buffer.alloc(box.length), AAD))).toBe('VAULT_DAMAGED');
    expect(codeOf(() => cipher.open(Buffer.from(SEED), AAD))).toBe('VAULT_DAMAGED');
    expect(codeOf(() => createValueCipher(Buffer.alloc(32, 0x12), 3, systemRandom).open(box, AAD))).toBe('VAULT_DAMAGED');
    expect(codeOf(() => cipher.open(dummyBox(3), AAD))).toBe('VAULT_DAMAGED');
  });

  it('a box of another key generation is refused with WRONG_KEY, and its generation cannot be rewritten', () => {
    const box = cipher.seal(SEED, AAD);
    const next = createValueCipher(KEY, 4, systemRandom);
    expect(codeOf(() => next.open(box, AAD))).toBe('WRONG_KEY');
    const relabelled = Buffer.from(box);
    relabelled.writeUInt32BE(4, 1);
    // Same key, generation byte changed: the header is authenticated.
    expect(codeOf(() => next.open(relabelled, AAD))).toBe('VAULT_DAMAGED');
  });

  it('wipe zeroes the key copy: nothing opens afterwards; a keyless cipher refuses everything', () => {
    const c = createValueCipher(KEY, 1, systemRandom);
    const box = c.seal(SEED, AAD);
    c.wipe();
    expect(codeOf(() => c.open(box, AAD))).toBe('VAULT_DAMAGED');
    expect(KEY.equals(Buffer.alloc(32, 0x11))).toBe(true);
    const none = keylessValueCipher('no key here');
    expect(codeOf(() => none.seal(SEED, AAD))).toBe('WRONG_KEY');
    expect(codeOf(() => none.open(box, AAD))).toBe('WRONG_KEY');
  });

  it('refuses a key of the wrong length or a bad generation', () => {
    expect(() => createValueCipher(Buffer.alloc(16), 1, systemRandom)).toThrow(RangeError);
    expect(() => createValueCipher(KEY, 0, systemRandom)).toThrow(RangeError);
  });
});
