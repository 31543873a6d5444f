/** Audit chain heads signed by the server's Ed25519 key (server mode), one row per signing. */
export const sql = `
CREATE TABLE audit_signed_heads (
  count bigint NOT NULL,
  hash text NOT NULL,
  at bigint NOT NULL,
  sig text NOT NULL,
  PRIMARY KEY (count, at)
);
`;
