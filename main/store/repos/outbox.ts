import type { OutboxRecord } from '../records.ts';

/** The durable outbox of user notifications. */
export interface OutboxRead {
  /** Items newest first (only ones neither exported nor delivered when `pendingOnly`). */
  list(opts: { pendingOnly: boolean; limit: number }): Promise<OutboxRecord[]>;
  /** Every item neither exported nor delivered, oldest first (what an export hands over). */
  pending(): Promise<OutboxRecord[]>;
  /** Number of items neither exported nor delivered. */
  pendingCount(): Promise<number>;
  /**
   * Items neither exported nor delivered whose next attempt is due at `now` (never tried, or
   * `nextAttemptAt <= now`) and that have had fewer than `maxAttempts` attempts, oldest first.
   */
  dueForDelivery(opts: { now: number; limit: number; maxAttempts: number }): Promise<OutboxRecord[]>;
}

export interface OutboxRepo extends OutboxRead {
  /** Queues one notification; returns its id. */
  queue(n: { userId: number; email: string; kind: string; subject: string; body: string; createdAt: number }): Promise<number>;
  /** Marks an item exported (compare-and-set: only once, and never one that was delivered). */
  markExported(id: number, now: number): Promise<boolean>;
  /**
   * Claims an item for one delivery attempt: counts the attempt and holds it until `leaseUntil`
   * (so another worker leaves it alone while it is sent). Compare-and-set on `attempts` (the
   * count read with it): false when another worker claimed it first, or it was exported or delivered.
   */
  claimDelivery(id: number, attempts: number, leaseUntil: number): Promise<boolean>;
  /** Marks an item delivered (only once). */
  markDelivered(id: number, now: number): Promise<boolean>;
  /** Records a failed attempt: when the next is due, and the failure in a few words (no secret). */
  deferDelivery(id: number, nextAttemptAt: number, error: string): Promise<void>;
}
