// Settings (admin): organization name and logo (for the printed sheet), TOTP issuer, support
// contact, code lifetime, enrollment deadline, identity checks, reason presets, the idle lock time
// and the SMTP relay notifications are delivered through.
import { useEffect, useState, type Dispatch, type SetStateAction } from 'react';
import { useTranslation } from 'react-i18next';
import type { SettingsView } from '../../../contract/index.ts';
import { call, type ApiError } from '../api.ts';
import { ChecksEditor, WEAK_ONLY } from '../components/ChecksEditor.tsx';
import { EmailDeliveryPanel, emailDeliveryPatch, emailDeliveryProblems } from '../components/EmailDeliveryPanel.tsx';
import { Field } from '../components/Field.tsx';
import { PresetsEditor, presetsProblem } from '../components/PresetsEditor.tsx';
import { Notice } from '../components/Status.tsx';
import { useToast } from '../components/Toasts.tsx';
import { errorText, fieldOf } from '../errors.ts';
import { useWorkspace } from '../workspace.ts';
import { Checkbox } from '../components/Checkbox.tsx';

/** Edits on the settings screen not saved yet (kept by the workspace, so leaving the tab keeps them). */
export interface SettingsDraft {
  value: SettingsView;
  dirty: boolean;
}

const LIMITS = { oneTimeCodeMinutes: [10, 1440], enrollmentDeadlineDays: [1, 30], idleLockMinutes: [1, 60], velocityPerHour: [1, 10_000], velocityPerDay: [1, 100_000], approvalMinutes: [5, 1440], approvalCooldownMinutes: [5, 1440], cooldownMinutes: [1, 1440], syslogPort: [1, 65535] } as const;
/** What the service accepts as the alert log: an absolute path (POSIX, drive letter or UNC), or nothing. */
const ABSOLUTE_PATH = /^(\/|[A-Za-z]:[\\/]|\\\\)/;

/**
 * The settings form. Its edits live in the workspace (`draft`), so switching to another tab
 * keeps them; the Settings tab says "not saved" meanwhile, and Discard goes back to what is saved.
 */
