import type { AutomationClientRecord, AutomationClientsRepo } from '../../repos/automation-clients.ts';
import { AUTOMATION_CLIENT_COLUMNS, toAutomationClientRecord, type AutomationClientRow } from '../../automation-client-rows.ts';
import type { PgTxState } from '../tx-state.ts';

type Row = AutomationClientRow;
const COLUMNS = AUTOMATION_CLIENT_COLUMNS;
const record = toAutomationClientRecord;

export class PgAutomationClients implements AutomationClientsRepo {
  private readonly s: PgTxState;
  constructor(s: PgTxState) {
    this.s = s;
  }

  async list(): Promise<AutomationClientRecord[]> {
    return (await this.s.rows<Row>(`SELECT ${COLUMNS} FROM automation_clients WHERE revoked_at IS NULL ORDER BY created_at, id`)).map(record);
  }

  async get(id: string): Promise<AutomationClientRecord | null> {
    const r = await this.s.row<Row>(`SELECT ${COLUMNS} FROM automation_clients WHERE id = $1`, [id]);
    return r ? record(r) : null;
  }

  async insert(x: AutomationClientRecord): Promise<void> {
    await this.s.change(`INSERT INTO automation_clients (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [x.id, x.label, x.scopes.join(','), x.verifier, x.createdAt, x.createdBy, x.lastUsedAt, x.revokedAt]);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    return (await this.s.change('UPDATE automation_clients SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, at])) === 1;
  }

  async touch(id: string, at: number): Promise<void> {
    await this.s.change('UPDATE automation_clients SET last_used_at = $2 WHERE id = $1 AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at < $2)', [id, at]);
  }
}
