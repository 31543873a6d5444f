// The vault cannot be opened (damaged, newer, missing, incomplete): say what happened and what
// to do. Never a first run here: nothing may be created over an existing vault.
import { useTranslation } from 'react-i18next';
import type { AppStatus } from '../../../contract/index.ts';
import { Icon } from '../components/Icon.tsx';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { Notice } from '../components/Status.tsx';
import { errorText } from '../errors.ts';

/** The vault-problem screen. */
export function VaultProblem({ status, onRetry }: { status: AppStatus; onRetry: () => void }) {
  const { t } = useTranslation();
  const code = status.vaultState === 'incomplete' ? 'incomplete' : (status.error?.code ?? 'INTERNAL');
  return (
    <main className="gate">
      <div className="gate-card gate-wide" data-testid="vault-problem">
        <div className="gate-top">
          <div className="brand brand-large">
            <Icon name="shield" /> <span>FactorDesk</span>
          </div>
          <LanguageSwitch />
        </div>
        <h1>{t('vaultProblem.title')}</h1>
        <Notice tone="bad" testId="vault-problem-message">
          {status.vaultState === 'incomplete' ? t('vaultProblem.incomplete') : status.error ? errorText(t, status.error) : t('errors.INTERNAL')}
        </Notice>
        <h2>{t('vaultProblem.whatToDo')}</h2>
        <p>{t(`vaultProblem.todo.${code}`, { defaultValue: t('vaultProblem.todo.other') })}</p>
        {status.vaultDir ? (
          <p className="muted">
            {t('vaultProblem.folder')} <span className="mono-small">{status.vaultDir}</span>
          </p>
        ) : null}
        <button type="button" className="btn" onClick={onRetry} data-testid="vault-problem-retry">
          {t('vaultProblem.retry')}
        </button>
      </div>
    </main>
  );
}
