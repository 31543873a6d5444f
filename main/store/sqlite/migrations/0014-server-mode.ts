/**
 * The vault folder as a server's store (`factordesk serve --store FOLDER`): what the PostgreSQL
 * store got in its migrations 0001 (password verifiers, service clients), 0003 (second factors,
 * sessions, sign-in throttle), 0004 (signed chain heads), 0006 (RADIUS clients) and 0009
 * (self-enrollment), in one step. A solo vault keeps these tables empty. Password verifiers
 * are written only in a vault set up for a server (see main/store/sqlite/keyring.ts); service
 * clients are kept as the hash of their secret and unwrap nothing, unlike the old service slots.
 */
export const sql = `
CREATE TABLE operator_password_verifiers (
  operator_id TEXT PRIMARY KEY REFERENCES operators(id),
  salt BLOB NOT NULL,
  kdf TEXT NOT NULL,
  verifier BLOB NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE service_clients (
  key_id TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  verifier BLOB NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE operator_second_factors (
  operator_id TEXT PRIMARY KEY REFERENCES operators(id),
  sealed TEXT NOT NULL,
  last_step INTEGER,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE server_sessions (
  token_hash TEXT PRIMARY KEY,
  operator_id TEXT NOT NULL REFERENCES operators(id),
  role TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX server_sessions_operator ON server_sessions (operator_id) WHERE revoked_at IS NULL;

CREATE TABLE server_signin_state (
  name_key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_failure_at INTEGER,
  locked_until INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE audit_signed_heads (
  count INTEGER NOT NULL,
  hash TEXT NOT NULL,
  at INTEGER NOT NULL,
  sig TEXT NOT NULL,
  PRIMARY KEY (count, at)
) STRICT, WITHOUT ROWID;

CREATE TABLE radius_clients (
  id TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  address TEXT NOT NULL,
  sealed_secret TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  removed_at INTEGER
) STRICT;
CREATE UNIQUE INDEX radius_clients_address ON radius_clients (address) WHERE removed_at IS NULL;

CREATE TABLE enrollment_codes (
  user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  salt BLOB NOT NULL,
  verifier BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  used_at INTEGER
) STRICT;

CREATE TABLE self_enrollment_sessions (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  enrollment_id INTEGER NOT NULL,
  csrf_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  done_at INTEGER
) STRICT, WITHOUT ROWID;
`;
