/**
 * The names of every IPC channel and pushed event, with no imports at all, so the sandboxed
 * preload bundles only these strings (channels.ts checks at compile time that this list and the
 * channel table agree; main/ipc/schemas.ts checks the same for the schema table).
 */
export const CHANNEL_NAMES = [
  'app:status',
  'app:open-external',
  'prefs:set',
  'session:first-run',
  'session:recovery-stored',
  'session:sign-in',
  'session:recover',
  'session:activity',
  'session:lock',
  'session:change-password',
  'session:second-factor',
  'server:probe',
  'server:connect',
  'server:forget',
  'users:find',
  'users:view',
  'codes:issue-one-time',
  'codes:backup',
  'enrollment:reenroll',
  'enrollment:regenerate',
  'enrollment:reveal-key',
  'enrollment:confirm',
  'enrollment:issue-code',
  'users:lost-phone',
  'enrollment:print-sheet',
  'enrollment:sheet-render',
  'enrollment:sheet-not-printed',
  'sms:remove',
  'lock:clear',
  'requests:refuse',
  'clipboard:copy',
  'settings:get',
  'settings:update',
  'settings:choose-logo',
  'operators:list',
  'operators:add',
  'operators:update',
  'operators:disable',
  'operators:remove',
  'operators:reset-password',
  'operators:reset-second-factor',
  'users:import',
  'users:import-preview',
  'users:import-cancel',
  'users:import-save-report',
  'jobs:reports',
  'audit:list',
  'audit:verify',
  'audit:export',
  'outbox:list',
  'outbox:export',
  'alerts:list',
  'alerts:ack',
  'approvals:list',
  'approvals:approve',
  'approvals:reject',
  'approvals:run',
  'users:set-privileged',
  'vault:info',
  'vault:integrity',
  'vault:backup',
  'vault:restore-preview',
  'vault:delete-kept',
  'vault:restore',
  'vault:rekey',
  'service-keys:create',
  'service-clients:create',
  'service-clients:list',
  'service-clients:revoke',
  'radius-clients:add',
  'radius-clients:list',
  'radius-clients:remove',
] as const;

export type ChannelName = (typeof CHANNEL_NAMES)[number];

/** Events main pushes to the renderer. */
export const EVENT_NAMES = ['idle:warning', 'session:locked', 'import:progress', 'job:progress', 'job:done', 'clock:warning', 'menu:command'] as const;

export type EventName = (typeof EVENT_NAMES)[number];

/** IPC channel prefix, so FactorDesk's channels never collide with Electron's own. */
export const IPC_PREFIX = 'fd:';
