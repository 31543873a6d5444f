// The dry run of a user import: the whole file read and checked by the import's own reader, each
// row judged by the import's own rules (planMerge, planSms) against the directory as it would be
// by then, and nothing written: no user, no SMS factor, no audit event, no outbox message.
import type { Session } from './session.ts';
import type { ReadTx, Store } from '../store/port.ts';
import type { UserFieldsRecord, UserRecord, SmsRecord } from '../store/records.ts';
import { requireRole } from './roles.ts';
import { mailboxKey } from './text.ts';
import { planMerge, planSms, type UserFields } from './user-writer.ts';
import { readImport, rejectionOf, type BatchDone, type ImportOptions, type ImportSource, type Pending } from './import-users.ts';
import { IMPORT_PREVIEW_REJECTED, type ImportPreview, type ImportRejection } from '../../contract/imports.ts';

export type { ImportPreview };

const OWN_ACCOUNT = 'your own user account must be changed by another admin';

/**
 * The directory as the import would leave it so far: the store as read, under the users the
 * file added or changed in earlier rows (a row may change a user an earlier row added). Users
 * the file adds get negative ids, never a store's.
 */
class DryDirectory {
  private readonly users = new Map<number, UserRecord>();
  /** Email key or external id → user id, or null where a change freed it. */
  private readonly byEmail = new Map<string, number | null>();
  private readonly byExt = new Map<string, number | null>();
  private readonly sms = new Map<number, SmsRecord>();
  private nextId = -1;

  private async find(index: Map<string, number | null>, key: string, read: (k: string) => Promise<UserRecord | null>): Promise<UserRecord | null> {
    if (index.has(key)) {
      const id = index.get(key)!;
      return id === null ? null : this.users.get(id)!;
    }
    const r = await read(key);
    // A stored user the file changed is found by its keys as changed (its old ones are freed).
    return r ? (this.users.get(r.id) ?? r) : null;
  }

  byEmailKey(tx: ReadTx, key: string): Promise<UserRecord | null> {
    return this.find(this.byEmail, key, (k) => tx.users.getByEmailKey(k));
  }

  byExternalId(tx: ReadTx, ext: string): Promise<UserRecord | null> {
    return this.find(this.byExt, ext, (k) => tx.users.getByExternalId(k));
  }

  async user(tx: ReadTx, id: number): Promise<UserRecord | null> {
    return this.users.get(id) ?? (id > 0 ? tx.users.get(id) : null);
  }

  async smsOf(tx: ReadTx, id: number): Promise<SmsRecord | null> {
    return this.sms.get(id) ?? (id > 0 ? tx.sms.get(id) : null);
  }

  add(f: UserFields, now: number): number {
    const id = this.nextId--;
    this.put({ ...f, status: f.status ?? 'active', id, createdAt: now, updatedAt: now });
    return id;
  }

  update(cur: UserRecord, next: UserFieldsRecord, now: number): void {
    if (cur.emailKey !== next.emailKey) this.byEmail.set(cur.emailKey, null);
    if (cur.externalId !== null && cur.externalId !== next.externalId) this.byExt.set(cur.externalId, null);
    this.put({ ...cur, ...next, updatedAt: now });
  }

  setSms(id: number, sms: SmsRecord): void {
    this.sms.set(id, sms);
  }

  private put(u: UserRecord): void {
    this.users.set(u.id, u);
    this.byEmail.set(u.emailKey, u.id);
    if (u.externalId !== null) this.byExt.set(u.externalId, u.id);
  }
}

/**
 * Judges one batch as the import's writeBatch would, in a read transaction, recording its
 * effects only in `dir`.
 */
async function planBatch(store: Store, session: Session, dir: DryDirectory, batch: Pending[]): Promise<BatchDone> {
  return store.read(async (tx) => {
    const done: BatchDone = { inserted: 0, updated: 0, unchanged: 0, rejected: [], flagged: [] };
    const now = store.clock.now();
    for (const { line, fields, sms } of batch) {
      if (sms && session.emailKey !== null && mailboxKey(fields.email) === session.emailKey) {
        done.rejected.push({ line, reason: OWN_ACCOUNT, code: 'own-account' });
        continue;
      }
      const byExt = fields.externalId !== null ? await dir.byExternalId(tx, fields.externalId) : null;
      const byEmail = await dir.byEmailKey(tx, fields.emailKey);
      let id: number;
      let kind: 'inserted' | 'updated' | 'unchanged';
      // The import's insert succeeds exactly when neither key belongs to a user.
      if (!byExt && !byEmail) {
        id = dir.add(fields, now);
        kind = 'inserted';
      } else {
        const plan = planMerge(fields, byExt, byEmail, session);
        if (plan.kind === 'rejected') {
          done.rejected.push(rejectionOf(line, plan, fields.email));
          continue;
        }
        id = plan.cur.id;
        if (plan.kind === 'update') dir.update(plan.cur, plan.next, now);
        kind = plan.kind === 'update' ? 'updated' : 'unchanged';
      }
      let smsChanged = false;
      if (sms) {
        const s = planSms(await dir.smsOf(tx, id), await dir.user(tx, id), sms, session);
        if (s === 'own-account') {
          done.rejected.push({ line, reason: OWN_ACCOUNT, code: 'own-account' });
          continue;
        }
        if (s) {
          dir.setSms(id, { phone: sms.phone, purpose: sms.purpose, verified: s.verified });
          smsChanged = true;
        }
      }
      if (kind === 'inserted') done.inserted++;
      else if (kind === 'unchanged' && !smsChanged) done.unchanged++;
      else done.updated++;
    }
    return done;
  });
}

/**
 * A dry run of `importUsers` (admin): reads and checks the whole file exactly as the import
 * would, and answers how many rows would add a user, change one, leave one unchanged or be
 * rejected (the first rejected rows with their codes), writing nothing. A file the import
 * refuses as a whole (a bad header, not CSV) is refused here the same way.
 */
export async function previewImport(store: Store, session: Session, source: ImportSource, opts: ImportOptions = {}): Promise<ImportPreview> {
  requireRole(session, 'users:import');
  const dir = new DryDirectory();
  const r = await readImport(store, session, source, opts, { dry: true, apply: (batch) => planBatch(store, session, dir, batch) });
  const rejected: ImportRejection[] = r.rejected.slice(0, IMPORT_PREVIEW_REJECTED);
  return {
    rows: r.rows,
    new: r.inserted,
    changed: r.updated,
    unchanged: r.unchanged,
    rejectedCount: r.rejected.length,
    rejected,
    encoding: r.encoding,
    encodingGuessed: r.encodingGuessed,
    cancelled: r.cancelled,
    stopped: r.stopped ? { line: r.stopped.line, reason: r.stopped.reason, kind: 'read' } : null,
  };
}
