import type { MetaRepo } from '../../repos/meta.ts';
import type { TxState } from '../tx-state.ts';

export class SqliteMeta implements MetaRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async get(key: string): Promise<string | undefined> {
    this.s.read();
    return (this.s.stmt('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  async set(key: string, value: string): Promise<void> {
    this.s.write();
    this.s.stmt('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}
