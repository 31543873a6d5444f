/**
 * Delivery of notifications by SMTP (main/core/outbox-delivery.ts): when an item was delivered,
 * how many attempts were made and when the next one is due (exponential back-off), and the last
 * failure in a few words (never a password).
 */
export const sql = `
ALTER TABLE outbox ADD COLUMN delivered_at INTEGER;
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at INTEGER;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
CREATE INDEX outbox_undelivered ON outbox(delivered_at, exported_at, id);
`;
