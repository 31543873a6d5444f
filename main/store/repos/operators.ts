import type { OperatorRecord } from '../records.ts';

/** What an update of an operator sets. */
export interface OperatorPatch {
  role: 'agent' | 'admin';
  displayName: string;
  email: string | null;
  emailKey: string | null;
  userId: number | null;
}

/** Reading operator accounts. */
export interface OperatorsRead {
  /** The operator with this id (removed ones too); null when there is none. */
  get(id: string): Promise<OperatorRecord | null>;
  /** The operator whose folded sign-in name is `nameKey`; null when there is none. */
  getByNameKey(nameKey: string): Promise<OperatorRecord | null>;
  /** Operators that are not removed, by folded name. */
  list(): Promise<OperatorRecord[]>;
  /** How many admins are active (the last one must stay). */
  countActiveAdmins(): Promise<number>;
}

/** Changing operator accounts (write transactions only). */
export interface OperatorsRepo extends OperatorsRead {
  /** Adds an active operator; false when the folded name is taken. */
  insert(op: Omit<OperatorRecord, 'status' | 'updatedAt'>): Promise<boolean>;
  /** Changes role, display name, work email and the linked directory user. */
  update(id: string, patch: OperatorPatch, at: number): Promise<void>;
  /** Enables or disables an operator that is not removed. */
  setStatus(id: string, status: 'active' | 'disabled', at: number): Promise<void>;
  /** Marks an operator removed, keeping the row for the audit trail and freeing the name for reuse. */
  markRemoved(id: string, at: number): Promise<void>;
}
