/** Alerts for admins, raised in the transaction of their audit event (as 0010 in the vault). */
export const sql = `
CREATE TABLE alerts (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  at bigint NOT NULL,
  audit_seq bigint NOT NULL,
  action text NOT NULL,
  outcome text NOT NULL,
  operator text,
  user_id bigint,
  user_email text,
  acknowledged_at bigint,
  acknowledged_by text
);
CREATE INDEX alerts_open ON alerts (acknowledged_at, id);
`;
