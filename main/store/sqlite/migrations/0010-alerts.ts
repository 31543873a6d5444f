/** Alerts for admins, raised in the transaction of their audit event (see main/core/alert-rules.ts). */
export const sql = `
CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  at INTEGER NOT NULL,
  audit_seq INTEGER NOT NULL,
  action TEXT NOT NULL,
  outcome TEXT NOT NULL,
  operator TEXT,
  user_id INTEGER,
  user_email TEXT,
  acknowledged_at INTEGER,
  acknowledged_by TEXT
) STRICT;
CREATE INDEX alerts_open ON alerts(acknowledged_at, id);
`;
