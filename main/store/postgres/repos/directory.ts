import type { DirectoryPage, DirectoryRepo } from '../../repos/directory.ts';
import type { PgTxState } from '../tx-state.ts';
import { searchDirectory } from '../user-search.ts';

/** The directory type-ahead over the users and name-word indexes (user-search.ts). */
export class PgDirectory implements DirectoryRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  async search(prefix: string, page: { limit: number; offset: number }): Promise<DirectoryPage> {
    return searchDirectory(this.s, prefix, page.limit, page.offset);
  }
}
