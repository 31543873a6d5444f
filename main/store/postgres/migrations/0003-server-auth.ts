/**
 * What `factordesk serve` keeps to let operators in: second factors (sealed by the service
 * layer), sessions by token hash, and the sign-in throttle per typed name (hashed), so that
 * every server instance on this database sees the same sessions, locks and failures.
 */
export const sql = `
CREATE TABLE operator_second_factors (
  operator_id text PRIMARY KEY REFERENCES operators(id),
  sealed text NOT NULL,
  last_step bigint,
  created_at bigint NOT NULL
);

CREATE TABLE server_sessions (
  token_hash text COLLATE "C" PRIMARY KEY,
  operator_id text NOT NULL REFERENCES operators(id),
  role text NOT NULL CHECK (role IN ('agent', 'admin')),
  created_at bigint NOT NULL,
  last_seen_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  revoked_at bigint
);
CREATE INDEX server_sessions_operator ON server_sessions (operator_id) WHERE revoked_at IS NULL;

CREATE TABLE server_signin_state (
  name_key text COLLATE "C" PRIMARY KEY,
  failures integer NOT NULL,
  last_failure_at bigint,
  locked_until bigint
);
`;
