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
  'alerts:list',
  'alerts:ack',
] as const;

export type Permission = (typeof PERMISSION_IDS)[number];
