/**
 * Every permission id a role can hold. The table of which role holds which permission stays in
 * main (main/core/roles.ts); the ids are shared so the renderer and the IPC table name them
 * without importing main.
 */
export const PERMISSION_IDS = [
  'users:find',
  'users:view',
  'codes:issue-one-time',
  'codes:backup',
  'codes:verify',
  'enrollment:reenroll',
  'enrollment:confirm',
  'enrollment:issue-code',
  'enrollment:regenerate',
  'enrollment:reveal-key',
  'enrollment:sheet',
  'sms:remove',
  'requests:refuse',
  'settings:read',
  'operators:change-own-password',
  'lock:clear',
  'operators:list',
  'operators:add',
  'operators:update',
  'operators:disable',
  'operators:remove',
  'operators:reset-password',
  'operators:unlock',
  'settings:write',
  'users:import',
  'audit:list',
  'audit:verify',
  'audit:export',
  'outbox:list',
  'outbox:export',
  'vault:info',
  'vault:integrity',
  'vault:backup',
  'vault:restore',
  'vault:rekey',
  'service-keys:create',
  'radius-clients:manage',
  'automation-clients:manage',
  'alerts:list',
  'alerts:ack',
  'approvals:list',
  'approvals:decide',
  'approvals:run',
  'users:privileged',
] as const;

export type Permission = (typeof PERMISSION_IDS)[number];

/**
 * The named scopes an automation client (an unattended script, such as the nightly import) can
 * be given: each is one permission, and the client may do exactly the permissions it holds,
 * never anything else (no sign-in, no verifying codes, no managing operators or clients).
 */
export const AUTOMATION_SCOPES = ['users:import', 'users:find', 'users:view', 'audit:list', 'alerts:list'] as const satisfies readonly Permission[];

export type AutomationScope = (typeof AUTOMATION_SCOPES)[number];
