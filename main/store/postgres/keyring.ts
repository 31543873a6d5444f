import type { Clock, Random } from '../../core/clock.ts';
import { currentKdf, deriveKek, safeEqual, sha256Hex, type KdfParams } from '../../core/crypto.ts';
import type { CredentialsRepo, Keyring, PreparedCredential, PreparedServiceKey, ServiceKeyInfo } from '../keyring.ts';
import type { Store } from '../port.ts';
import type { PgTxState } from './tx-state.ts';

/**
 * Credentials of a server store: an operator's password is kept as a scrypt verifier (salt,
 * parameters, derived key), a service key as the SHA-256 of its random bytes. Nothing here
 * unwraps a data key as the vault's key slots do; signing in against these is a later slice.
 */
class PgOperatorCredential implements PreparedCredential {
  readonly kind = 'operator-credential' as const;
  readonly operatorId: string;
  readonly storeId: string;
  readonly salt: Buffer;
  readonly kdf: KdfParams;
  readonly verifier: Buffer;
  readonly createdAt: number;
  constructor(storeId: string, operatorId: string, salt: Buffer, kdf: KdfParams, verifier: Buffer, createdAt: number) {
    this.createdAt = createdAt;
    this.storeId = storeId;
    this.operatorId = operatorId;
    this.salt = salt;
    this.kdf = kdf;
    this.verifier = verifier;
  }
}

class PgServiceKey implements PreparedServiceKey {
  readonly kind = 'service-key' as const;
  readonly keyId: string;
  readonly storeId: string;
  readonly label: string;
  readonly verifier: Buffer;
  readonly createdAt: string;
  constructor(storeId: string, keyId: string, label: string, verifier: Buffer, createdAt: string) {
    this.storeId = storeId;
    this.keyId = keyId;
    this.label = label;
    this.verifier = verifier;
    this.createdAt = createdAt;
  }
}

/** What a service key file holds for a server store. */
export interface PgServiceKeyFile {
  format: 'factordesk.service-key';
  storeId: string;
  label: string;
  key: string;
}

/** The store's slow credential work (scrypt), done before a write transaction. */
export class PgKeyring implements Keyring {
  private readonly store: Store;
  private readonly random: Random;
  private readonly clock: Clock;
  constructor(store: Store, random: Random, clock: Clock) {
    this.store = store;
    this.random = random;
    this.clock = clock;
  }

  private async verifierFor(storeId: string, operatorId: string, password: string): Promise<PgOperatorCredential> {
    const salt = this.random.bytes(16);
    const kdf = currentKdf();
    return new PgOperatorCredential(storeId, operatorId, salt, kdf, await deriveKek(password, salt, kdf), this.clock.now());
  }

  async prepareOperatorCredential(operator: { id: string; nameKey: string }, password: string): Promise<PreparedCredential> {
    return this.verifierFor(this.store.storeId, operator.id, password);
  }

  async prepareOwnPasswordChange(operatorId: string, oldPassword: string, newPassword: string): Promise<PreparedCredential | null> {
    const cur = await this.store.read((tx) => (tx.credentials as PgCredentials).operatorVerifier(operatorId));
    if (!cur) return null;
    const check = await deriveKek(oldPassword, cur.salt, cur.kdf);
    if (!safeEqual(check, cur.verifier)) return null;
    return this.verifierFor(this.store.storeId, operatorId, newPassword);
  }

  async prepareServiceKey(label: string): Promise<{ prepared: PreparedServiceKey; fileContent: string }> {
    const raw = this.random.bytes(32);
    try {
      const keyId = this.random.bytes(8).toString('hex');
      const prepared = new PgServiceKey(this.store.storeId, keyId, label, Buffer.from(sha256Hex(raw), 'hex'), new Date(this.clock.now()).toISOString());
      const file: PgServiceKeyFile = { format: 'factordesk.service-key', storeId: this.store.storeId, label, key: raw.toString('hex') };
      return { prepared, fileContent: JSON.stringify(file, null, 1) + '\n' };
    } finally {
      raw.fill(0);
    }
  }
}

/** Credentials inside a transaction: rows that commit (or not) with it. */
export class PgCredentials implements CredentialsRepo {
  private readonly s: PgTxState;
  private readonly storeId: string;
  constructor(s: PgTxState, storeId: string) {
    this.s = s;
    this.storeId = storeId;
  }

  /** An operator's password verifier (for checking the old password); null when none. */
  async operatorVerifier(operatorId: string): Promise<{ salt: Buffer; kdf: KdfParams; verifier: Buffer } | null> {
    const r = await this.s.row<{ salt: Buffer; kdf: string; verifier: Buffer }>('SELECT salt, kdf, verifier FROM operator_credentials WHERE operator_id = $1', [operatorId]);
    return r ? { salt: r.salt, kdf: JSON.parse(r.kdf) as KdfParams, verifier: r.verifier } : null;
  }

  async listServiceKeys(): Promise<ServiceKeyInfo[]> {
    const rows = await this.s.rows<{ key_id: string; label: string; created_at: string }>('SELECT key_id, label, created_at FROM service_keys ORDER BY created_at, key_id');
    return rows.map((r) => ({ keyId: r.key_id, label: r.label, createdAt: r.created_at }));
  }

  async installOperator(prepared: PreparedCredential): Promise<void> {
    if (!(prepared instanceof PgOperatorCredential) || prepared.storeId !== this.storeId) throw new Error('This credential was prepared for another store.');
    await this.s.change(
      `INSERT INTO operator_credentials (operator_id, salt, kdf, verifier, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (operator_id) DO UPDATE SET salt = excluded.salt, kdf = excluded.kdf, verifier = excluded.verifier, created_at = excluded.created_at`,
      [prepared.operatorId, prepared.salt, JSON.stringify(prepared.kdf), prepared.verifier, prepared.createdAt],
    );
  }

  async removeOperator(operatorId: string): Promise<void> {
    await this.s.change('DELETE FROM operator_credentials WHERE operator_id = $1', [operatorId]);
  }

  async installServiceKey(prepared: PreparedServiceKey): Promise<void> {
    if (!(prepared instanceof PgServiceKey) || prepared.storeId !== this.storeId) throw new Error('This service key was prepared for another store.');
    this.s.serviceKeys = null;
    await this.s.change('INSERT INTO service_keys (key_id, label, verifier, created_at) VALUES ($1, $2, $3, $4)', [prepared.keyId, prepared.label, prepared.verifier, prepared.createdAt]);
  }

  async revokeServiceKey(keyId: string): Promise<void> {
    this.s.serviceKeys = null;
    await this.s.change('DELETE FROM service_keys WHERE key_id = $1', [keyId]);
  }
}
