/**
 * A failure counter and lock for addresses that belong to no user, keyed by the folded email
 * (as in the vault folder's migration 0003): guessing at an address that does not exist is
 * throttled like guessing at a real user, so the answers do not tell the two apart.
 */
export const sql = `
CREATE TABLE verification_unknown (
  email_key TEXT COLLATE "C" PRIMARY KEY,
  failures INTEGER NOT NULL DEFAULT 0,
  locked_at BIGINT,
  locked_until BIGINT
);
`;
