/**
 * Sealed values: each secret value a store keeps (a user's TOTP seed, a pending enrollment's
 * seed) is encrypted on its own with AES-256-GCM, bound by its additional data to where it lives
 * (store, table, column, row), so a box copied into another row does not open, and to the
 * data-key generation it was sealed under, so a later key rotation can find the old boxes and
 * re-seal them in the background. The services seal before they write and open after they read;
 * the stores keep the bytes and never look inside.
 *
 * A box is self-describing: version (1 byte) | generation (4 bytes, big-endian) | iv (12) |
 * tag (16) | ciphertext. The 5 header bytes are part of the additional data, so they cannot be
 * changed either.
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import type { Random } from './clock.ts';
import { fail } from './errors.ts';

/** Seals and opens single values (see the file comment for the box). */
export interface ValueCipher {
  /** The data-key generation new boxes are sealed under. */
  readonly generation: number;
  /** A box of `plaintext` bound to `aad` (where the value lives). */
  seal(plaintext: Buffer, aad: string): Buffer;
  /** The plaintext of `box`; throws VAULT_DAMAGED when it was altered, moved or sealed under another key. */
  open(box: Buffer, aad: string): Buffer;
  /**
   * The key of code verifiers (the pepper): derived from the value key, so it lives where that
   * key lives (the server's key file; the vault's encrypted meta), never beside the verifiers.
   */
  verifierKey(): Buffer;
}

export const BOX_VERSION = 1;
const HEADER = 5;
const IV = 12;
const TAG = 16;
/** Bytes a box adds to its plaintext (a 20-byte seed becomes a 53-byte box). */
export const BOX_OVERHEAD = HEADER + IV + TAG;

const UNREADABLE = 'A sealed secret in the store does not open: it was altered, copied from another row, or sealed under another key.';

function header(generation: number): Buffer {
  const h = Buffer.alloc(HEADER);
  h[0] = BOX_VERSION;
  h.writeUInt32BE(generation, 1);
  return h;
}

function additionalData(head: Buffer, aad: string): Buffer {
  return Buffer.concat([head, Buffer.from(aad, 'utf8')]);
}

/** A cipher keyed by a 32-byte key of one generation, drawing IVs from `random`; `wipe` zeroes its key copy. */
export function createValueCipher(key: Buffer, generation: number, random: Random): ValueCipher & { wipe(): void } {
  if (key.length !== 32) throw new RangeError('A value key has 32 bytes.');
  if (!Number.isInteger(generation) || generation < 1 || generation > 0xffffffff) throw new RangeError('A key generation is a positive 32-bit integer.');
  const k = Buffer.from(key);
  const pepper = Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), 'factordesk code verifiers v1', 32));
  return {
    generation,
    verifierKey: () => pepper,
    seal(plaintext, aad) {
      const head = header(generation);
      // A fresh random 96-bit IV per box: far below the 2^32 boxes per key GCM allows that way.
      const iv = random.bytes(IV);
      const c = createCipheriv('aes-256-gcm', k, iv, { authTagLength: TAG });
      c.setAAD(additionalData(head, aad));
      const ct = Buffer.concat([c.update(plaintext), c.final()]);
      return Buffer.concat([head, iv, c.getAuthTag(), ct]);
    },
    open(box, aad) {
      if (box.length < BOX_OVERHEAD || box[0] !== BOX_VERSION) fail('VAULT_DAMAGED', UNREADABLE);
      const gen = box.readUInt32BE(1);
      if (gen !== generation) fail('WRONG_KEY', `A sealed secret is of key generation ${gen}; this store's value key is generation ${generation}.`);
      try {
        const d = createDecipheriv('aes-256-gcm', k, box.subarray(HEADER, HEADER + IV), { authTagLength: TAG });
        d.setAAD(additionalData(box.subarray(0, HEADER), aad));
        d.setAuthTag(box.subarray(HEADER + IV, BOX_OVERHEAD));
        return Buffer.concat([d.update(box.subarray(BOX_OVERHEAD)), d.final()]);
      } catch {
        fail('VAULT_DAMAGED', UNREADABLE);
      }
    },
    wipe() {
      k.fill(0);
      pepper.fill(0);
    },
  };
}

/** A cipher for a process that holds no value key (it opens no sealed value): every use throws. */
export function keylessValueCipher(why: string): ValueCipher {
  const refuse = (): never => fail('WRONG_KEY', why);
  return { generation: 0, seal: refuse, open: refuse, verifierKey: refuse };
}

/**
 * Where a user's TOTP seed lives, as additional data: the store, the column and the row. The row
 * is named by the user and the enrollment's sheet id (unique per enrollment, and known before the
 * row is inserted, unlike its id), so a seed moved to another user or another enrollment does not open.
 */
export function authenticatorSecretAad(storeId: string, userId: number, sheetId: string | null): string {
  return `${storeId}/authenticators/secret/user:${userId}/sheet:${sheetId ?? ''}`;
}

/** A box of the right shape and generation that never opens: the same work where there is no real box. */
export function dummyBox(generation: number): Buffer {
  return Buffer.concat([header(Math.max(generation, 1)), Buffer.alloc(IV + TAG + 20)]);
}
