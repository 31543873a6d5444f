/**
 * Every audit action name main writes: a closed set, so the audit screen can offer them as a
 * filter and label each one. Names say what happened, never through which door: the door (app,
 * cli, …) is recorded in the event's `details.via`. A test (test/unit/audit-actions.test.ts)
 * reads main's sources and fails when an action is written that is missing here. Old vaults
 * may hold names no longer written; a view shows those raw, so `AuditEventView.action` stays a
 * string.
 */
export const AUDIT_ACTIONS = [
  'user.view',
  'directory.searched',
  'user.add',
  'user.update',
  'user.import',
  'user.import.batch',
  'user.import.change',
  'code.issue-one-time',
  'code.backup-codes',
  'code.verify',
  'enrollment.reenroll',
  'enrollment.regenerate',
  'enrollment.reveal-key',
  'enrollment.sheet',
  'enrollment.sheet.not-printed',
  'enrollment.confirm',
  'enrollment.code.issue',
  'enrollment.self.start',
  'sms.remove',
  'lock.clear',
  'velocity.exceeded',
  'request.refused',
  'signin',
  'signin.failed',
  'signin.locked',
  'signin.rate-limited',
  'signin.failed.summarised',
  'signin.journal.tampered',
  'signin.journal.rolled-back',
  'signout',
  'operator.add',
  'operator.update',
  'operator.disable',
  'operator.remove',
  'operator.reset-password',
  'operator.change-password',
  'operator.unlock',
  'operator.second-factor.enroll',
  'operator.second-factor.reset',
  'settings.update',
  'audit.verify',
  'audit.export',
  'audit.events-lost',
  'outbox.export',
  'vault.create',
  'server.init',
  'server.recover-key',
  'vault.recovery',
  'vault.recovery-key-stored',
  'vault.backup',
  'vault.restore',
  'vault.restore.undo',
  'vault.restore.kept-deleted',
  'vault.integrity-check',
  'vault.rekey.start',
  'vault.rekey',
  'vault.rekey.recovered',
  'service-key.create',
  'service-key.revoke',
  'radius-client.add',
  'radius-client.remove',
  'ipc.refused',
  'alert.acknowledged',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** True when `name` is one of the actions main writes today. */
export function isAuditAction(name: string): name is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(name);
}
