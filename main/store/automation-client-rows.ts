import type { AutomationClientRecord } from './repos/automation-clients.ts';

/** An automation_clients row as both adapters read it (snake_case columns, scopes as comma-separated text). */
export interface AutomationClientRow {
  id: string;
  label: string;
  scopes: string;
  verifier: Buffer;
  created_at: number;
  created_by: string;
  last_used_at: number | null;
  revoked_at: number | null;
}

export const AUTOMATION_CLIENT_COLUMNS = 'id, label, scopes, verifier, created_at, created_by, last_used_at, revoked_at';

export const toAutomationClientRecord = (r: AutomationClientRow): AutomationClientRecord => ({
  id: r.id,
  label: r.label,
  scopes: r.scopes === '' ? [] : r.scopes.split(','),
  verifier: r.verifier,
  createdAt: r.created_at,
  createdBy: r.created_by,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});
