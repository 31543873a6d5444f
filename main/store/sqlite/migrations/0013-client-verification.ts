/**
 * The verification throttle is counted per user (or unknown address) and per calling client
 * (`service:<key id>`, `radius:<client id>`, `operator:<id>`…), so one stranger's guessing
 * through one door slows that door only. The tables are rebuilt with the client in their key;
 * the rows from before get the client '*' (LEGACY_CLIENT), which every client without a state of
 * its own starts from: a lock in force before the upgrade stays in force. No table refers to
 * these two, so they are rebuilt with foreign keys on.
 */
export const sql = `
CREATE TABLE verification_state_by_client (
  user_id INTEGER NOT NULL REFERENCES users(id),
  client TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  locked_at INTEGER,
  locked_until INTEGER,
  PRIMARY KEY (user_id, client)
) STRICT, WITHOUT ROWID;
INSERT INTO verification_state_by_client (user_id, client, failures, locked_at, locked_until)
  SELECT user_id, '*', failures, locked_at, locked_until FROM verification_state;
DROP TABLE verification_state;
ALTER TABLE verification_state_by_client RENAME TO verification_state;

CREATE TABLE verification_unknown_by_client (
  email_key TEXT NOT NULL,
  client TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  locked_at INTEGER,
  locked_until INTEGER,
  PRIMARY KEY (email_key, client)
) STRICT, WITHOUT ROWID;
INSERT INTO verification_unknown_by_client (email_key, client, failures, locked_at, locked_until)
  SELECT email_key, '*', failures, locked_at, locked_until FROM verification_unknown;
DROP TABLE verification_unknown;
ALTER TABLE verification_unknown_by_client RENAME TO verification_unknown;
`;
