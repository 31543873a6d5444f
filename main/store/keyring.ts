/**
 * Operator and service credentials, as far as services may know them. In the vault folder a
 * credential is a key slot that unwraps the vault key (and, once the folder is set up for a
 * server, also a password verifier the server signs in with); in PostgreSQL it is a password
 * verifier. Either way the slow part (the KDF) runs before a transaction, through
 * `store.keyring`, and the result is installed inside the transaction, through
 * `tx.credentials`, so it commits (or not) with the row change and its audit event.
 */

/** An operator credential made ahead of a transaction; opaque to services. */
export interface PreparedCredential {
  readonly kind: 'operator-credential';
  readonly operatorId: string;
}

/** A new service key made ahead of a transaction; opaque apart from its id. */
export interface PreparedServiceKey {
  readonly kind: 'service-key';
  readonly keyId: string;
}

/** A service key as listed for admins (no key material). */
export interface ServiceKeyInfo {
  keyId: string;
  label: string;
  createdAt: string;
}

/** The slow credential work of a store, done before its write transaction. */
export interface Keyring {
  /** A fresh credential for `operator` protected by `password` (runs the KDF). */
  prepareOperatorCredential(operator: { id: string; nameKey: string }, password: string): Promise<PreparedCredential>;
  /**
   * The operator's credential re-protected under `newPassword`, after checking `oldPassword`
   * against the current one; null when the current password is wrong (or there is none).
   */
  prepareOwnPasswordChange(operatorId: string, oldPassword: string, newPassword: string): Promise<PreparedCredential | null>;
  /** A new random service key: its file content (handed out once) and the credential to install. */
  prepareServiceKey(label: string): Promise<{ prepared: PreparedServiceKey; fileContent: string }>;
}

/** Reading credentials inside a transaction. */
export interface CredentialsRead {
  /** The service keys that can open the store. */
  listServiceKeys(): Promise<ServiceKeyInfo[]>;
}

/** Changing credentials inside a write transaction: applied with its commit, never without it. */
export interface CredentialsRepo extends CredentialsRead {
  /** Installs a prepared operator credential, replacing that operator's others (a password change keeps its key pair). */
  installOperator(prepared: PreparedCredential): Promise<void>;
  /** Removes every credential of an operator. */
  removeOperator(operatorId: string): Promise<void>;
  /** Installs a prepared service key. */
  installServiceKey(prepared: PreparedServiceKey): Promise<void>;
  /** Removes a service key (every key generation). */
  revokeServiceKey(keyId: string): Promise<void>;
}
