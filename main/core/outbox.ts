import { fail } from './errors.ts';
import type { Session } from './session.ts';
import type { Store } from '../store/port.ts';
import type { OutboxRecord } from '../store/records.ts';
import { requireRole } from './roles.ts';
import { csvRow } from './csv-safe.ts';
import { auditAs } from './actions.ts';
import { saveThenRecord, type OutputSink } from './sink.ts';

/** A queued notification to a user. */
export type OutboxItem = OutboxRecord;

/** Lists notifications, newest first (admin). */
export async function listOutbox(store: Store, session: Session, opts: { pendingOnly?: boolean; limit?: number } = {}): Promise<OutboxItem[]> {
  requireRole(session, 'outbox:list');
  const limit = Math.min(Math.max(Math.trunc(Number(opts.limit ?? 100)) || 100, 1), 10_000);
  return store.read((tx) => tx.outbox.list({ pendingOnly: !!opts.pendingOnly, limit }));
}

const CSV_HEADER = ['id', 'user_id', 'email', 'kind', 'subject', 'body', 'created_at'];

function render(items: OutboxItem[], format: 'csv' | 'json', now: number): string {
  if (format === 'csv') {
    const lines = [csvRow(CSV_HEADER), ...items.map((i) => csvRow([i.id, i.userId, i.email, i.kind, i.subject, i.body, new Date(i.createdAt).toISOString()]))];
    return lines.join('\r\n') + '\r\n';
  }
  return JSON.stringify(
    { format: 'factordesk.outbox', version: 1, exportedAt: new Date(now).toISOString(), items: items.map((i) => ({ ...i, createdAt: new Date(i.createdAt).toISOString(), exportedAt: new Date(now).toISOString() })) },
    null,
    2,
  );
}

/**
 * Exports every notification not yet exported (oldest first) as CSV or JSON to `sink`, then
 * marks them exported in one transaction with the audit event, so each is handed over exactly
 * once: a sink that cannot be written leaves them queued, and when another export took one of
 * them in between (compare-and-set) the output is taken back and nothing is marked (CONFLICT).
 * CSV cells are neutralised against formula injection.
 */
export async function exportOutbox(store: Store, session: Session, format: 'csv' | 'json', sink: OutputSink): Promise<{ content: string; count: number }> {
  requireRole(session, 'outbox:export');
  if (format !== 'csv' && format !== 'json') fail('BAD_REQUEST', 'Choose csv or json as the export format.', { field: 'format' });
  const items = await store.read((tx) => tx.outbox.pending());
  const now = store.clock.now();
  const content = render(items, format, now);
  await saveThenRecord(sink, content, () =>
    store.write(async (tx) => {
      for (const i of items) {
        if (!(await tx.outbox.markExported(i.id, now))) fail('CONFLICT', 'Another export took some of these notifications at the same time. Export again.');
      }
      await auditAs(tx, session, { action: 'outbox.export', outcome: 'ok', details: { format, count: items.length, firstId: items[0]?.id ?? null, lastId: items.at(-1)?.id ?? null } }, now);
    }),
  );
  return { content, count: items.length };
}
