/**
 * Self-enrollment (server mode): one enrollment code per user (kept as a salted HMAC only, its
 * own kind: never read by verification) and the browser sessions of the enrollment page (by the
 * hash of their cookie token, bound to one pending enrollment).
 */
export const sql = `
CREATE TABLE enrollment_codes (
  user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  salt bytea NOT NULL,
  verifier bytea NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  created_by text NOT NULL,
  used_at bigint
);
CREATE TABLE self_enrollment_sessions (
  token_hash text COLLATE "C" PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  enrollment_id bigint NOT NULL,
  csrf_hash text NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  done_at bigint
);
`;
