// A freshly issued secret, shown once: large grouped monospace characters, Copy (through main;
// the clipboard clears itself), Print (a print-only layout) and a spelling aid.
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { compact, groups } from '../format.ts';
import { useCopy } from './CopyButton.tsx';
import { Icon } from './Icon.tsx';
import { SpellingAid } from './SpellingAid.tsx';

interface Props {
  /** One value (a code, a key) or several (backup codes). */
  values: string[];
  /** What the value is, e.g. "One-time code". */
  label: string;
  /** Heading of the printed page, e.g. "One-time code for Kari Nordmann". */
  printTitle: string;
  /** Extra lines on the printed page (expiry etc.). */
  printNote?: string;
  testId?: string;
  /** Copy without spaces/hyphens (codes and keys are typed without them). */
  compactCopy?: boolean;
}

/** Prints only `el` (print.css hides the rest while the attribute is set). */
export function printOnly(el: HTMLElement | null): void {
  if (!el) return;
  el.setAttribute('data-print-target', 'true');
  document.body.classList.add('printing-target');
  try {
    window.print();
  } finally {
    el.removeAttribute('data-print-target');
    document.body.classList.remove('printing-target');
  }
}

/** Shows a secret once with copy, print and spelling aid. */
export function SecretDisplay({ values, label, printTitle, printNote, testId = 'secret-display', compactCopy = true }: Props) {
  const { t } = useTranslation();
  const boxRef = useRef<HTMLDivElement>(null);
  const [spelled, setSpelled] = useState<number | null>(values.length === 1 ? 0 : null);
  const { copy, clearsIn, error: copyError } = useCopy(() => values.map((v) => (compactCopy ? compact(v) : v)).join('\n'));

  const single = values.length === 1;
  return (
    <div className="secret" ref={boxRef} data-secret="">
      <div className="print-only print-head">
        <h1>{printTitle}</h1>
        {printNote ? <p>{printNote}</p> : null}
      </div>
      <div className="secret-label" id={`${testId}-label`}>
        {label}
      </div>
      <div className={`secret-values${single ? '' : ' secret-values-list'}`} data-testid={testId} aria-labelledby={`${testId}-label`} role="group">
        {values.map((v, i) => (
          <div className="secret-row" key={i}>
            {single ? null : <span className="secret-index">{i + 1}.</span>}
            <span className="secret-value" data-testid={`${testId}-value`} data-value={compact(v)} aria-label={groups(v).join(' ')}>
              {groups(v).map((g, gi) => (
                <span className="secret-group" key={gi}>
                  {g}{' '}
                </span>
              ))}
            </span>
            {single ? null : (
              <button type="button" className="btn btn-ghost btn-small no-print" aria-pressed={spelled === i} onClick={() => setSpelled(spelled === i ? null : i)}>
                {t('secret.spellThis')}
              </button>
            )}
          </div>
        ))}
      </div>
      <div className="secret-actions no-print">
        <button type="button" className="btn" onClick={() => void copy()} data-testid="secret-copy">
          <Icon name={clearsIn === null ? 'copy' : 'check'} />
          {clearsIn === null ? t('secret.copy') : t('secret.copied', { seconds: clearsIn })}
        </button>
        <button type="button" className="btn" onClick={() => printOnly(boxRef.current)} data-testid="secret-print">
          <Icon name="print" />
          {t('secret.print')}
        </button>
        {single ? (
          <button type="button" className="btn btn-ghost" aria-expanded={spelled === 0} onClick={() => setSpelled(spelled === 0 ? null : 0)} data-testid="spelling-toggle">
            {spelled === 0 ? t('secret.hideSpelling') : t('secret.showSpelling')}
          </button>
        ) : null}
      </div>
      <span className="sr-only" aria-live="polite">
        {clearsIn === null ? '' : t('secret.copiedAnnounce')}
      </span>
      {copyError ? <div className="field-error">{copyError}</div> : null}
      {spelled !== null && values[spelled] !== undefined ? (
        <div className="no-print">
          <SpellingAid value={values[spelled]!} />
        </div>
      ) : null}
    </div>
  );
}
