/**
 * The RADIUS clients of a server (NAS, VPN gateways): each known by the source address of its
 * requests, with its shared secret sealed by the service layer under the server's data key
 * (bound to the row's id). A removed client keeps its row (removedAt) for the audit's sake.
 */
export interface RadiusClientRecord {
  id: string;
  label: string;
  address: string;
  /** The sealed shared secret as the service layer wrote it (JSON of an AES-GCM box). */
  sealedSecret: string;
  createdAt: number;
  removedAt: number | null;
}

export interface RadiusClientsRead {
  /** The clients not removed, oldest first. */
  list(): Promise<RadiusClientRecord[]>;
  get(id: string): Promise<RadiusClientRecord | null>;
  /** The client (not removed) at this address, or null. */
  byAddress(address: string): Promise<RadiusClientRecord | null>;
}

export interface RadiusClientsRepo extends RadiusClientsRead {
  insert(r: RadiusClientRecord): Promise<void>;
  /** Marks a client removed; false when it was removed already or never existed. */
  remove(id: string, at: number): Promise<boolean>;
}
