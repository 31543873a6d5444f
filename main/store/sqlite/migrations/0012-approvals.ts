/** Two-person approval requests (no secret in them) and the users an admin marked privileged (VIP). */
export const sql = `
CREATE TABLE approvals (
  id INTEGER PRIMARY KEY,
  action TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  user_email TEXT NOT NULL,
  requester TEXT NOT NULL,
  requester_id TEXT NOT NULL,
  triggers TEXT NOT NULL,
  checks TEXT NOT NULL,
  ticket TEXT NOT NULL,
  reason TEXT NOT NULL,
  options TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'cooling', 'approved', 'rejected', 'done')),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  runnable_at INTEGER,
  decided_by TEXT,
  decided_at INTEGER,
  decision_reason TEXT,
  run_at INTEGER
) STRICT;
CREATE INDEX approvals_status ON approvals(status, expires_at);
CREATE INDEX approvals_requester ON approvals(requester_id, id);
CREATE TABLE privileged_users (
  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  marked_by TEXT NOT NULL,
  marked_at INTEGER NOT NULL
) STRICT;
`;
