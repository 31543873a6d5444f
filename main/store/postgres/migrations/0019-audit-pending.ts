/**
 * Audit events of routine verifications, written with their transaction but not yet in the
 * chain: the store appends them to the chain (in id order) just after, so verifications do not
 * queue on the chain head. `event` is the event's content as JSON (never a secret, as in the chain).
 */
export const sql = `
CREATE TABLE audit_pending (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at bigint NOT NULL,
  event text NOT NULL
);
`;
