import { fail } from './errors.ts';
import type { Session } from './session.ts';
import type { Vault } from '../store/sqlite/vault.ts';
import { requireRole } from './roles.ts';
import { csvRow } from './csv-safe.ts';

/** A queued notification to a user. */
export interface OutboxItem {
  id: number;
  userId: number;
  email: string;
  kind: string;
  subject: string;
  body: string;
  createdAt: number;
  exportedAt: number | null;
}

interface Row {
  id: number;
  user_id: number;
  email: string;
  kind: string;
  subject: string;
  body: string;
  created_at: number;
  exported_at: number | null;
}

function toItem(r: Row): OutboxItem {
  return { id: r.id, userId: r.user_id, email: r.email, kind: r.kind, subject: r.subject, body: r.body, createdAt: r.created_at, exportedAt: r.exported_at };
}

/** Lists notifications, newest first (admin). */
export function listOutbox(vault: Vault, session: Session, opts: { pendingOnly?: boolean; limit?: number } = {}): OutboxItem[] {
  requireRole(session, 'outbox:list');
  const limit = Math.min(Math.max(Math.trunc(Number(opts.limit ?? 100)) || 100, 1), 10_000);
  const where = opts.pendingOnly ? 'WHERE exported_at IS NULL' : '';
  return (vault.db.prepare(`SELECT * FROM outbox ${where} ORDER BY id DESC LIMIT ?`).all(limit) as Row[]).map(toItem);
}

const CSV_HEADER = ['id', 'user_id', 'email', 'kind', 'subject', 'body', 'created_at'];

/**
 * Exports every notification not yet exported (oldest first) as CSV or JSON and marks them
 * exported in the same transaction as the audit event, so each is handed over exactly once.
 * CSV cells are neutralised against formula injection.
 */
export function exportOutbox(vault: Vault, session: Session, format: 'csv' | 'json'): { content: string; count: number } {
  requireRole(session, 'outbox:export');
  if (format !== 'csv' && format !== 'json') fail('BAD_REQUEST', 'Choose csv or json as the export format.', { field: 'format' });
  return vault.write(() => {
    const now = vault.now();
    const rows = vault.db.prepare('SELECT * FROM outbox WHERE exported_at IS NULL ORDER BY id').all() as Row[];
    const items = rows.map(toItem);
    let content: string;
    if (format === 'csv') {
      const lines = [csvRow(CSV_HEADER), ...items.map((i) => csvRow([i.id, i.userId, i.email, i.kind, i.subject, i.body, new Date(i.createdAt).toISOString()]))];
      content = lines.join('\r\n') + '\r\n';
    } else {
      content = JSON.stringify(
        { format: 'factordesk.outbox', version: 1, exportedAt: new Date(now).toISOString(), items: items.map((i) => ({ ...i, createdAt: new Date(i.createdAt).toISOString(), exportedAt: new Date(now).toISOString() })) },
        null,
        2,
      );
    }
    const mark = vault.db.prepare('UPDATE outbox SET exported_at = ? WHERE id = ? AND exported_at IS NULL');
    for (const i of items) mark.run(now, i.id);
    vault.audit({
      action: 'outbox.export',
      operator: session.name,
      outcome: 'ok',
      details: { format, count: items.length, firstId: items[0]?.id ?? null, lastId: items.at(-1)?.id ?? null },
    });
    return { content, count: items.length };
  });
}
