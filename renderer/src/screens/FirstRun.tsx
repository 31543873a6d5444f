// First run: create the vault and the first admin, then show the recovery key once.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PublicSession } from '../../../contract/index.ts';
import { call, type ApiError } from '../api.ts';
import { Field } from '../components/Field.tsx';
import { Icon } from '../components/Icon.tsx';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { passwordProblems, PasswordFields } from '../components/PasswordFields.tsx';
import { RecoveryKey } from '../components/RecoveryKey.tsx';
import { Notice } from '../components/Status.tsx';
import { errorText, fieldOf } from '../errors.ts';

/** The first-run screen; `onDone` gets the admin's session after the key was stored. */
export function FirstRun({ vaultDir, onDone }: { vaultDir: string; onDone: (s: PublicSession) => void }) {
  const { t } = useTranslation();
  const [f, setF] = useState({ name: '', displayName: '', email: '', organizationName: '', supportContact: '' });
  const [pw, setPw] = useState('');
  const [repeat, setRepeat] = useState('');
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [created, setCreated] = useState<{ recoveryKey: string; session: PublicSession } | null>(null);
  const [storeError, setStoreError] = useState<string | null>(null);

  async function create() {
    setTried(true);
    const p = passwordProblems(pw, repeat);
    if (!f.name.trim() || !f.displayName.trim() || !f.organizationName.trim() || !f.supportContact.trim() || p.password || p.repeat) return;
    setBusy(true);
    const r = await call('session:first-run', {
      name: f.name.trim(),
      displayName: f.displayName.trim(),
      password: pw,
      ...(f.email.trim() ? { email: f.email.trim() } : {}),
      organizationName: f.organizationName.trim(),
      supportContact: f.supportContact.trim(),
    });
    setBusy(false);
    if (r.ok) {
      setPw('');
      setRepeat('');
      setCreated(r.value);
    } else setError(r.error);
  }
  async function stored() {
    if (!created) return;
    setBusy(true);
    const r = await call('session:recovery-stored', {});
    setBusy(false);
    if (r.ok) onDone(created.session);
    else setStoreError(errorText(t, r.error));
  }

  if (created) {
    return (
      <main className="gate">
        <div className="gate-card gate-wide" data-testid="first-run-recovery">
          <h1>{t('recovery.title')}</h1>
          <p>{t('recovery.intro')}</p>
          <RecoveryKey recoveryKey={created.recoveryKey} onContinue={() => void stored()} busy={busy} error={storeError} />
        </div>
      </main>
    );
  }

  const need = (v: string) => (tried && v.trim() === '' ? t('common.required') : undefined);
  const server = (field: string) => (error && fieldOf(error) === field ? errorText(t, error) : undefined);
  const pwError = error?.code === 'WEAK_PASSWORD' ? errorText(t, error) : server('password');
  const general = error && !fieldOf(error) && error.code !== 'WEAK_PASSWORD';
  return (
    <main className="gate">
      <div className="gate-card gate-wide" data-testid="first-run">
        <div className="gate-top">
          <div className="brand brand-large">
            <Icon name="shield" /> <span>FactorDesk</span>
          </div>
          <LanguageSwitch />
        </div>
        <h1>{t('firstRun.title')}</h1>
        <p>{t('firstRun.intro')}</p>
        <p className="muted mono-small">{t('firstRun.where', { dir: vaultDir })}</p>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <div className="field-row">
            <Field label={t('firstRun.name')} hint={t('firstRun.nameHint')} value={f.name} onChange={(name) => setF({ ...f, name })} error={need(f.name) ?? server('name')} maxLength={64} autoComplete="username" testId="first-run-name" autoFocus />
            <Field label={t('firstRun.displayName')} hint={t('firstRun.displayNameHint')} value={f.displayName} onChange={(displayName) => setF({ ...f, displayName })} error={need(f.displayName) ?? server('displayName')} maxLength={128} testId="first-run-display-name" />
          </div>
          <Field label={t('firstRun.email')} hint={t('firstRun.emailHint')} type="email" value={f.email} onChange={(email) => setF({ ...f, email })} error={server('email')} maxLength={254} testId="first-run-email" />
          <PasswordFields password={pw} repeat={repeat} onPassword={setPw} onRepeat={setRepeat} showProblems={tried} serverError={pwError} testIdPrefix="first-run-password" />
          <fieldset className="plain-fieldset">
            <legend>{t('firstRun.site')}</legend>
            <div className="field-row">
              <Field label={t('firstRun.organization')} hint={t('firstRun.organizationHint')} value={f.organizationName} onChange={(organizationName) => setF({ ...f, organizationName })} error={need(f.organizationName) ?? server('organizationName')} maxLength={120} autoComplete="organization" testId="first-run-organization" />
              <Field label={t('firstRun.support')} hint={t('firstRun.supportHint')} value={f.supportContact} onChange={(supportContact) => setF({ ...f, supportContact })} error={need(f.supportContact) ?? server('supportContact')} maxLength={200} testId="first-run-support" />
            </div>
          </fieldset>
          {general ? <Notice tone="bad">{errorText(t, error)}</Notice> : null}
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="first-run-submit">
            {busy ? t('firstRun.creating') : t('firstRun.submit')}
          </button>
        </form>
      </div>
    </main>
  );
}
