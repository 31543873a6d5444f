import type { RadiusClientRecord, RadiusClientsRepo } from '../../repos/radius-clients.ts';
import type { PgTxState } from '../tx-state.ts';

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

export class PgRadiusClients implements RadiusClientsRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  async list(): Promise<RadiusClientRecord[]> {
    return (await this.s.rows<Row>(`SELECT ${COLUMNS} FROM radius_clients WHERE removed_at IS NULL ORDER BY created_at, id`)).map(record);
  }

  async get(id: string): Promise<RadiusClientRecord | null> {
    const r = await this.s.row<Row>(`SELECT ${COLUMNS} FROM radius_clients WHERE id = $1`, [id]);
    return r ? record(r) : null;
  }

  async byAddress(address: string): Promise<RadiusClientRecord | null> {
    const r = await this.s.row<Row>(`SELECT ${COLUMNS} FROM radius_clients WHERE address = $1 AND removed_at IS NULL`, [address]);
    return r ? record(r) : null;
  }

  async insert(x: RadiusClientRecord): Promise<void> {
    await this.s.change('INSERT INTO radius_clients (id, label, address, sealed_secret, created_at, removed_at) VALUES ($1, $2, $3, $4, $5, $6)', [x.id, x.label, x.address, x.sealedSecret, x.createdAt, x.removedAt]);
  }

  async remove(id: string, at: number): Promise<boolean> {
    return (await this.s.change('UPDATE radius_clients SET removed_at = $2 WHERE id = $1 AND removed_at IS NULL', [id, at])) === 1;
  }
}
