/**
 * From this version the authenticators' secret column holds boxes the service layer sealed
 * under the server's data key (main/core/value-cipher.ts), not seeds. SQL cannot seal (the key
 * is the server's, not the database's), so this marks a store whose earlier secrets may still be
 * in clear; the first start with the checked server key seals them and drops the mark
 * (PostgresStore.sealLegacySecrets). A build before this one refuses the new schema version
 * instead of taking boxes for seeds.
 */
export const sql = `
INSERT INTO meta (key, value) VALUES ('authenticators.clear-secrets', 'seal at the next keyed start') ON CONFLICT (key) DO NOTHING;
`;
