// What each action does, as consequence sentences for step 2 (destructive ones flagged).
import i18n from '../i18n.ts';
import type { FactorSummaryView, SettingsView } from '../../../contract/index.ts';
import { dateTime, firstName, number } from '../format.ts';
import type { Consequence } from './parts.tsx';

export type ActionKind = 'one-time-code' | 'backup-codes' | 'remove-sms' | 'clear-lock';

const t = (key: string, opts?: Record<string, unknown>) => i18n.t(key, opts);

function common(name: string): Consequence[] {
  return [{ text: t('consequence.notify', { name }) }, { text: t('consequence.audit') }];
}

/** Consequences of a simple action for this user. */
export function actionConsequences(kind: ActionKind, view: FactorSummaryView, extra: { minutes?: number } = {}): Consequence[] {
  const name = firstName(view.user.name);
  switch (kind) {
    case 'one-time-code': {
      const minutes = extra.minutes ?? 60;
      const out: Consequence[] = [];
      if (view.oneTimeCode.active) out.push({ text: t('consequence.otcVoid', { name }), destructive: true });
      out.push({ text: t('consequence.otcNew', { duration: lifetimeText(minutes), until: dateTime(Date.now() + minutes * 60_000) }) });
      return [...out, ...common(name)];
    }
    case 'backup-codes': {
      const out: Consequence[] = [];
      if (view.backupCodes && view.backupCodes.remaining > 0) out.push({ text: t('consequence.backupVoid', { name, count: view.backupCodes.remaining, n: number(view.backupCodes.remaining) }), destructive: true });
      out.push({ text: t('consequence.backupNew') });
      return [...out, ...common(name)];
    }
    case 'remove-sms':
      return [{ text: t('consequence.smsRemove', { name, number: view.sms?.masked ?? '' }), destructive: true }, ...common(name)];
    case 'clear-lock':
      return [{ text: t('consequence.clearLock', { name }) }, { text: t('consequence.audit') }];
  }
}

/** Consequences of a forced re-enrollment with the chosen options. */
export function reenrollConsequences(view: FactorSummaryView, settings: SettingsView, opts: { voidCodes: boolean; withBackupCodes: boolean }): Consequence[] {
  const name = firstName(view.user.name);
  const out: Consequence[] = [];
  if (view.authenticator.status === 'active') out.push({ text: t('consequence.authRevoke', { name }), destructive: true });
  if (view.pending) out.push({ text: t('consequence.pendingVoid', { name }), destructive: true });
  if (opts.voidCodes) out.push({ text: t('consequence.voidCodes', { name }), destructive: true });
  else if (opts.withBackupCodes && view.backupCodes && view.backupCodes.remaining > 0)
    out.push({ text: t('consequence.backupVoid', { name, count: view.backupCodes.remaining, n: number(view.backupCodes.remaining) }), destructive: true });
  const deadline = Date.now() + settings.enrollmentDeadlineDays * 86_400_000;
  out.push({ text: t('consequence.reenrollNew', { count: settings.enrollmentDeadlineDays, days: number(settings.enrollmentDeadlineDays), deadline: dateTime(deadline) }) });
  if (opts.withBackupCodes) out.push({ text: t('consequence.backupNew') });
  return [...out, ...common(name)];
}

/**
 * Consequences of the lost-phone action: the authenticator revoked, a short-lived one-time code,
 * a new set-up, one notification, one change for the limits. `minutes` is the code's lifetime.
 */
export function lostPhoneConsequences(view: FactorSummaryView, settings: SettingsView, minutes: number): Consequence[] {
  const name = firstName(view.user.name);
  const out: Consequence[] = [];
  if (view.authenticator.status === 'active') out.push({ text: t('consequence.authRevoke', { name }), destructive: true });
  if (view.pending) out.push({ text: t('consequence.pendingVoid', { name }), destructive: true });
  if (view.oneTimeCode.active) out.push({ text: t('consequence.otcVoid', { name }), destructive: true });
  out.push({ text: t('consequence.lostPhoneCode', { name, duration: lifetimeText(minutes), until: dateTime(Date.now() + minutes * 60_000) }) });
  const deadline = Date.now() + settings.enrollmentDeadlineDays * 86_400_000;
  out.push({ text: t('consequence.reenrollNew', { count: settings.enrollmentDeadlineDays, days: number(settings.enrollmentDeadlineDays), deadline: dateTime(deadline) }) });
  return [...out, ...common(name), { text: t('consequence.lostPhoneOne') }];
}

/** Translation keys of the action names (buttons, titles). */
export const ACTION_TITLE: Record<ActionKind | 'reenroll' | 'lost-phone' | 'refuse', string> = {
  'one-time-code': 'actions.oneTimeCode',
  'backup-codes': 'actions.backupCodes',
  'remove-sms': 'actions.removeSms',
  'clear-lock': 'actions.clearLock',
  reenroll: 'actions.reenroll',
  'lost-phone': 'actions.lostPhone',
  refuse: 'actions.refuse',
};

/** "30 minutes", "1 hour", "2 hours" (whole hours as hours). */
export function lifetimeText(minutes: number): string {
  return minutes % 60 === 0 ? t('otc.hours', { count: minutes / 60, n: number(minutes / 60) }) : t('otc.minutes', { count: minutes, n: number(minutes) });
}

/** Lifetimes offered for a one-time code (minutes), within the policy's 10 min to 24 h. */
export function lifetimeChoices(settings: SettingsView): number[] {
  const base = [10, 15, 30, 60, 120, 240, 480, 720, 1440];
  const set = new Set([...base, settings.oneTimeCodeMinutes].filter((m) => m >= 10 && m <= 1440));
  return [...set].sort((a, b) => a - b);
}
