// First run: this computer's vault, or a FactorDesk server. For a server: its address, then its
// key as the server shows it (nothing is trusted yet), to compare with the one the administrator
// gave; only a confirmed key is pinned.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ServerProbe } from '../../../contract/index.ts';
import { call, type ApiError } from '../api.ts';
import { Field } from '../components/Field.tsx';
import { Icon } from '../components/Icon.tsx';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { Notice } from '../components/Status.tsx';
import { errorText, fieldOf } from '../errors.ts';
import { date } from '../format.ts';

/** The key in groups of four, easier to read aloud and compare. */
export function groupedPin(pin: string): string {
  return (pin.match(/.{1,4}/g) ?? []).join(' ');
}

function Gate({ children, testId }: { children: React.ReactNode; testId: string }) {
  return (
    <main className="gate">
      <div className="gate-card gate-wide" data-testid={testId}>
        <div className="gate-top">
          <div className="brand brand-large">
            <Icon name="shield" /> <span>FactorDesk</span>
          </div>
          <LanguageSwitch />
        </div>
        {children}
      </div>
    </main>
  );
}

/** The first-run choice between a vault on this computer and a server. */
export function Welcome({ onVault, onServer }: { onVault: () => void; onServer: () => void }) {
  const { t } = useTranslation();
  return (
    <Gate testId="welcome">
      <h1>{t('welcome.title')}</h1>
      <p>{t('welcome.intro')}</p>
      <div className="welcome-choices">
        <button type="button" className="btn btn-primary btn-block" onClick={onVault} data-testid="welcome-vault" autoFocus>
          {t('welcome.vault')}
        </button>
        <p className="muted">{t('welcome.vaultHint')}</p>
        <button type="button" className="btn btn-block" onClick={onServer} data-testid="welcome-server">
          {t('welcome.server')}
        </button>
        <p className="muted">{t('welcome.serverHint')}</p>
      </div>
    </Gate>
  );
}

/** Address → the key the server shows → confirmed and pinned. */
export function ConnectServer({ onConnected, onBack }: { onConnected: () => void; onBack: () => void }) {
  const { t } = useTranslation();
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [probe, setProbe] = useState<ServerProbe | null>(null);

  async function check() {
    setError(null);
    if (url.trim() === '') return setError({ code: 'BAD_REQUEST', message: '', details: { field: 'url' } } as ApiError);
    setBusy(true);
    const r = await call('server:probe', { url: url.trim() });
    setBusy(false);
    if (r.ok) setProbe(r.value);
    else setError(r.error);
  }
  async function connect() {
    if (!probe) return;
    setBusy(true);
    const r = await call('server:connect', { url: probe.url, pin: probe.pin });
    setBusy(false);
    if (r.ok) onConnected();
    else setError(r.error);
  }

  if (probe) {
    return (
      <Gate testId="connect-confirm">
        <h1>{t('connect.confirmTitle')}</h1>
        <p>{t('connect.confirmIntro')}</p>
        <dl className="facts server-facts">
          <div>
            <dt>{t('connect.address')}</dt>
            <dd data-testid="connect-url">{probe.url}</dd>
          </div>
          <div>
            <dt>{t('connect.key')}</dt>
            <dd className="mono server-pin" data-testid="connect-pin">
              {groupedPin(probe.pin)}
            </dd>
          </div>
          <div>
            <dt>{t('connect.certificate')}</dt>
            <dd>
              {probe.subject} · {t('connect.validTo', { date: date(probe.validTo) })}
            </dd>
          </div>
        </dl>
        {probe.factorDesk ? null : (
          <Notice tone="warn" testId="connect-not-factordesk">
            {t('connect.notFactorDesk')}
          </Notice>
        )}
        <Notice tone="info">{t('connect.compare')}</Notice>
        {error ? (
          <Notice tone="bad" testId="connect-error">
            {errorText(t, error)}
          </Notice>
        ) : null}
        <div className="button-row">
          <button type="button" className="btn btn-primary" onClick={() => void connect()} disabled={busy || !probe.factorDesk} data-testid="connect-trust">
            {busy ? t('connect.connecting') : t('connect.trust')}
          </button>
          <button type="button" className="btn" onClick={() => setProbe(null)} data-testid="connect-cancel">
            {t('connect.notSame')}
          </button>
        </div>
      </Gate>
    );
  }

  const urlError = error && fieldOf(error) === 'url' ? (error.message ? errorText(t, error) : t('connect.urlNeeded')) : undefined;
  return (
    <Gate testId="connect">
      <h1>{t('connect.title')}</h1>
      <p>{t('connect.intro')}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void check();
        }}
      >
        <Field label={t('connect.address')} hint={t('connect.addressHint')} value={url} onChange={setUrl} error={urlError} maxLength={2048} inputMode="url" autoComplete="url" spellCheck={false} testId="connect-address" autoFocus />
        {error && !urlError ? (
          <Notice tone="bad" testId="connect-error">
            {errorText(t, error)}
          </Notice>
        ) : null}
        <div className="button-row">
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="connect-check">
            {busy ? t('connect.checking') : t('connect.check')}
          </button>
          <button type="button" className="btn" onClick={onBack} data-testid="connect-back">
            {t('common.back')}
          </button>
        </div>
      </form>
    </Gate>
  );
}
