// The lookup box in the top bar: a combobox over the result list (↑/↓ move, Enter opens,
// Esc clears the highlight and stays here). Ctrl/Cmd+K focuses it from anywhere.
import { forwardRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Icon } from './Icon.tsx';

interface Props {
  value: string;
  onChange: (v: string) => void;
  count: number;
  active: number;
  onMove: (delta: number) => void;
  onEnter: () => void;
  activeId: string | undefined;
  expanded: boolean;
}

/** True on macOS, where the shortcut is Cmd instead of Ctrl. */
export const IS_MAC = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** The search input. */
export const SearchBox = forwardRef<HTMLInputElement, Props>(function SearchBox({ value, onChange, count, onMove, onEnter, activeId, expanded }, ref) {
  const { t } = useTranslation();
  return (
    <div className="search">
      <Icon name="search" className="search-icon" />
      <input
        ref={ref}
        type="text"
        role="combobox"
        aria-label={t('search.label')}
        aria-expanded={expanded}
        aria-controls="lookup-results"
        aria-autocomplete="list"
        aria-activedescendant={activeId}
        aria-keyshortcuts={IS_MAC ? 'Meta+K' : 'Control+K'}
        placeholder={t('search.placeholder')}
        autoComplete="off"
        spellCheck={false}
        value={value}
        maxLength={254}
        data-testid="search-input"
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' && count > 0) {
            e.preventDefault();
            onMove(1);
          } else if (e.key === 'ArrowUp' && count > 0) {
            e.preventDefault();
            onMove(-1);
          } else if (e.key === 'Enter') {
            e.preventDefault();
            onEnter();
          } else if (e.key === 'Escape' && value !== '') {
            e.preventDefault();
            e.currentTarget.select();
          }
        }}
      />
      <kbd className="search-kbd" aria-hidden="true">
        {IS_MAC ? '⌘K' : 'Ctrl+K'}
      </kbd>
    </div>
  );
});
