/** The first schema: everything FactorDesk stores. STRICT tables; the audit table refuses UPDATE and DELETE. */
export const sql = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;

CREATE TABLE operators (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  email TEXT,
  email_key TEXT,
  role TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
  status TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'removed')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  external_id TEXT UNIQUE,
  email TEXT NOT NULL,
  email_key TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  phone TEXT,
  organization TEXT,
  status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- One row per word of a user's folded name, so a surname prefix finds the user.
CREATE TABLE user_name_words (
  word TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (word, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX user_name_words_user ON user_name_words(user_id);

CREATE TABLE authenticators (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'revoked', 'voided', 'lapsed')),
  secret BLOB NOT NULL,
  sheet_id TEXT,
  created_at INTEGER NOT NULL,
  created_by TEXT,
  setup_deadline INTEGER,
  activated_at INTEGER,
  ended_at INTEGER,
  last_used_at INTEGER,
  last_step INTEGER
) STRICT;
CREATE INDEX authenticators_user ON authenticators(user_id, status);

CREATE TABLE sms_factors (
  user_id INTEGER PRIMARY KEY REFERENCES users(id),
  phone TEXT NOT NULL,
  verified INTEGER NOT NULL CHECK (verified IN (0, 1)),
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE backup_code_sets (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  status TEXT NOT NULL CHECK (status IN ('active', 'voided')),
  total INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  ended_at INTEGER
) STRICT;
CREATE INDEX backup_code_sets_user ON backup_code_sets(user_id, status);

CREATE TABLE backup_codes (
  id INTEGER PRIMARY KEY,
  set_id INTEGER NOT NULL REFERENCES backup_code_sets(id),
  salt BLOB NOT NULL,
  hash BLOB NOT NULL,
  used_at INTEGER
) STRICT;
CREATE INDEX backup_codes_set ON backup_codes(set_id);

CREATE TABLE one_time_codes (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  salt BLOB NOT NULL,
  hash BLOB NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'used', 'voided', 'burned')),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  ended_at INTEGER
) STRICT;
CREATE INDEX one_time_codes_user ON one_time_codes(user_id, status);

CREATE TABLE verification_state (
  user_id INTEGER PRIMARY KEY REFERENCES users(id),
  failures INTEGER NOT NULL DEFAULT 0,
  locked_at INTEGER,
  locked_until INTEGER
) STRICT;

CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  operator TEXT,
  action TEXT NOT NULL,
  user_id INTEGER,
  user_email TEXT,
  checks TEXT,
  ticket TEXT,
  reason TEXT,
  outcome TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE INDEX audit_user ON audit_events(user_id, seq);
CREATE INDEX audit_action ON audit_events(action, seq);
CREATE INDEX audit_operator ON audit_events(operator, seq);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  email TEXT NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  exported_at INTEGER
) STRICT;
CREATE INDEX outbox_pending ON outbox(exported_at, id);
`;
