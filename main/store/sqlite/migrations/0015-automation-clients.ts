/**
 * Automation clients of a server (unattended scripts such as the nightly import): a label, the
 * named scopes they may use, and a keyed verifier of their secret that also covers label and
 * scopes. A revoked client keeps its row for the audit (as the PostgreSQL store's 0017).
 */
export const sql = `
CREATE TABLE automation_clients (
  id TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  scopes TEXT NOT NULL,
  verifier BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
) STRICT;
`;
