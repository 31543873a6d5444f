// Edits the identity-check list: labels in both languages and the strong flag. The check
// "known-email" (a request from the address on record) can never be strong.
import { useTranslation } from 'react-i18next';
import type { IdentityCheck } from '../../../contract/index.ts';
import { Checkbox } from './Checkbox.tsx';
import { Icon } from './Icon.tsx';
import { ScrollArea } from './ScrollArea.tsx';

export const WEAK_ONLY = 'known-email';

/** The editable list of checks. */
export function ChecksEditor({ checks, onChange, error }: { checks: IdentityCheck[]; onChange: (c: IdentityCheck[]) => void; error?: string }) {
  const { t } = useTranslation();
  const set = (i: number, c: IdentityCheck) => onChange(checks.map((x, j) => (j === i ? c : x)));
  return (
    <fieldset className="checks-editor" data-testid="checks-editor">
      <legend>{t('settings.checks')}</legend>
      <p className="muted">{t('settings.checksHint')}</p>
      <ScrollArea label={t('settings.checks')}>
      <table className="table table-compact">
        <thead>
          <tr>
            <th scope="col">{t('settings.checkId')}</th>
            <th scope="col">{t('settings.labelNb')}</th>
            <th scope="col">{t('settings.labelEn')}</th>
            <th scope="col">{t('settings.strong')}</th>
            <th scope="col">
              <span className="sr-only">{t('settings.removeCheck')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {checks.map((c, i) => (
            <tr key={i}>
              <td>
                <input aria-label={t('settings.checkIdN', { n: i + 1 })} value={c.id} maxLength={32} onChange={(e) => set(i, { ...c, id: e.target.value, strong: e.target.value === WEAK_ONLY ? false : c.strong })} className="mono-small" />
              </td>
              <td>
                <input aria-label={t('settings.labelNbN', { n: i + 1 })} value={c.label.nb} maxLength={120} onChange={(e) => set(i, { ...c, label: { ...c.label, nb: e.target.value } })} />
              </td>
              <td>
                <input aria-label={t('settings.labelEnN', { n: i + 1 })} value={c.label.en} maxLength={120} onChange={(e) => set(i, { ...c, label: { ...c.label, en: e.target.value } })} />
              </td>
              <td>
                <Checkbox
                  label={<span className="sr-only">{t('settings.strongN', { n: i + 1 })}</span>}
                  checked={c.strong}
                  disabled={c.id === WEAK_ONLY}
                  onChange={(strong) => set(i, { ...c, strong })}
                  note={c.id === WEAK_ONLY ? t('settings.neverStrong') : undefined}
                />
              </td>
              <td>
                <button type="button" className="btn btn-ghost btn-small" onClick={() => onChange(checks.filter((_, j) => j !== i))} aria-label={t('settings.removeCheckN', { n: i + 1 })}>
                  <Icon name="cross" />
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      </ScrollArea>
      {error ? (
        <div className="field-error" role="alert">
          <Icon name="warning" /> {error}
        </div>
      ) : null}
      <button type="button" className="btn btn-small" onClick={() => onChange([...checks, { id: '', strong: false, label: { nb: '', en: '' } }])} disabled={checks.length >= 16}>
        <Icon name="plus" /> {t('settings.addCheck')}
      </button>
    </fieldset>
  );
}
