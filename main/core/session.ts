import type { Permission } from '../../contract/permissions.ts';

/**
 * Roles a session can have; `service` is a login service (it may only verify codes), `automation`
 * an unattended script's automation client (it may do exactly its `scopes`).
 */
export type Role = 'agent' | 'admin' | 'service' | 'automation';

/** Who is acting. Every service call takes one. */
export interface Session {
  operatorId: string;
  name: string;
  displayName: string;
  role: Role;
  /** Mailbox key (mailboxKey) of the operator's work email, used to refuse actions on their own user account. */
  emailKey: string | null;
  /** The operator's linked directory user (their own account), when linked. */
  userId?: number | null;
  signedInAt: number;
  /** An automation client's rights (role `automation` only): the named scopes it was created with. */
  scopes?: readonly Permission[];
  /** The door the session came through; recorded in every audit event it writes. */
  via?: Via;
}

/** The doors an action can come through. */
export type Via = 'app' | 'cli' | 'https' | 'radius' | 'self-enrollment';
