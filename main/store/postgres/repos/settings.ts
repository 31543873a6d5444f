import type { SettingsRepo } from '../../repos/settings.ts';
import type { PgTxState } from '../tx-state.ts';

/** Every setting: a fixed text, so a shared commit can send it with its BEGIN. */
export const ALL_SETTINGS = 'SELECT key, value FROM settings';

export class PgSettings implements SettingsRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  async all(): Promise<Array<{ key: string; value: string }>> {
    const rows = (this.s.settingsRows ??= await this.s.rows<{ key: string; value: string }>(ALL_SETTINGS));
    return rows.map((r) => ({ ...r }));
  }

  async put(key: string, value: string, now: number): Promise<void> {
    this.s.settingsRows = null;
    await this.s.change('INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at', [key, value, now]);
  }
}
