/**
 * RADIUS clients of a server: label, the source address its requests come from (one client per
 * address while it is not removed), and its shared secret sealed under the server's data key.
 */
export const sql = `
CREATE TABLE radius_clients (
  id text COLLATE "C" PRIMARY KEY,
  label text NOT NULL,
  address text COLLATE "C" NOT NULL,
  sealed_secret text NOT NULL,
  created_at bigint NOT NULL,
  removed_at bigint
);
CREATE UNIQUE INDEX radius_clients_address ON radius_clients (address) WHERE removed_at IS NULL;
`;
