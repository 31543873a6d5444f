// Edits the reason presets the action dialogs offer: one text per language for each reason.
import { useTranslation } from 'react-i18next';
import type { ReasonPreset } from '../../../contract/index.ts';
import { Icon } from './Icon.tsx';
import { ScrollArea } from './ScrollArea.tsx';

export const MAX_PRESETS = 20;

/** What is wrong with the list as typed (empty text, a text twice), for the field error; undefined when fine. */
export function presetsProblem(list: ReasonPreset[], t: (k: string) => string): string | undefined {
  if (list.some((p) => p.nb.trim() === '' || p.en.trim() === '')) return t('settings.presetEmpty');
  for (const lang of ['nb', 'en'] as const) {
    const texts = list.map((p) => p[lang].trim().toLowerCase());
    if (new Set(texts).size !== texts.length) return t('settings.presetTwice');
  }
  return undefined;
}

/** The editable list of reason presets. */
export function PresetsEditor({ presets, onChange, error }: { presets: ReasonPreset[]; onChange: (p: ReasonPreset[]) => void; error?: string }) {
  const { t } = useTranslation();
  const set = (i: number, p: ReasonPreset) => onChange(presets.map((x, j) => (j === i ? p : x)));
  return (
    <fieldset className="checks-editor" data-testid="presets-editor">
      <legend>{t('settings.presets')}</legend>
      <p className="muted">{t('settings.presetsHint')}</p>
      <ScrollArea label={t('settings.presets')}>
        <table className="table table-compact">
          <thead>
            <tr>
              <th scope="col">{t('settings.labelNb')}</th>
              <th scope="col">{t('settings.labelEn')}</th>
              <th scope="col">
                <span className="sr-only">{t('settings.removePreset')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {presets.map((p, i) => (
              <tr key={i}>
                <td>
                  <input aria-label={t('settings.presetNbN', { n: i + 1 })} value={p.nb} maxLength={200} onChange={(e) => set(i, { ...p, nb: e.target.value })} data-testid="preset-nb" />
                </td>
                <td>
                  <input aria-label={t('settings.presetEnN', { n: i + 1 })} value={p.en} maxLength={200} onChange={(e) => set(i, { ...p, en: e.target.value })} data-testid="preset-en" />
                </td>
                <td>
                  <button type="button" className="btn btn-ghost btn-small" onClick={() => onChange(presets.filter((_, j) => j !== i))} aria-label={t('settings.removePresetN', { n: i + 1 })} data-testid="preset-remove">
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
      <button type="button" className="btn btn-small" onClick={() => onChange([...presets, { nb: '', en: '' }])} disabled={presets.length >= MAX_PRESETS} data-testid="preset-add">
        <Icon name="plus" /> {t('settings.addPreset')}
      </button>
    </fieldset>
  );
}
