import type { MetaRepo } from '../../repos/meta.ts';
import type { PgTxState } from '../tx-state.ts';

export class PgMeta implements MetaRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.s.row<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]))?.value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.s.change('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }
}
