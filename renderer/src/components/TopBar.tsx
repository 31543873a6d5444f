// The top bar: product name, the search box, the operator menu and the Lock button.
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Icon } from './Icon.tsx';
import { IS_MAC } from './SearchBox.tsx';

/** The bar; `search` and `menu` are passed in so the workspace owns their state. */
export function TopBar({ search, menu, alerts, onLock }: { search: ReactNode; menu: ReactNode; alerts?: ReactNode; onLock: () => void }) {
  const { t } = useTranslation();
  return (
    <header className="topbar">
      <div className="brand">
        <Icon name="shield" />
        <span>FactorDesk</span>
      </div>
      {search}
      <div className="topbar-right">
        {alerts}
        {menu}
        <button type="button" className="btn btn-lock" onClick={onLock} aria-keyshortcuts={IS_MAC ? 'Meta+L' : 'Control+L'} data-testid="lock-button">
          <Icon name="lock" /> {t('lock.button')}
          <kbd className="kbd-hint" aria-hidden="true">
            {IS_MAC ? '⌘L' : 'Ctrl+L'}
          </kbd>
        </button>
      </div>
    </header>
  );
}
