// Norsk / English, saved in the preferences through main.
import { useTranslation } from 'react-i18next';
import { call } from '../api.ts';
import { currentLang, setLanguage, type Lang } from '../i18n.ts';

/** Two toggle buttons; the pressed one is the current language. */
export function LanguageSwitch() {
  const { t } = useTranslation();
  const lang = currentLang();
  const choose = (l: Lang) => {
    setLanguage(l);
    void call('prefs:set', { language: l });
  };
  return (
    <div className="lang-switch" role="group" aria-label={t('language.label')}>
      {(['nb', 'en'] as const).map((l) => (
        <button key={l} type="button" className="btn btn-small" aria-pressed={lang === l} lang={l} onClick={() => choose(l)} data-testid={`lang-${l}`}>
          {t(`language.${l}`)}
        </button>
      ))}
    </div>
  );
}
