// "Restore from backup": says what happens, lets the admin choose the file, shows what the
// backup holds (main opened it with the vault's key, or with the password valid when it was
// made), and only then asks for the password and restores that same file by the preview's id.
// Cancel at any step restores nothing.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../api.ts';
import { Field } from '../components/Field.tsx';
import { Notice } from '../components/Status.tsx';
import { errorText } from '../errors.ts';
import { dateTime, number, relative } from '../format.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import type { RestorePreviewView } from '../../../contract/index.ts';

/** The restore flow; `onRestored` runs after a restore (main locks the session then). */
export function RestoreDialog({ onClose, onRestored }: { onClose: () => void; onRestored: () => void }) {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState<RestorePreviewView | null>(null);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);

  async function choose() {
    setBusy(true);
    const r = await call('vault:restore-preview', {});
    setBusy(false);
    if (!r.ok) return setError(errorText(t, r.error));
    setError(null);
    if (r.value.previewId) setChosen(r.value);
  }
  async function open(previewId: string) {
    if (password === '') return setFieldError(t('vault.restoreNeedPassword'));
    setBusy(true);
    const r = await call('vault:restore-preview', { previewId, password });
    setBusy(false);
    if (!r.ok) return setFieldError(errorText(t, r.error));
    setFieldError(null);
    setChosen(r.value);
  }
  async function restore(previewId: string) {
    if (password === '') return setFieldError(t('vault.restoreNeedPassword'));
    setBusy(true);
    const r = await call('vault:restore', { password, previewId });
    setBusy(false);
    if (!r.ok) return setFieldError(errorText(t, r.error));
    if (r.value.restored) onRestored();
    else onClose();
  }

  const passwordField = (
    <Field label={t('vault.restorePassword')} hint={t('vault.restorePasswordHint')} type="password" value={password} onChange={setPassword} error={fieldError ?? undefined} testId="restore-password" autoComplete="off" maxLength={1024} />
  );

  if (!chosen || !chosen.previewId) {
    return (
      <ConfirmDialog key="choose" title={t('vault.restoreTitle')} confirmLabel={t('vault.restoreChoose')} busy={busy} error={error} onConfirm={() => void choose()} onCancel={onClose} testId="dialog-restore">
        <p>{t('vault.restoreExplain')}</p>
      </ConfirmDialog>
    );
  }
  const { previewId, fileName, preview } = chosen;
  if (!preview) {
    // The vault's key does not open it: the password valid when it was made does.
    return (
      <ConfirmDialog key="locked" title={t('vault.restorePreviewTitle', { file: fileName })} confirmLabel={t('vault.restoreOpen')} busy={busy} onConfirm={() => void open(previewId)} onCancel={onClose} testId="dialog-restore">
        <Notice tone="info" testId="restore-locked">
          {t('vault.restoreLocked')}
        </Notice>
        {passwordField}
      </ConfirmDialog>
    );
  }
  const facts: Array<[string, string, string]> = [
    ['vault', t('vault.restoreFacts.vault'), preview.thisVault ? t('vault.restoreFacts.thisVault') : t('vault.restoreFacts.otherVault', { id: preview.vaultId })],
    ['last-event', t('vault.restoreFacts.lastEvent'), preview.lastEventAt === null ? t('vault.restoreFacts.noEvents') : t('vault.upkeep.when', { at: dateTime(preview.lastEventAt), age: relative(preview.lastEventAt) })],
    ['users', t('vault.users'), number(preview.users)],
    ['operators', t('vault.operators'), number(preview.operators)],
    ['events', t('vault.events'), number(preview.auditEvents)],
  ];
  return (
    <ConfirmDialog
      key="preview"
      title={t('vault.restorePreviewTitle', { file: fileName })}
      confirmLabel={t('vault.restoreConfirm')}
      danger
      busy={busy}
      disabled={!preview.thisVault}
      onConfirm={() => void restore(previewId)}
      onCancel={onClose}
      testId="dialog-restore"
    >
      <p>{t('vault.restoreHolds')}</p>
      <dl className="facts" data-testid="restore-preview">
        {facts.map(([id, k, v]) => (
          <div key={id} data-testid={`restore-fact-${id}`}>
            <dt>{k}</dt>
            <dd className={id === 'vault' && !preview.thisVault ? 'mono-small' : undefined}>{v}</dd>
          </div>
        ))}
      </dl>
      {preview.revived.length > 0 ? (
        <Notice tone="warn" testId="restore-revived">
          {t('vault.restoreRevived', { count: preview.revived.length, names: preview.revived.map((c) => c.label ?? t(`vault.restoreFacts.${c.kind}`)).join(', ') })}
        </Notice>
      ) : null}
      {preview.thisVault ? (
        <>
          <p>{t('vault.restoreReplaces')}</p>
          {passwordField}
        </>
      ) : (
        <Notice tone="bad" testId="restore-other-vault">
          {t('vault.restoreOtherVault')}
        </Notice>
      )}
    </ConfirmDialog>
  );
}
