// A small yes/no dialog for admin actions (disable, remove, restore, rotate key). The focus
// starts on the first field, else on Cancel when the action cannot be undone (Enter is then
// safe), else on the confirm button (Enter goes on).
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Modal } from '../components/Modal.tsx';
import { Notice } from '../components/Status.tsx';
import { Footer } from './parts.tsx';

interface Props {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  /** The confirm button is off (the action is not possible as things are). */
  disabled?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
  testId?: string;
}

/** Asks before doing something that cannot be undone. */
export function ConfirmDialog({ title, children, confirmLabel, danger, busy, disabled, error, onConfirm, onCancel, testId }: Props) {
  const { t } = useTranslation();
  return (
    <Modal open onOpenChange={(o) => !o && onCancel()} title={title} testId={testId}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!disabled) onConfirm();
        }}
      >
        <div className="confirm-text">{children}</div>
        {error ? <Notice tone="bad">{error}</Notice> : null}
        <Footer
          left={
            <button type="button" className="btn" onClick={onCancel} data-testid="dialog-cancel">
              {t('common.cancel')}
            </button>
          }
          right={
            <button type="submit" className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`} disabled={busy || disabled} data-testid="dialog-confirm" autoFocus={!danger}>
              {busy ? t('common.working') : confirmLabel}
            </button>
          }
        />
      </form>
    </Modal>
  );
}
