/**
 * Automation clients of a server (unattended scripts such as the nightly import): a label, the
 * named scopes they may use, and a keyed verifier of their secret that also covers label and
 * scopes. A revoked client keeps its row for the audit (as the vault folder's 0015).
 */
export const sql = `
CREATE TABLE automation_clients (
  id text COLLATE "C" PRIMARY KEY,
  label text NOT NULL,
  scopes text NOT NULL,
  verifier bytea NOT NULL,
  created_at bigint NOT NULL,
  created_by text NOT NULL,
  last_used_at bigint,
  revoked_at bigint
);
`;
