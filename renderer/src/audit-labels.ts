// Human names for audit actions and outcomes in the UI language; unknown names are shown raw.
// The list of actions (the audit filter) is the list of labels: test/unit/audit-labels.test.ts
// collects every action main writes and fails when one has no label in either language.
import i18n from './i18n.ts';

// i18next splits keys at '.', so action names are stored with '_' instead ('-' stays).
const keyOf = (action: string) => `auditAction.${action.replace(/\./g, '_')}`;

/** Every audit action the services write (a filter list for the audit screen). */
export { AUDIT_ACTIONS } from '../../contract/index.ts';

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
