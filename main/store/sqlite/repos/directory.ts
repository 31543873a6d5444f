import type { DirectoryPage, DirectoryRepo } from '../../repos/directory.ts';
import type { TxState } from '../tx-state.ts';
import { searchDirectory } from '../user-search.ts';

/** The directory type-ahead over the vault's indexes (user-search.ts). */
export class SqliteDirectory implements DirectoryRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async search(prefix: string, page: { limit: number; offset: number }): Promise<DirectoryPage> {
    return searchDirectory(this.s.read(), prefix, page.limit, page.offset);
  }
}
