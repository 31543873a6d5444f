/**
 * A failure counter and lock for addresses that belong to no user, keyed by the folded email:
 * guessing codes against an address that does not exist is throttled like guessing against a
 * real user, so the answers (rejected, later locked) do not tell the two apart.
 */
export const sql = `
CREATE TABLE verification_unknown (
  email_key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL DEFAULT 0,
  locked_at INTEGER,
  locked_until INTEGER
) STRICT, WITHOUT ROWID;
`;
