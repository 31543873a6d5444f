import type { SettingsRepo } from '../../repos/settings.ts';
import type { TxState } from '../tx-state.ts';

export class SqliteSettings implements SettingsRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async all(): Promise<Array<{ key: string; value: string }>> {
    this.s.read();
    return this.s.stmt('SELECT key, value FROM settings').all() as Array<{ key: string; value: string }>;
  }

  async put(key: string, value: string, now: number): Promise<void> {
    this.s.write();
    this.s
      .stmt('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
      .run(key, value, now);
  }
}