export function SettingsScreen({ draft, setDraft }: { draft: SettingsDraft | null; setDraft: Dispatch<SetStateAction<SettingsDraft | null>> }) {
  const { t } = useTranslation();
  const toast = useToast();
  const ws = useWorkspace();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (ws.settings && !draft) setDraft({ value: ws.settings, dirty: false });
  }, [ws.settings, draft, setDraft]);
  const s = draft?.value ?? null;
  const setS = (v: SettingsView) => setDraft({ value: v, dirty: true });
  if (!s) return <p className="muted">{t('common.loading')}</p>;

  const f = fieldOf(error);
  const errFor = (...names: string[]) => (error && f && names.some((n) => f === n || f.startsWith(`${n}.`)) ? errorText(t, error) : undefined);
  const num = (key: keyof typeof LIMITS, value: number) => {
    const [min, max] = LIMITS[key];
    return Number.isInteger(value) && value >= min && value <= max ? undefined : t('settings.range', { min, max });
  };
  const local = {
    oneTimeCodeMinutes: num('oneTimeCodeMinutes', s.oneTimeCodeMinutes),
    enrollmentDeadlineDays: num('enrollmentDeadlineDays', s.enrollmentDeadlineDays),
    idleLockMinutes: num('idleLockMinutes', s.idleLockMinutes),
    velocityPerHour: num('velocityPerHour', s.velocityPerHour),
    velocityPerDay: num('velocityPerDay', s.velocityPerDay),
    approvalMinutes: num('approvalMinutes', s.approvalMinutes),
    approvalCooldownMinutes: num('approvalCooldownMinutes', s.approvalCooldownMinutes),
    cooldownMinutes: num('cooldownMinutes', s.verification.cooldownMinutes),
    syslogPort: num('syslogPort', s.syslogPort),
    alertLogPath: s.alertLogPath.trim() === '' || ABSOLUTE_PATH.test(s.alertLogPath.trim()) ? undefined : t('settings.alertLogAbsolute'),
    defaultCountryCode: /^\s*(\+|00)?[1-9][0-9]{0,2}\s*$/.test(s.defaultCountryCode) ? undefined : t('settings.countryCodeInvalid'),
    presets: presetsProblem(s.reasonPresets ?? [], t),
    checks: !s.identityChecks.some((c) => c.strong) ? t('settings.needStrong') : s.identityChecks.some((c) => c.id === WEAK_ONLY && c.strong) ? t('settings.neverStrong') : undefined,
  };
  const relayLocal = emailDeliveryProblems(s, t);
  const invalid = Object.values(local).some(Boolean) || Object.values(relayLocal).some(Boolean);

  async function save() {
    if (!s || invalid) return;
    setBusy(true);
    const r = await call('settings:update', {
      organizationName: s.organizationName,
      issuer: s.issuer,
      supportContact: s.supportContact,
      oneTimeCodeMinutes: s.oneTimeCodeMinutes,
      enrollmentDeadlineDays: s.enrollmentDeadlineDays,
      idleLockMinutes: s.idleLockMinutes,
      defaultCountryCode: s.defaultCountryCode.trim(),
      velocityPerHour: s.velocityPerHour,
      velocityPerDay: s.velocityPerDay,
      approvalMinutes: s.approvalMinutes,
      approvalCooldownMinutes: s.approvalCooldownMinutes,
      approveEveryReenrollment: s.approveEveryReenrollment,
      approveEveryOneTimeCode: s.approveEveryOneTimeCode,
      identityChecks: s.identityChecks.map((c) => ({ id: c.id.trim(), strong: c.strong, label: { nb: c.label.nb.trim(), en: c.label.en.trim() } })),
      reasonPresets: (s.reasonPresets ?? []).map((p) => ({ nb: p.nb.trim(), en: p.en.trim() })),
      verification: s.verification,
      ...emailDeliveryPatch(s),
      alertLogPath: s.alertLogPath.trim(),
      syslogHost: s.syslogHost.trim(),
      syslogPort: s.syslogPort,
      syslogProtocol: s.syslogProtocol,
    });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setError(null);
    setDraft({ value: r.value, dirty: false });
    ws.reloadSettings();
    toast({ title: t('settings.saved'), tone: 'ok' });
  }
  async function logo(clear: boolean) {
    const r = await call('settings:choose-logo', { clear });
    if (!r.ok) return setError(r.error);
    setDraft((old) => (old ? { ...old, value: { ...old.value, organizationLogo: r.value.organizationLogo } } : { value: r.value, dirty: false }));
    ws.reloadSettings();
  }
  const intField = (key: 'oneTimeCodeMinutes' | 'enrollmentDeadlineDays' | 'idleLockMinutes' | 'velocityPerHour' | 'velocityPerDay' | 'approvalMinutes' | 'approvalCooldownMinutes', label: string) => (
    <Field label={label} type="number" min={LIMITS[key][0]} max={LIMITS[key][1]} value={String(s[key])} onChange={(v) => setS({ ...s, [key]: Number(v) })} error={local[key] ?? errFor(key)} testId={`settings-${key}`} hint={t('settings.range', { min: LIMITS[key][0], max: LIMITS[key][1] })} />
  );

  return (
    <form
      className="screen"
      data-testid="settings-screen"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div className="screen-head">
        <h1>{t('settings.title')}</h1>
        <div className="button-row">
          {draft?.dirty ? (
            <button type="button" className="btn" onClick={() => ws.settings && setDraft({ value: ws.settings, dirty: false })} data-testid="settings-discard">
              {t('settings.discard')}
            </button>
          ) : null}
          <button type="submit" className="btn btn-primary" disabled={busy || invalid} data-testid="settings-save">
            {t('settings.save')}
          </button>
        </div>
      </div>
      {draft?.dirty ? (
        <Notice tone="info" testId="settings-unsaved-note">
          {t('settings.unsaved')}
        </Notice>
      ) : null}
      {error && !f ? <Notice tone="bad">{errorText(t, error)}</Notice> : null}
      <section className="panel">
        <h2>{t('settings.organization')}</h2>
        <div className="field-row">
          <Field label={t('settings.orgName')} value={s.organizationName} onChange={(v) => setS({ ...s, organizationName: v })} maxLength={120} error={errFor('organizationName')} testId="settings-org" className="grow" />
          <Field label={t('settings.issuer')} hint={t('settings.issuerHint')} value={s.issuer} onChange={(v) => setS({ ...s, issuer: v })} maxLength={64} error={errFor('issuer')} testId="settings-issuer" />
        </div>
        <Field label={t('settings.support')} hint={t('settings.supportHint')} value={s.supportContact} onChange={(v) => setS({ ...s, supportContact: v })} maxLength={200} error={errFor('supportContact')} testId="settings-support" />
        <Field
          label={t('settings.countryCode')}
          hint={t('settings.countryCodeHint')}
          value={s.defaultCountryCode}
          onChange={(v) => setS({ ...s, defaultCountryCode: v })}
          maxLength={8}
          error={local.defaultCountryCode ?? errFor('defaultCountryCode')}
          testId="settings-country-code"
        />
        <div className="logo-row">
          <span className="label">{t('settings.logo')}</span>
          {s.organizationLogo ? <img src={s.organizationLogo} alt={t('settings.logoAlt')} className="logo-preview" data-testid="settings-logo" /> : <span className="muted">{t('settings.noLogo')}</span>}
          <button type="button" className="btn btn-small" onClick={() => void logo(false)} data-testid="settings-choose-logo">
            {t('settings.chooseLogo')}
          </button>
          {s.organizationLogo ? (
            <button type="button" className="btn btn-small btn-ghost" onClick={() => void logo(true)}>
              {t('settings.removeLogo')}
            </button>
          ) : null}
          {errFor('organizationLogo') ? <div className="field-error">{errFor('organizationLogo')}</div> : null}
        </div>
      </section>
      <section className="panel">
        <h2>{t('settings.policy')}</h2>
        <div className="field-grid">
          {intField('oneTimeCodeMinutes', t('settings.otcMinutes'))}
          {intField('enrollmentDeadlineDays', t('settings.deadlineDays'))}
          {intField('idleLockMinutes', t('settings.idleMinutes'))}
          {intField('velocityPerHour', t('settings.velocityPerHour'))}
          {intField('velocityPerDay', t('settings.velocityPerDay'))}
          <Field
            label={t('settings.cooldown')}
            type="number"
            min={1}
            max={1440}
            value={String(s.verification.cooldownMinutes)}
            onChange={(v) => setS({ ...s, verification: { ...s.verification, cooldownMinutes: Number(v) } })}
            error={local.cooldownMinutes ?? errFor('verification')}
            hint={t('settings.cooldownHint', { burn: s.verification.burnAfter, lock: s.verification.lockAfter })}
          />
        </div>
      </section>
      <section className="panel" data-testid="settings-approvals">
        <h2>{t('settings.approvals')}</h2>
        <p className="muted">{t('settings.approvalsExplain')}</p>
        <div className="field-grid">
          {intField('approvalMinutes', t('settings.approvalMinutes'))}
          {intField('approvalCooldownMinutes', t('settings.approvalCooldownMinutes'))}
        </div>
        <Checkbox label={t('settings.approveEveryReenrollment')} checked={s.approveEveryReenrollment} onChange={(v) => setS({ ...s, approveEveryReenrollment: v })} testId="settings-approve-reenroll" />
        <Checkbox label={t('settings.approveEveryOneTimeCode')} checked={s.approveEveryOneTimeCode} onChange={(v) => setS({ ...s, approveEveryOneTimeCode: v })} testId="settings-approve-otc" />
      </section>
      <section className="panel" data-testid="settings-alerts">
        <h2>{t('settings.alerts')}</h2>
        <Field
          label={t('settings.alertLog')}
          hint={t('settings.alertLogHint')}
          value={s.alertLogPath}
          onChange={(v) => setS({ ...s, alertLogPath: v })}
          maxLength={1000}
          error={local.alertLogPath ?? errFor('alertLogPath')}
          testId="settings-alert-log"
        />
        <p className="muted">{t('settings.syslogExplain')}</p>
        <div className="field-row">
          <Field label={t('settings.syslogHost')} value={s.syslogHost} onChange={(v) => setS({ ...s, syslogHost: v })} maxLength={253} error={errFor('syslogHost')} testId="settings-syslog-host" className="grow" />
          <Field
            label={t('settings.syslogPort')}
            type="number"
            min={1}
            max={65535}
            value={String(s.syslogPort)}
            onChange={(v) => setS({ ...s, syslogPort: Number(v) })}
            error={local.syslogPort ?? errFor('syslogPort')}
            testId="settings-syslog-port"
          />
          <div className="field">
            <label htmlFor="settings-syslog-protocol">{t('settings.syslogProtocol')}</label>
            <select id="settings-syslog-protocol" value={s.syslogProtocol} onChange={(e) => setS({ ...s, syslogProtocol: e.target.value === 'tcp' ? 'tcp' : 'udp' })} data-testid="settings-syslog-protocol">
              <option value="udp">UDP</option>
              <option value="tcp">TCP</option>
            </select>
          </div>
        </div>
      </section>
      <section className="panel">
        <ChecksEditor checks={s.identityChecks} onChange={(identityChecks) => setS({ ...s, identityChecks })} error={local.checks ?? errFor('identityChecks')} />
      </section>
      <section className="panel">
        <PresetsEditor presets={s.reasonPresets ?? []} onChange={(reasonPresets) => setS({ ...s, reasonPresets })} error={local.presets ?? errFor('reasonPresets')} />
      </section>
      <EmailDeliveryPanel value={s} onChange={setS} errFor={(n) => errFor(n)} local={relayLocal} />
    </form>
  );
}
