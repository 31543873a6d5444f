import type { AlertKind, AlertView } from '../../../contract/alerts.ts';

/** A stored alert: the view plus nothing secret (it names its audit event, never a code). */
export type AlertRecord = AlertView;

/** What a new alert row holds; the id is the store's. */
export type NewAlert = Omit<AlertRecord, 'id' | 'acknowledgedAt' | 'acknowledgedBy'>;

/** Reading alerts. */
export interface AlertsRead {
  /** Alerts newest first: open ones only unless `all`; at most `limit` (default 500). */
  list(q: { all?: boolean; limit?: number }): Promise<AlertRecord[]>;
  /** The alert with this id; null when there is none. */
  get(id: number): Promise<AlertRecord | null>;
  /** How many alerts are not acknowledged. */
  countOpen(): Promise<number>;
}

/** Changing alerts (write transactions only). */
export interface AlertsRepo extends AlertsRead {
  /** Stores a new alert; returns it with its id. */
  insert(a: NewAlert): Promise<AlertRecord>;
  /** Marks an open alert acknowledged; false when it was already acknowledged or is missing. */
  acknowledge(id: number, by: string, at: number): Promise<boolean>;
}

export type { AlertKind };

/** Called after COMMIT with the alerts a write raised; may be async, its failures are ignored. */
export type AlertListener = (alerts: AlertRecord[]) => void | Promise<void>;
