// Each character of a code or key with its word in the UI language ("J Johan", "7 sju").
import { useTranslation } from 'react-i18next';
import { currentLang } from '../i18n.ts';
import { groups } from '../format.ts';
import { spell } from '../spelling.ts';

/** The spelling aid for one value, group by group. */
export function SpellingAid({ value, testId = 'spelling-aid' }: { value: string; testId?: string }) {
  const { t } = useTranslation();
  const lang = currentLang();
  return (
    <div className="spelling" data-testid={testId} aria-label={t('secret.spellingFor', { value })} role="group">
      {groups(value).map((g, gi) => (
        <ol className="spelling-group" key={gi} aria-label={t('secret.groupN', { n: gi + 1 })}>
          {spell(g, lang).map((s, i) => (
            <li key={i}>
              <span className="spelling-ch">{s.ch}</span>
              <span className="spelling-word">{s.word}</span>
            </li>
          ))}
        </ol>
      ))}
    </div>
  );
}
