/** Stored settings as JSON text per key; validation and defaults are the settings service's. */
export interface SettingsRead {
  /** Every stored key and its JSON text. */
  all(): Promise<Array<{ key: string; value: string }>>;
}

export interface SettingsRepo extends SettingsRead {
  /** Stores one key's JSON text. */
  put(key: string, value: string, now: number): Promise<void>;
}
