import type { RadiusClientRecord, RadiusClientsRepo } from '../../repos/radius-clients.ts';
import type { TxState } from '../tx-state.ts';

interface Row {
  id: string;
  label: string;
  address: string;
  sealed_secret: string;
  created_at: number;
  removed_at: number | null;
}

const COLUMNS = 'id, label, address, sealed_secret, created_at, removed_at';
const record = (r: Row): RadiusClientRecord => ({ id: r.id, label: r.label, address: r.address, sealedSecret: r.sealed_secret, createdAt: r.created_at, removedAt: r.removed_at });

/** The RADIUS clients of a vault folder that runs behind `factordesk serve` (as PgRadiusClients). */
export class SqliteRadiusClients implements RadiusClientsRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async list(): Promise<RadiusClientRecord[]> {
    this.s.read();
    return (this.s.stmt(`SELECT ${COLUMNS} FROM radius_clients WHERE removed_at IS NULL ORDER BY created_at, id`).all() as Row[]).map(record);
  }

  async get(id: string): Promise<RadiusClientRecord | null> {
    this.s.read();
    const r = this.s.stmt(`SELECT ${COLUMNS} FROM radius_clients WHERE id = ?`).get(id) as Row | undefined;
    return r ? record(r) : null;
  }

  async byAddress(address: string): Promise<RadiusClientRecord | null> {
    this.s.read();
    const r = this.s.stmt(`SELECT ${COLUMNS} FROM radius_clients WHERE address = ? AND removed_at IS NULL`).get(address) as Row | undefined;
    return r ? record(r) : null;
  }

  async insert(x: RadiusClientRecord): Promise<void> {
    this.s.write();
    this.s.stmt(`INSERT INTO radius_clients (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`).run(x.id, x.label, x.address, x.sealedSecret, x.createdAt, x.removedAt);
  }

  async remove(id: string, at: number): Promise<boolean> {
    this.s.write();
    return this.s.stmt('UPDATE radius_clients SET removed_at = ? WHERE id = ? AND removed_at IS NULL').run(at, id).changes === 1;
  }
}
