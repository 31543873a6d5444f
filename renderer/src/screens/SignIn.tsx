// Sign in with operator name and password (and, on a server, a second-factor code; at the first
// sign-in to a server the operator's own second factor is shown once to scan); lockout messages;
// language switch; the recovery path (a solo vault) or another server (server mode).
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobReport, PublicSession, RevivedCredential, SecondFactorSetup } from '../../../contract/index.ts';
import { svgDataUrl } from '../dialogs/EnrollmentStep.tsx';
import { groupedPin } from './ConnectServer.tsx';
import { call, type ApiError } from '../api.ts';
import { Field } from '../components/Field.tsx';
import { Icon } from '../components/Icon.tsx';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { Notice } from '../components/Status.tsx';
import { errorText } from '../errors.ts';

interface Props {
  lastName: string;
  lockReason: string | null;
  /** After a restore: revoked operators and service keys that work again. */
  revived?: RevivedCredential[];
  onSignedIn: (r: { session: PublicSession; warnings: string[]; jobReports: JobReport[] }) => void;
  onRecover: () => void;
  /** Server mode: the server and its pinned key (null: a solo vault). */
  server?: { url: string; pin: string } | null;
  /** Server mode: forget this server and choose again. */
  onForgetServer?: () => void;
}

/** The sign-in screen. */
export function SignIn({ lastName, lockReason, revived = [], onSignedIn, onRecover, server = null, onForgetServer }: Props) {
  const { t } = useTranslation();
  const [name, setName] = useState(lastName);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [incomplete, setIncomplete] = useState(false);
  const [otp, setOtp] = useState('');
  const [setup, setSetup] = useState<SecondFactorSetup | null>(null);
  const [forgetting, setForgetting] = useState(false);

  async function submit() {
    setIncomplete(false);
    const code = otp.replace(/\s/g, '');
    // On a server the code is six digits; only the very first sign-in (no second factor yet) goes without one.
    const codeMissing = !!server && (code === '' ? !!setup : !/^\d{6}$/.test(code));
    if (name.trim() === '' || password === '' || codeMissing) {
      setError(null);
      return setIncomplete(true);
    }
    setBusy(true);
    const r = await call('session:sign-in', { name: name.trim(), password, ...(server && code ? { otp: code } : {}) });
    setOtp('');
    if (!r.ok && r.error.code === 'SECOND_FACTOR_ENROLL') {
      // The first sign-in to a server: the operator's own second factor, shown once; the password stays for the code.
      const f = await call('session:second-factor', {});
      setBusy(false);
      if (f.ok) {
        setSetup(f.value);
        setError(null);
      } else setError(f.error);
      return;
    }
    setBusy(false);
    setPassword('');
    setSetup(null);
    if (r.ok) onSignedIn(r.value);
    else setError(r.error);
  }

  async function forget() {
    setForgetting(true);
    const r = await call('server:forget', {});
    setForgetting(false);
    if (r.ok) onForgetServer?.();
    else setError(r.error);
  }

  return (
    <main className="gate">
      <div className="gate-card">
        <div className="gate-top">
          <div className="brand brand-large">
            <Icon name="shield" /> <span>FactorDesk</span>
          </div>
          <LanguageSwitch />
        </div>
        <h1>{t('signin.title')}</h1>
        {server ? (
          <p className="muted" data-testid="signin-server">
            {t('signin.server', { url: server.url })}
          </p>
        ) : null}
        {lockReason ? <Notice tone="info">{t(`signin.locked.${lockReason}`, { defaultValue: t('signin.locked.manual') })}</Notice> : null}
        {revived.length ? (
          <Notice tone="warn" testId="signin-revived">
            <p>{t('signin.revived', { count: revived.length })}</p>
            <ul>
              {revived.map((c, i) => (
                <li key={i}>{t(c.kind === 'operator' ? 'signin.revivedOperator' : 'signin.revivedService', { label: c.label ?? '—' })}</li>
              ))}
            </ul>
            <p>{t('signin.revivedWhat')}</p>
          </Notice>
        ) : null}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
          data-testid="signin-form"
        >
          <Field label={t('signin.name')} value={name} onChange={setName} autoComplete="username" maxLength={256} autoFocus={lastName === ''} testId="signin-name" />
          <Field label={t('signin.password')} type="password" value={password} onChange={setPassword} autoComplete="current-password" maxLength={1024} autoFocus={lastName !== ''} testId="signin-password" />
          {setup ? (
            <div data-testid="signin-second-factor-setup">
              <Notice tone="info">{t('signin.setupIntro')}</Notice>
              <div className="second-factor-setup">
                <img src={svgDataUrl(setup.qrSvg)} alt={t('signin.setupQrAlt', { name: name.trim() })} width={200} height={200} data-testid="signin-second-factor-qr" />
                <div>
                  <p>{t('signin.setupKey')}</p>
                  <p className="mono" data-testid="signin-second-factor-key">
                    {setup.key}
                  </p>
                </div>
              </div>
            </div>
          ) : null}
          {server ? (
            <Field
              label={setup ? t('signin.firstCode') : t('signin.code')}
              hint={setup ? undefined : t('signin.codeHint')}
              value={otp}
              onChange={setOtp}
              autoComplete="one-time-code"
              inputMode="numeric"
              maxLength={7}
              autoFocus={!!setup}
              testId="signin-otp"
            />
          ) : null}
          {error || incomplete ? (
            <Notice tone="bad" testId="signin-error">
              {error ? (server && error.code === 'SIGNIN_FAILED' ? t('signin.failedServer') : errorText(t, error)) : server ? t('signin.fillAll') : t('signin.fillBoth')}
            </Notice>
          ) : null}
          <button type="submit" className="btn btn-primary btn-block" disabled={busy} data-testid="signin-submit">
            {busy ? t('signin.busy') : t('signin.submit')}
          </button>
        </form>
        {server ? (
          <>
            <p className="muted mono-small" data-testid="signin-server-pin">
              {t('signin.serverKey', { pin: groupedPin(server.pin) })}
            </p>
            <button type="button" className="link" onClick={() => void forget()} disabled={forgetting} data-testid="signin-forget-server">
              {t('signin.otherServer')}
            </button>
          </>
        ) : (
          <button type="button" className="link" onClick={onRecover} data-testid="signin-recover">
            {t('signin.lostAll')}
          </button>
        )}
      </div>
    </main>
  );
}
