// i18next with both languages bundled (no fetch under the CSP). Bokmål first, English second.
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import nb from './locales/nb.json';
import en from './locales/en.json';

export type Lang = 'nb' | 'en';

void i18n.use(initReactI18next).init({
  resources: { nb: { translation: nb }, en: { translation: en } },
  lng: 'nb',
  fallbackLng: 'nb',
  initAsync: false,
  interpolation: { escapeValue: false },
});
document.documentElement.lang = 'nb';

/** Switches the UI language (and the document's lang attribute, for screen readers). */
export function setLanguage(lang: Lang): void {
  void i18n.changeLanguage(lang);
  document.documentElement.lang = lang;
}

/** The current UI language. */
export function currentLang(): Lang {
  return i18n.language === 'en' ? 'en' : 'nb';
}

/** The Intl locale for a UI language. */
export function localeOf(lang: Lang): string {
  return lang === 'nb' ? 'nb-NO' : 'en-GB';
}

export default i18n;
