// The operator's menu in the top bar: change password, language, theme, density, lock. A small
// menu button (↑/↓ move, Enter/Space choose, Esc closes and returns to the button).
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PublicSession } from '../../../contract/index.ts';
import { call } from '../api.ts';
import { currentLang, type Lang } from '../i18n.ts';
import { setDensity, setTheme, useAppearance, type Density, type ThemeChoice } from '../theme.ts';
import { Icon } from './Icon.tsx';

interface Props {
  session: PublicSession;
  onChangePassword: () => void;
  onLanguage: (lang: Lang) => void;
  onLock: () => void;
}

/** The operator menu button and its menu. */
export function OperatorMenu({ session, onChangePassword, onLanguage, onLock }: Props) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const lang = currentLang();
  const look = useAppearance();
  const chooseDensity = (d: Density) => {
    setDensity(d);
    void call('prefs:set', { density: d });
  };

  const items = () => [...(menuRef.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];
  useEffect(() => {
    if (open) items()[0]?.focus();
  }, [open]);
  useEffect(() => {
    if (!open) return undefined;
    const onDown = (e: MouseEvent) => {
      if (!menuRef.current?.contains(e.target as Node) && !buttonRef.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const close = (refocus = true) => {
    setOpen(false);
    if (refocus) buttonRef.current?.focus();
  };
  const choose = (fn: () => void) => () => {
    close(false);
    fn();
  };

  return (
    <div className="opmenu">
      <button
        ref={buttonRef}
        type="button"
        className="btn btn-ghost opmenu-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls="operator-menu"
        onClick={() => setOpen(!open)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setOpen(true);
          }
        }}
        data-testid="operator-menu"
      >
        <Icon name="user" />
        <span>
          {session.displayName} <span className="muted">({t(`role.${session.role}`)})</span>
        </span>
        <Icon name="chevron" />
      </button>
      {open ? (
        <div
          id="operator-menu"
          ref={menuRef}
          role="menu"
          aria-label={t('menu.label')}
          className="menu"
          onKeyDown={(e) => {
            const list = items();
            const i = list.indexOf(document.activeElement as HTMLElement);
            if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
              e.preventDefault();
              const n = (i + (e.key === 'ArrowDown' ? 1 : -1) + list.length) % list.length;
              list[n]?.focus();
            } else if (e.key === 'Home' || e.key === 'End') {
              e.preventDefault();
              (e.key === 'Home' ? list[0] : list[list.length - 1])?.focus();
            } else if (e.key === 'Escape' || e.key === 'Tab') {
              e.preventDefault();
              e.stopPropagation();
              close();
            }
          }}
        >
          <button type="button" role="menuitem" className="menu-item" onClick={choose(onChangePassword)} data-testid="menu-change-password">
            {t('menu.changePassword')}
          </button>
          <div role="separator" className="menu-sep" />
          <div role="group" aria-label={t('menu.language')}>
            <div className="menu-heading" aria-hidden="true">
              {t('menu.language')}
            </div>
            {(['nb', 'en'] as const).map((l) => (
              <button
                key={l}
                type="button"
                role="menuitemradio"
                aria-checked={lang === l}
                className="menu-item"
                onClick={choose(() => onLanguage(l))}
                data-testid={`menu-lang-${l}`}
              >
                <span className="menu-check">{lang === l ? <Icon name="check" /> : null}</span>
                {t(`language.${l}`)}
              </button>
            ))}
          </div>
          <div role="separator" className="menu-sep" />
          <div role="group" aria-label={t('menu.theme')}>
            <div className="menu-heading" aria-hidden="true">
              {t('menu.theme')}
            </div>
            {(['system', 'light', 'dark'] as ThemeChoice[]).map((th) => (
              <button key={th} type="button" role="menuitemradio" aria-checked={look.theme === th} className="menu-item" onClick={choose(() => setTheme(th))} data-testid={`menu-theme-${th}`}>
                <span className="menu-check">{look.theme === th ? <Icon name="check" /> : null}</span>
                {t(`menu.themes.${th}`)}
              </button>
            ))}
          </div>
          <div role="separator" className="menu-sep" />
          <div role="group" aria-label={t('menu.density')}>
            <div className="menu-heading" aria-hidden="true">
              {t('menu.density')}
            </div>
            {(['comfortable', 'compact'] as Density[]).map((d) => (
              <button key={d} type="button" role="menuitemradio" aria-checked={look.density === d} className="menu-item" onClick={choose(() => chooseDensity(d))} data-testid={`menu-density-${d}`}>
                <span className="menu-check">{look.density === d ? <Icon name="check" /> : null}</span>
                {t(`menu.densities.${d}`)}
              </button>
            ))}
          </div>
          <div role="separator" className="menu-sep" />
          <button type="button" role="menuitem" className="menu-item" onClick={choose(onLock)} data-testid="menu-lock">
            <Icon name="lock" /> {t('menu.lock')}
          </button>
        </div>
      ) : null}
    </div>
  );
}
