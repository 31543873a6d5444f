/** Two-person approval requests and privileged (VIP) users (as 0012 in the vault). */
export const sql = `
CREATE TABLE approvals (
  id bigserial PRIMARY KEY,
  action text NOT NULL,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  user_email text NOT NULL,
  requester text NOT NULL,
  requester_id text NOT NULL,
  triggers text NOT NULL,
  checks text NOT NULL,
  ticket text NOT NULL,
  reason text NOT NULL,
  options text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'cooling', 'approved', 'rejected', 'done')),
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  runnable_at bigint,
  decided_by text,
  decided_at bigint,
  decision_reason text,
  run_at bigint
);
CREATE INDEX approvals_status ON approvals (status, expires_at);
CREATE INDEX approvals_requester ON approvals (requester_id, id);
CREATE TABLE privileged_users (
  user_id bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  marked_by text NOT NULL,
  marked_at bigint NOT NULL
);
`;
