// Copy through main (which clears the clipboard after a while); the button says when it will.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../api.ts';
import { errorText } from '../errors.ts';
import { Icon } from './Icon.tsx';

/** Copies `text`; shows "Copied – the clipboard clears itself in N s" until it does. */
export function useCopy(text: () => string): { copy: () => Promise<void>; clearsIn: number | null; error: string | null } {
  const { t } = useTranslation();
  const [clearsIn, setClearsIn] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (clearsIn === null) return undefined;
    if (clearsIn <= 0) {
      setClearsIn(null);
      return undefined;
    }
    const id = window.setTimeout(() => setClearsIn((s) => (s === null ? null : s - 1)), 1000);
    return () => window.clearTimeout(id);
  }, [clearsIn]);
  async function copy() {
    const r = await call('clipboard:copy', { text: text() });
    if (r.ok) {
      setError(null);
      setClearsIn(r.value.clearsInSeconds);
    } else setError(errorText(t, r.error));
  }
  return { copy, clearsIn, error };
}

/** A small Copy button with its own label (e.g. "Copy number"). */
export function CopyButton({ text, label, testId, small }: { text: string; label: string; testId?: string; small?: boolean }) {
  const { t } = useTranslation();
  const { copy, clearsIn, error } = useCopy(() => text);
  return (
    <>
      <button type="button" className={`btn${small ? ' btn-small' : ''}`} onClick={() => void copy()} data-testid={testId}>
        <Icon name={clearsIn === null ? 'copy' : 'check'} />
        {clearsIn === null ? label : t('secret.copied', { seconds: clearsIn })}
      </button>
      <span className="sr-only" aria-live="polite">
        {clearsIn === null ? '' : t('secret.copiedAnnounce')}
      </span>
      {error ? <span className="field-error">{error}</span> : null}
    </>
  );
}
