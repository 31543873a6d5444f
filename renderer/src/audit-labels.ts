// Human names for audit actions and outcomes in the UI language; unknown names are shown raw.
import i18n from './i18n.ts';

/** Every audit action the services write (a filter list for the audit screen). */
export const AUDIT_ACTIONS = [
  'user.view',
  'code.issue-one-time',
  'code.backup-codes',
  'code.verify',
  'enrollment.reenroll',
  'enrollment.regenerate',
  'enrollment.reveal-key',
  'enrollment.sheet',
  'enrollment.confirm',
  'sms.remove',
  'lock.clear',
  'request.refused',
  'user.add',
  'user.update',
  'signin',
  'signin.failed',
  'signin.journal.tampered',
  'signout',
  'operator.add',
  'operator.update',
  'operator.disable',
  'operator.remove',
  'operator.reset-password',
  'operator.change-password',
  'settings.update',
  'audit.verify',
  'audit.export',
  'outbox.export',
  'vault.create',
  'vault.recovery',
  'vault.recovery-key-stored',
  'vault.backup',
  'vault.restore',
  'vault.restore.undo',
  'vault.integrity-check',
  'vault.rekey.start',
  'vault.rekey',
  'vault.rekey.recovered',
  'service-key.create',
  'ipc.refused',
] as const;

// i18next splits keys at '.', so action names are stored with '_' instead.
const keyOf = (action: string) => `auditAction.${action.replace(/\./g, '_')}`;

/** "enrollment.reveal-key" → "read the key aloud" / "leste nøkkelen høyt". */
export function actionLabel(action: string): string {
  const key = keyOf(action);
  return i18n.exists(key) ? i18n.t(key) : action;
}

/** "ok", "refused", "rejected", … in the UI language. */
export function outcomeLabel(outcome: string): string {
  const key = `auditOutcome.${outcome.replace(/\./g, '_')}`;
  return i18n.exists(key) ? i18n.t(key) : outcome;
}
