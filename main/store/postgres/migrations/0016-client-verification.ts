/**
 * The verification throttle is counted per user (or unknown address) and per calling client
 * (as the vault folder's migration 0013): the client joins each table's key. The rows from
 * before get the client '*' (LEGACY_CLIENT), which every client without a state of its own
 * starts from, so a lock in force before the upgrade stays in force.
 */
export const sql = `
ALTER TABLE verification_state ADD COLUMN client text COLLATE "C" NOT NULL DEFAULT '*';
ALTER TABLE verification_state ALTER COLUMN client DROP DEFAULT;
ALTER TABLE verification_state DROP CONSTRAINT verification_state_pkey;
ALTER TABLE verification_state ADD PRIMARY KEY (user_id, client);

ALTER TABLE verification_unknown ADD COLUMN client text COLLATE "C" NOT NULL DEFAULT '*';
ALTER TABLE verification_unknown ALTER COLUMN client DROP DEFAULT;
ALTER TABLE verification_unknown DROP CONSTRAINT verification_unknown_pkey;
ALTER TABLE verification_unknown ADD PRIMARY KEY (email_key, client);
`;
