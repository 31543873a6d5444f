import type { Session } from './session.ts';
import type { Store } from '../store/port.ts';
import type { UserSummaryRecord } from '../store/records.ts';
import { MAX_LIMIT, MAX_QUERY_LENGTH, MAX_WINDOW } from '../store/repos/directory.ts';
import { foldKey } from './text.ts';
import { requireRole } from './roles.ts';

export { MAX_QUERY_LENGTH, MAX_LIMIT, MAX_WINDOW };
export const DEFAULT_LIMIT = 20;

function clampInt(v: unknown, dflt: number, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return dflt;
  return Math.min(Math.max(Math.floor(v), min), max);
}

/**
 * Type-ahead over users (agents and admins), ranked by the store (DirectoryRead.search): the
 * full email or its local part first, then whole-word name matches, then other prefix matches,
 * active users before disabled ones in each, then by name; no user twice. Says how many users
 * match in all (exact up to COUNT_CAP). Folded, literal matching. An over-long query, or a page
 * beyond the window, is answered with an empty list, never an error: the work per keystroke
 * stays bounded and the UI calm.
 */
export async function searchUsers(
  store: Store,
  session: Session,
  query: string,
  opts: { limit?: number; offset?: number } = {},
): Promise<{ items: UserSummaryRecord[]; hasMore: boolean; total: number; totalCapped: boolean }> {
  requireRole(session, 'users:find');
  const empty = { items: [], hasMore: false, total: 0, totalCapped: false };
  const limit = clampInt(opts.limit, DEFAULT_LIMIT, 1, MAX_LIMIT);
  const offset = clampInt(opts.offset, 0, 0, Number.MAX_SAFE_INTEGER);
  if (typeof query !== 'string' || query.length > MAX_QUERY_LENGTH || offset + limit > MAX_WINDOW) return empty;
  const q = foldKey(query);
  if (q.length === 0) return empty;
  // A page read across a concurrent change is as good as one read a moment before or after it.
  return store.read((tx) => tx.directory.search(q, { limit, offset }), { perStatement: true });
}
