// The settings' "Email delivery" panel: the SMTP relay notifications leave through (host, port,
// STARTTLS, sender, user) and their language. The relay password is never a setting and never
// shown: the panel only says whether the delivering process has it in its environment.
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { SettingsUpdate, SettingsView } from '../../../contract/index.ts';
import { Field } from './Field.tsx';

type Relay = Pick<SettingsView, 'smtpHost' | 'smtpPort' | 'smtpStartTls' | 'smtpFrom' | 'smtpUser' | 'smtpPasswordSet' | 'notificationLanguage'>;

/** The same shape the service accepts for the sender: one plain address. */
const ADDRESS = /^[^\s@<>(),;:"\\]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;

/** What is wrong with the relay fields before saving (the service checks again). */
export function emailDeliveryProblems(s: Relay, t: TFunction): { smtpPort?: string; smtpFrom?: string } {
  const out: { smtpPort?: string; smtpFrom?: string } = {};
  if (!Number.isInteger(s.smtpPort) || s.smtpPort < 1 || s.smtpPort > 65535) out.smtpPort = t('settings.range', { min: 1, max: 65535 });
  const from = s.smtpFrom.trim();
  if (from ? !ADDRESS.test(from) : s.smtpHost.trim() !== '') out.smtpFrom = t('emailDelivery.fromInvalid');
  return out;
}

/** The relay fields as the settings update sends them. */
export function emailDeliveryPatch(s: Relay): Pick<SettingsUpdate, 'smtpHost' | 'smtpPort' | 'smtpStartTls' | 'smtpFrom' | 'smtpUser' | 'notificationLanguage'> {
  return { smtpHost: s.smtpHost.trim(), smtpPort: s.smtpPort, smtpStartTls: s.smtpStartTls, smtpFrom: s.smtpFrom.trim(), smtpUser: s.smtpUser.trim(), notificationLanguage: s.notificationLanguage };
}

/** The panel; `errFor` gives the service's error for a field, `local` the form's own. */
export function EmailDeliveryPanel<S extends Relay>({ value: s, onChange, errFor, local }: { value: S; onChange: (v: S) => void; errFor: (field: string) => string | undefined; local: { smtpPort?: string; smtpFrom?: string } }) {
  const { t } = useTranslation();
  return (
    <section className="panel" data-testid="settings-email-delivery">
      <h2>{t('emailDelivery.title')}</h2>
      <p className="muted">{t('emailDelivery.intro')}</p>
      <div className="field-row">
        <Field label={t('emailDelivery.host')} hint={t('emailDelivery.hostHint')} value={s.smtpHost} onChange={(v) => onChange({ ...s, smtpHost: v })} maxLength={253} error={errFor('smtpHost')} testId="settings-smtp-host" className="grow" />
        <Field label={t('emailDelivery.port')} type="number" min={1} max={65535} value={String(s.smtpPort)} onChange={(v) => onChange({ ...s, smtpPort: Number(v) })} error={local.smtpPort ?? errFor('smtpPort')} testId="settings-smtp-port" />
        <div className="field">
          <label htmlFor="settings-smtp-starttls">{t('emailDelivery.startTls')}</label>
          <select id="settings-smtp-starttls" value={s.smtpStartTls} onChange={(e) => onChange({ ...s, smtpStartTls: e.target.value === 'none' ? 'none' : 'required' })} data-testid="settings-smtp-starttls">
            <option value="required">{t('emailDelivery.startTlsRequired')}</option>
            <option value="none">{t('emailDelivery.startTlsNone')}</option>
          </select>
        </div>
      </div>
      <div className="field-row">
        <Field label={t('emailDelivery.from')} hint={t('emailDelivery.fromHint')} value={s.smtpFrom} onChange={(v) => onChange({ ...s, smtpFrom: v })} maxLength={254} error={local.smtpFrom ?? errFor('smtpFrom')} testId="settings-smtp-from" className="grow" />
        <Field label={t('emailDelivery.user')} hint={t('emailDelivery.userHint')} value={s.smtpUser} onChange={(v) => onChange({ ...s, smtpUser: v })} maxLength={254} error={errFor('smtpUser')} testId="settings-smtp-user" autoComplete="off" />
      </div>
      <p data-testid="settings-smtp-password">
        <span className="label">{t('emailDelivery.password')}</span> {s.smtpPasswordSet ? t('emailDelivery.passwordSet') : t('emailDelivery.passwordNotSet')}
      </p>
      <p className="muted">{t('emailDelivery.passwordHint')}</p>
      <div className="field">
        <label htmlFor="settings-notification-language">{t('emailDelivery.language')}</label>
        <select id="settings-notification-language" value={s.notificationLanguage} onChange={(e) => onChange({ ...s, notificationLanguage: e.target.value === 'en' ? 'en' : 'nb' })} data-testid="settings-notification-language">
          <option value="nb">{t('language.nb')}</option>
          <option value="en">{t('language.en')}</option>
        </select>
      </div>
    </section>
  );
}
