/**
 * The automation clients of a server: unattended scripts (the nightly import) known by a random
 * id, holding a secret the store keeps only as a keyed verifier that also covers the client's
 * label and scopes, so a scope list edited in the database alone stops the client working
 * instead of widening it. A revoked client keeps its row (revokedAt) for the audit's sake.
 */
export interface AutomationClientRecord {
  id: string;
  label: string;
  /** The named scopes it may use, sorted (see AUTOMATION_SCOPES). */
  scopes: string[];
  /** HMAC-SHA256 under the store's verifier key over id, label, scopes and secret. */
  verifier: Buffer;
  createdAt: number;
  /** The admin who created it (their sign-in name). */
  createdBy: string;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface AutomationClientsRead {
  /** The clients not revoked, oldest first. */
  list(): Promise<AutomationClientRecord[]>;
  /** A client by id, revoked or not; null when unknown. */
  get(id: string): Promise<AutomationClientRecord | null>;
}

export interface AutomationClientsRepo extends AutomationClientsRead {
  insert(r: AutomationClientRecord): Promise<void>;
  /** Marks a client revoked; false when it was revoked already or never existed. */
  revoke(id: string, at: number): Promise<boolean>;
  /** Moves a live client's last use forward (never back). */
  touch(id: string, at: number): Promise<void>;
}
