// Code verifiers are keyed: a one-time or backup code is stored as an HMAC under the verifier key
// (the pepper, derived from the store's value key, held where that key is: the server's key file,
// the vault's encrypted meta), so the stored salt and hash alone cannot be searched for the code.
// Codes stored by an earlier build (salted SHA-256) keep verifying until they are replaced.
import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeVault } from '../helpers/vault.ts';
import { foldKey, identityKey } from '../../main/core/text.ts';
import { issueOneTimeCode } from '../../main/core/one-time-codes.ts';
import { issueBackupCodes } from '../../main/core/backup-codes.ts';
import { verifyCode } from '../../main/core/verify.ts';
import { codeVerifier, keyedSalt } from '../../main/core/crypto.ts';
import { createValueCipher } from '../../main/core/value-cipher.ts';
import { systemRandom } from '../../main/core/clock.ts';
import type { Session } from '../../main/core/session.ts';

const service: Session = { operatorId: 'service:t', name: 'service:t', displayName: 't', role: 'service', emailKey: null, signedInAt: 0 };
const ctx = { checks: ['callback', 'photo-id'], ticket: 'HD-1', reason: 'lost phone' };
let v: Awaited<ReturnType<typeof makeVault>>;
let userId = 0;

beforeEach(async () => {
  v = await makeVault();
  const now = v.clock.now();
  userId = Number(
    v.vault.db
      .prepare('INSERT INTO users (email, email_identity, email_key, name, name_key, phone, organization, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run('kari@example.no', identityKey('kari@example.no'), foldKey('kari@example.no'), 'Kari Nordmann', foldKey('Kari Nordmann'), '+4791234567', 'Acme', 'active', now, now).lastInsertRowid,
  );
});
afterEach(() => v.cleanup());

const digits = (code: string) => code.replace(/\D/g, '');

describe('keyed code verifiers', () => {
  it('the verifier is an HMAC under the verifier key: salt and hash alone do not confirm the code', () => {
    const cipher = createValueCipher(Buffer.alloc(32, 7), 1, systemRandom);
    const other = createValueCipher(Buffer.alloc(32, 8), 1, systemRandom);
    const salt = keyedSalt(systemRandom);
    const h = codeVerifier(cipher.verifierKey(), salt, '12345678');
    expect(h).toEqual(createHmac('sha256', Buffer.from(hkdfSync('sha256', Buffer.alloc(32, 7), Buffer.alloc(0), 'factordesk code verifiers v1', 32))).update(salt).update('12345678').digest());
    expect(h).not.toEqual(createHash('sha256').update(salt).update('12345678').digest());
    expect(codeVerifier(other.verifierKey(), salt, '12345678')).not.toEqual(h);
  });

  it('an issued one-time code and backup codes are stored keyed and verify; the salt-and-SHA-256 search of a dump finds nothing', async () => {
    const { code } = await issueOneTimeCode(v.store, v.admin, userId, ctx);
    const row = v.vault.db.prepare('SELECT salt, hash FROM one_time_codes WHERE user_id = ?').get(userId) as { salt: Buffer; hash: Buffer };
    expect(row.salt.length).toBe(17);
    expect(row.hash).not.toEqual(createHash('sha256').update(row.salt).update(digits(code)).digest());
    expect(row.hash).not.toEqual(createHash('sha256').update(row.salt.subarray(1)).update(digits(code)).digest());
    expect(await verifyCode(v.store, service, userId, code)).toEqual({ result: 'accepted' });
    const { codes } = await issueBackupCodes(v.store, v.admin, userId, ctx);
    const rows = v.vault.db.prepare('SELECT salt, hash FROM backup_codes').all() as Array<{ salt: Buffer; hash: Buffer }>;
    expect(rows.every((r) => r.salt.length === 17)).toBe(true);
    expect(await verifyCode(v.store, service, userId, codes[3]!)).toEqual({ result: 'accepted' });
  });

  it('a one-time code stored by an earlier build (16-byte salt, SHA-256) still verifies, once', async () => {
    const salt = Buffer.alloc(16, 9);
    const now = v.clock.now();
    v.vault.db
      .prepare("INSERT INTO one_time_codes (user_id, salt, hash, status, created_at, expires_at) VALUES (?, ?, ?, 'active', ?, ?)")
      .run(userId, salt, createHash('sha256').update(salt).update('24681357').digest(), now, now + 3_600_000);
    expect(await verifyCode(v.store, service, userId, '2468 1357')).toEqual({ result: 'accepted' });
    expect(await verifyCode(v.store, service, userId, '2468 1357')).toEqual({ result: 'rejected' });
  });
});
