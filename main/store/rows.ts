/**
 * The row shapes both store adapters read (their schemas share table and column names), and how
 * a row becomes the record the port hands to services. No SQL: only names and mapping.
 */
import type { OperatorRecord, OutboxRecord, UserRecord } from './records.ts';

/** Row shape of the users table. */
export interface UserRow {
  id: number;
  external_id: string | null;
  email: string;
  /** The identity key (unique). */
  email_identity: string;
  /** The search key (foldKey of the email): what the type-ahead and its indexes use. */
  email_key: string;
  name: string;
  name_key: string;
  phone: string | null;
  organization: string | null;
  status: 'active' | 'disabled';
  created_at: number;
  updated_at: number;
}

export const USER_COLUMNS = 'id, external_id, email, email_identity, email_key, name, name_key, phone, organization, status, created_at, updated_at';

/** A users row as a record. */
export function toUserRecord(r: UserRow): UserRecord {
  return {
    id: r.id,
    externalId: r.external_id,
    email: r.email,
    emailKey: r.email_identity,
    name: r.name,
    nameKey: r.name_key,
    phone: r.phone,
    organization: r.organization,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Row shape of the operators table. */
export interface OperatorRow {
  id: string;
  name: string;
  name_key: string;
  display_name: string;
  email: string | null;
  email_key: string | null;
  user_id: number | null;
  role: 'agent' | 'admin';
  status: OperatorRecord['status'];
  created_at: number;
  updated_at: number;
}

export const OPERATOR_COLUMNS = 'id, name, name_key, display_name, email, email_key, role, status, created_at, updated_at, user_id';

export function toOperatorRecord(r: OperatorRow): OperatorRecord {
  return {
    id: r.id,
    name: r.name,
    nameKey: r.name_key,
    displayName: r.display_name,
    email: r.email,
    emailKey: r.email_key,
    userId: r.user_id,
    role: r.role,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export const OUTBOX_COLUMNS = 'id, user_id, email, kind, subject, body, created_at, exported_at, delivered_at, attempts, next_attempt_at, last_error';

/** Row shape of the outbox table. */
export interface OutboxRow {
  id: number;
  user_id: number;
  email: string;
  kind: string;
  subject: string;
  body: string;
  created_at: number;
  exported_at: number | null;
  delivered_at: number | null;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
}

export const toOutboxRecord = (r: OutboxRow): OutboxRecord => ({
  id: r.id,
  userId: r.user_id,
  email: r.email,
  kind: r.kind,
  subject: r.subject,
  body: r.body,
  createdAt: r.created_at,
  exportedAt: r.exported_at,
  deliveredAt: r.delivered_at,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
});
