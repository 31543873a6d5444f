// A recovery key, shown once: big grouped characters, Print, and "I have stored it" before
// Continue. Used at first run and after rotating the vault key.
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { groups } from '../format.ts';
import { Checkbox } from './Checkbox.tsx';
import { Icon } from './Icon.tsx';
import { printOnly } from './SecretDisplay.tsx';
import { Notice } from './Status.tsx';

interface Props {
  recoveryKey: string;
  onContinue: () => void;
  busy?: boolean;
  error?: string | null;
}

/** The recovery key panel. */
export function RecoveryKey({ recoveryKey, onContinue, busy, error }: Props) {
  const { t } = useTranslation();
  const [stored, setStored] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  return (
    <div className="recovery" data-secret="">
      <div ref={ref} className="recovery-print">
        <div className="print-only print-head">
          <h1>{t('recovery.printTitle')}</h1>
          <p>{t('recovery.printNote')}</p>
        </div>
        <div className="secret-values recovery-key" data-testid="recovery-key" data-value={recoveryKey} aria-label={groups(recoveryKey).join(' ')} role="group">
          {groups(recoveryKey).map((g, i) => (
            <span className="secret-group" key={i}>
              {g}{' '}
            </span>
          ))}
        </div>
      </div>
      <Notice tone="warn">{t('recovery.once')}</Notice>
      <div className="button-row">
        <button type="button" className="btn" onClick={() => printOnly(ref.current)} data-testid="recovery-print">
          <Icon name="print" /> {t('secret.print')}
        </button>
      </div>
      <Checkbox label={t('recovery.stored')} checked={stored} onChange={setStored} testId="recovery-stored" />
      {error ? <Notice tone="bad">{error}</Notice> : null}
      <div className="button-row">
        <button type="button" className="btn btn-primary" disabled={!stored || busy} onClick={onContinue} data-testid="recovery-continue">
          {t('common.continue')}
        </button>
      </div>
    </div>
  );
}
