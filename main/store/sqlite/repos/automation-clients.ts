import type { AutomationClientRecord, AutomationClientsRepo } from '../../repos/automation-clients.ts';
import { AUTOMATION_CLIENT_COLUMNS, toAutomationClientRecord, type AutomationClientRow } from '../../automation-client-rows.ts';
import type { TxState } from '../tx-state.ts';

type Row = AutomationClientRow;
const COLUMNS = AUTOMATION_CLIENT_COLUMNS;
const record = toAutomationClientRecord;

/** The automation clients of a vault folder that runs behind `factordesk serve` (as PgAutomationClients). */
export class SqliteAutomationClients implements AutomationClientsRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async list(): Promise<AutomationClientRecord[]> {
    this.s.read();
    return (this.s.stmt(`SELECT ${COLUMNS} FROM automation_clients WHERE revoked_at IS NULL ORDER BY created_at, id`).all() as Row[]).map(record);
  }

  async get(id: string): Promise<AutomationClientRecord | null> {
    this.s.read();
    const r = this.s.stmt(`SELECT ${COLUMNS} FROM automation_clients WHERE id = ?`).get(id) as Row | undefined;
    return r ? record(r) : null;
  }

  async insert(x: AutomationClientRecord): Promise<void> {
    this.s.write();
    this.s.stmt(`INSERT INTO automation_clients (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(x.id, x.label, x.scopes.join(','), x.verifier, x.createdAt, x.createdBy, x.lastUsedAt, x.revokedAt);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    this.s.write();
    return this.s.stmt('UPDATE automation_clients SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes === 1;
  }

  async touch(id: string, at: number): Promise<void> {
    this.s.write();
    this.s.stmt('UPDATE automation_clients SET last_used_at = ? WHERE id = ? AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at < ?)').run(at, id, at);
  }
}
