// Change your own password (the key slot is rewrapped in main).
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PublicSession } from '../../../contract/index.ts';
import { call, type ApiError } from '../api.ts';
import { Field } from '../components/Field.tsx';
import { Modal } from '../components/Modal.tsx';
import { passwordProblems, PasswordFields } from '../components/PasswordFields.tsx';
import { Notice } from '../components/Status.tsx';
import { useToast } from '../components/Toasts.tsx';
import { errorText } from '../errors.ts';
import { Footer } from './parts.tsx';
import { RekeyDialog } from './RekeyDialog.tsx';

/** The change-password dialog. */
export function ChangePasswordDialog({ session, onClose }: { session: PublicSession; onClose: () => void }) {
  const { t } = useTranslation();
  const toast = useToast();
  const [oldPassword, setOld] = useState('');
  const [pw, setPw] = useState('');
  const [repeat, setRepeat] = useState('');
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [changed, setChanged] = useState(false);
  const [rotating, setRotating] = useState(false);

  async function submit() {
    setTried(true);
    const p = passwordProblems(pw, repeat);
    if (p.password || p.repeat || oldPassword === '') return;
    setBusy(true);
    const r = await call('session:change-password', { oldPassword, newPassword: pw });
    setBusy(false);
    if (r.ok) {
      toast({ title: t('password.changed'), tone: 'ok' });
      setChanged(true);
    } else setError(r.error);
  }

  if (rotating) return <RekeyDialog onClose={onClose} />;
  if (changed) {
    // The old key pair is gone from the slot file, but an old copy of the file still opens the vault until a rotation.
    const admin = session.role === 'admin';
    return (
      <Modal open onOpenChange={(o) => !o && onClose()} title={t('password.changed')} testId="dialog-password-changed">
        <p>{t('password.oldCopies')}</p>
        {admin ? null : <p>{t('password.askAdmin')}</p>}
        <Footer
          left={
            admin ? (
              <button type="button" className="btn" onClick={() => setRotating(true)} data-testid="password-rotate-now">
                {t('password.rotateNow')}
              </button>
            ) : null
          }
          right={
            <button type="button" className="btn btn-primary" onClick={onClose} autoFocus data-testid="password-changed-close">
              {t('password.close')}
            </button>
          }
        />
      </Modal>
    );
  }

  const oldError = error && (error.code === 'SIGNIN_FAILED' || error.code === 'RATE_LIMITED' || error.code === 'OPERATOR_LOCKED') ? errorText(t, error) : tried && oldPassword === '' ? t('password.needOld') : undefined;
  const newError = error?.code === 'WEAK_PASSWORD' ? errorText(t, error) : undefined;
  return (
    <Modal open onOpenChange={(o) => !o && onClose()} title={t('password.changeTitle', { name: session.displayName })} testId="dialog-change-password">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Field label={t('password.old')} type="password" autoComplete="current-password" value={oldPassword} onChange={setOld} error={oldError} testId="old-password" maxLength={1024} />
        <PasswordFields password={pw} repeat={repeat} onPassword={setPw} onRepeat={setRepeat} showProblems={tried} serverError={newError} />
        {error && !oldError && !newError ? <Notice tone="bad">{errorText(t, error)}</Notice> : null}
        <Footer
          left={
            <button type="button" className="btn" onClick={onClose} data-testid="dialog-cancel">
              {t('common.cancel')}
            </button>
          }
          right={
            <button type="submit" className="btn btn-primary" disabled={busy} data-testid="change-password-submit">
              {t('password.change')}
            </button>
          }
        />
      </form>
    </Modal>
  );
}
