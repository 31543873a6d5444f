import type { AuditEvent, AuditFilter, AuditInput } from '../../../core/audit.ts';
import type { AuditCountQuery, AuditRepo } from '../../repos/audit.ts';
import type { TxState } from '../tx-state.ts';
import { appendAuditRow, auditHeadRow, countAuditRowsSince, iterateAuditRows, iterateMatchingAuditRows, latestAuditAt, listAuditRows } from '../audit-rows.ts';

export class SqliteAudit implements AuditRepo {
  private readonly s: TxState;
  constructor(s: TxState) {
    this.s = s;
  }

  async head(): Promise<{ count: number; hash: string }> {
    return auditHeadRow(this.s.read());
  }

  async list(filter: AuditFilter): Promise<AuditEvent[]> {
    return listAuditRows(this.s.read(), filter);
  }

  async *all(): AsyncIterable<AuditEvent> {
    for (const e of iterateAuditRows(this.s.read())) {
      this.s.read();
      yield e;
    }
  }

  async *matching(filter: AuditFilter): AsyncIterable<AuditEvent> {
    for (const e of iterateMatchingAuditRows(this.s.read(), filter)) {
      this.s.read();
      yield e;
    }
  }

  async latestAt(): Promise<number | null> {
    return latestAuditAt(this.s.read());
  }

  async countSince(q: AuditCountQuery): Promise<number> {
    return countAuditRowsSince(this.s.read(), q);
  }

  async append(input: AuditInput, at: number): Promise<AuditEvent> {
    const e = appendAuditRow(this.s.write(), input, at);
    this.s.audited = true;
    return e;
  }

  keepAnchor(): void {
    this.s.write();
    this.s.keepAnchor = true;
  }
}
