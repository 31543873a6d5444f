import { fail } from './errors.ts';
import type { Role, Session } from './session.ts';
import { AUTOMATION_SCOPES, type Permission } from '../../contract/permissions.ts';

export type { Permission };

/**
 * The one table of who may do what. Every entry point (IPC guard, command line, services)
 * checks it. Agent: helpdesk work on users. Admin: everything an agent can plus operators,
 * settings, import, exports, backup, restore, rekey, clearing locks. Service key: verify only.
 */
export const PERMISSIONS = {
  'users:find': ['agent', 'admin'],
  'users:view': ['agent', 'admin'],
  'codes:issue-one-time': ['agent', 'admin'],
  'codes:backup': ['agent', 'admin'],
  'codes:verify': ['agent', 'admin', 'service'],
  'enrollment:reenroll': ['agent', 'admin'],
  'enrollment:confirm': ['agent', 'admin'],
  'enrollment:issue-code': ['agent', 'admin'],
  'enrollment:regenerate': ['agent', 'admin'],
  'enrollment:reveal-key': ['agent', 'admin'],
  'enrollment:sheet': ['agent', 'admin'],
  'sms:remove': ['agent', 'admin'],
  'requests:refuse': ['agent', 'admin'],
  'settings:read': ['agent', 'admin'],
  'operators:change-own-password': ['agent', 'admin'],
  'lock:clear': ['admin'],
  'operators:list': ['admin'],
  'operators:add': ['admin'],
  'operators:update': ['admin'],
  'operators:disable': ['admin'],
  'operators:remove': ['admin'],
  'operators:reset-password': ['admin'],
  'operators:unlock': ['admin'],
  'settings:write': ['admin'],
  'users:import': ['admin'],
  'audit:list': ['admin'],
  'audit:verify': ['admin'],
  'audit:export': ['admin'],
  'outbox:list': ['admin'],
  'outbox:export': ['admin'],
  'vault:info': ['admin'],
  'vault:integrity': ['admin'],
  'vault:backup': ['admin'],
  'vault:restore': ['admin'],
  'vault:rekey': ['admin'],
  'service-keys:create': ['admin'],
  'radius-clients:manage': ['admin'],
  'automation-clients:manage': ['admin'],
  'alerts:list': ['admin'],
  'alerts:ack': ['admin'],
  // Agents see their own requests; admins see every one and decide them.
  'approvals:list': ['agent', 'admin'],
  'approvals:decide': ['admin'],
  'approvals:run': ['agent', 'admin'],
  'users:privileged': ['admin'],
} as const satisfies Record<Permission, readonly Role[]>;

/** True when `role` may do `permission` (an automation client's rights are its scopes: see allowedFor). */
export function allowed(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

/**
 * True when the session may do `permission`: an operator or service by its role; an automation
 * client only by its scopes, and only scopes from the fixed list (a scope list that somehow held
 * another permission grants nothing beyond that list).
 */
export function allowedFor(session: Pick<Session, 'role' | 'scopes'>, permission: Permission): boolean {
  if (session.role === 'automation') return (AUTOMATION_SCOPES as readonly Permission[]).includes(permission) && (session.scopes ?? []).includes(permission);
  return allowed(session.role, permission);
}

/** Throws FORBIDDEN unless the session may do `permission`. */
export function requireRole(session: Session, permission: Permission): void {
  if (allowedFor(session, permission)) return;
  if (session.role === 'automation') fail('FORBIDDEN', `This automation client's scopes (${(session.scopes ?? []).join(', ') || 'none'}) do not include ${permission}.`, { permission });
  fail('FORBIDDEN', `Your role (${session.role}) may not do this.`, { permission });
}
