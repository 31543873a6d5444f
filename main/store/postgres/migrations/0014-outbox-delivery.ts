/** Delivery of notifications by SMTP: attempts, back-off and delivery time (as 0011 in the vault). */
export const sql = `
ALTER TABLE outbox ADD COLUMN delivered_at bigint;
ALTER TABLE outbox ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at bigint;
ALTER TABLE outbox ADD COLUMN last_error text;
CREATE INDEX outbox_undelivered ON outbox (delivered_at, exported_at, id);
`;
