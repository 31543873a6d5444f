/** Roles an operator session can have; `service` is a login service holding a service key. */
export type Role = 'agent' | 'admin' | 'service';

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
  /** The door the session came through; recorded in every audit event it writes. */
  via?: Via;
}

/** The doors an action can come through. */
export type Via = 'app' | 'cli' | 'https' | 'radius' | 'self-enrollment';
