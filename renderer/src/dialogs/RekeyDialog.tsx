// "Rotate vault key": asks, rekeys in main, then shows the new recovery key once.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../api.ts';
import { Modal } from '../components/Modal.tsx';
import { RecoveryKey } from '../components/RecoveryKey.tsx';
import { errorText } from '../errors.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';

/** The rotate-key flow; `reason` says why it is offered (e.g. after removing an operator). */
export function RekeyDialog({ reason, onClose }: { reason?: string; onClose: (rotated: boolean) => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [key, setKey] = useState<string | null>(null);

  async function rotate() {
    setBusy(true);
    const r = await call('vault:rekey', {});
    setBusy(false);
    if (r.ok) setKey(r.value.recoveryKey);
    else setError(errorText(t, r.error));
  }

  if (key !== null) {
    return (
      <Modal open onOpenChange={() => undefined} onEscape={() => true} title={t('rekey.newKeyTitle')} description={t('recovery.intro')} testId="dialog-rekey-key" wide>
        <RecoveryKey recoveryKey={key} onContinue={() => onClose(true)} />
      </Modal>
    );
  }
  return (
    <ConfirmDialog title={t('rekey.title')} confirmLabel={t('rekey.confirm')} danger busy={busy} error={error} onConfirm={() => void rotate()} onCancel={() => onClose(false)} testId="dialog-rekey">
      {reason ? <p>{reason}</p> : null}
      <p>{t('rekey.explain')}</p>
    </ConfirmDialog>
  );
}
