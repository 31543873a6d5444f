import type { OutboxRecord } from '../records.ts';

/** The durable outbox of user notifications. */
export interface OutboxRead {
  /** Items newest first (only unexported ones when `pendingOnly`). */
  list(opts: { pendingOnly: boolean; limit: number }): Promise<OutboxRecord[]>;
  /** Every unexported item, oldest first. */
  pending(): Promise<OutboxRecord[]>;
  /** Number of unexported items. */
  pendingCount(): Promise<number>;
}

export interface OutboxRepo extends OutboxRead {
  /** Queues one notification; returns its id. */
  queue(n: { userId: number; email: string; kind: string; subject: string; body: string; createdAt: number }): Promise<number>;
  /** Marks an item exported (compare-and-set: only once). */
  markExported(id: number, now: number): Promise<boolean>;
}
