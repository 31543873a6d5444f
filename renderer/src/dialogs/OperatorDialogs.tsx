// Add an operator, reset an operator's password.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OperatorView } from '../../../contract/index.ts';
import { call, type ApiError } from '../api.ts';
import { Field } from '../components/Field.tsx';
import { Modal } from '../components/Modal.tsx';
import { passwordProblems, PasswordFields } from '../components/PasswordFields.tsx';
import { Notice } from '../components/Status.tsx';
import { errorText, fieldOf } from '../errors.ts';
import { Footer } from './parts.tsx';

/** The add-operator form. */
export function AddOperatorDialog({ onClose }: { onClose: (added: OperatorView | null) => void }) {
  const { t } = useTranslation();
  const [f, setF] = useState({ name: '', displayName: '', email: '', userEmail: '', role: 'agent' as 'agent' | 'admin' });
  const [pw, setPw] = useState('');
  const [repeat, setRepeat] = useState('');
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const need = (v: string) => (tried && v.trim() === '' ? t('common.required') : undefined);
  const serverFor = (field: string) => (error && fieldOf(error) === field ? errorText(t, error) : undefined);

  async function submit() {
    setTried(true);
    const p = passwordProblems(pw, repeat);
    if (!f.name.trim() || !f.displayName.trim() || p.password || p.repeat) return;
    setBusy(true);
    const r = await call('operators:add', { name: f.name.trim(), displayName: f.displayName.trim(), role: f.role, password: pw, ...(f.email.trim() ? { email: f.email.trim() } : {}), ...(f.userEmail.trim() ? { userEmail: f.userEmail.trim() } : {}) });
    setBusy(false);
    if (r.ok) onClose(r.value);
    else setError(r.error);
  }
  const generalError = error && !fieldOf(error) && error.code !== 'WEAK_PASSWORD';
  return (
    <Modal open onOpenChange={(o) => !o && onClose(null)} title={t('operators.addTitle')} testId="dialog-add-operator">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="field-row">
          <Field label={t('operators.name')} hint={t('operators.nameHint')} value={f.name} onChange={(name) => setF({ ...f, name })} error={need(f.name) ?? serverFor('name') ?? (error?.code === 'CONFLICT' ? errorText(t, error) : undefined)} maxLength={64} autoComplete="off" testId="op-name" />
          <Field label={t('operators.displayName')} value={f.displayName} onChange={(displayName) => setF({ ...f, displayName })} error={need(f.displayName) ?? serverFor('displayName')} maxLength={128} testId="op-display-name" />
        </div>
        <div className="field-row">
          <Field label={t('operators.emailOptional')} type="email" value={f.email} onChange={(email) => setF({ ...f, email })} error={serverFor('email')} maxLength={254} testId="op-email" className="grow" />
          <Field label={t('operators.userEmail')} hint={t('operators.userEmailHint')} type="email" value={f.userEmail} onChange={(userEmail) => setF({ ...f, userEmail })} error={serverFor('userEmail')} maxLength={254} testId="op-user-email" className="grow" />
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="op-role">{t('operators.role')}</label>
            <select id="op-role" value={f.role} onChange={(e) => setF({ ...f, role: e.target.value as 'agent' | 'admin' })} data-testid="op-role">
              <option value="agent">{t('role.agent')}</option>
              <option value="admin">{t('role.admin')}</option>
            </select>
          </div>
        </div>
        <PasswordFields password={pw} repeat={repeat} onPassword={setPw} onRepeat={setRepeat} showProblems={tried} serverError={error?.code === 'WEAK_PASSWORD' ? errorText(t, error) : serverFor('password')} label={t('operators.firstPassword')} />
        {generalError && error.code !== 'CONFLICT' ? <Notice tone="bad">{errorText(t, error)}</Notice> : null}
        <Footer
          left={
            <button type="button" className="btn" onClick={() => onClose(null)} data-testid="dialog-cancel">
              {t('common.cancel')}
            </button>
          }
          right={
            <button type="submit" className="btn btn-primary" disabled={busy} data-testid="op-add-submit">
              {t('operators.add')}
            </button>
          }
        />
      </form>
    </Modal>
  );
}

/** Links an operator to their own directory user (or unlinks them with an empty address). */
export function LinkUserDialog({ op, onClose }: { op: OperatorView; onClose: (changed: OperatorView | null) => void }) {
  const { t } = useTranslation();
  const [userEmail, setUserEmail] = useState(op.userEmail ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  async function submit() {
    setBusy(true);
    const r = await call('operators:update', { operatorId: op.id, userEmail: userEmail.trim() === '' ? null : userEmail.trim() });
    setBusy(false);
    if (r.ok) onClose(r.value);
    else setError(r.error);
  }
  return (
    <Modal open onOpenChange={(o) => !o && onClose(null)} title={t('operators.linkTitle', { name: op.displayName })} description={t('operators.userEmailHint')} testId="dialog-link-user">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Field label={t('operators.userEmail')} type="email" value={userEmail} onChange={setUserEmail} error={error ? errorText(t, error) : undefined} maxLength={254} testId="op-link-email" />
        <Footer
          left={
            <button type="button" className="btn" onClick={() => onClose(null)} data-testid="dialog-cancel">
              {t('common.cancel')}
            </button>
          }
          right={
            <button type="submit" className="btn btn-primary" disabled={busy} data-testid="op-link-submit">
              {t('operators.link')}
            </button>
          }
        />
      </form>
    </Modal>
  );
}

/** Sets a new password for another operator (they should change it at next sign-in). */
export function ResetPasswordDialog({ op, onClose }: { op: OperatorView; onClose: (done: boolean) => void }) {
  const { t } = useTranslation();
  const [pw, setPw] = useState('');
  const [repeat, setRepeat] = useState('');
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  async function submit() {
    setTried(true);
    const p = passwordProblems(pw, repeat);
    if (p.password || p.repeat) return;
    setBusy(true);
    const r = await call('operators:reset-password', { operatorId: op.id, password: pw });
    setBusy(false);
    if (r.ok) onClose(true);
    else setError(r.error);
  }
  return (
    <Modal open onOpenChange={(o) => !o && onClose(false)} title={t('operators.resetTitle', { name: op.displayName })} description={t('operators.resetIntro')} testId="dialog-reset-password">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <PasswordFields password={pw} repeat={repeat} onPassword={setPw} onRepeat={setRepeat} showProblems={tried} serverError={error?.code === 'WEAK_PASSWORD' ? errorText(t, error) : undefined} />
        {error && error.code !== 'WEAK_PASSWORD' ? <Notice tone="bad">{errorText(t, error)}</Notice> : null}
        <Footer
          left={
            <button type="button" className="btn" onClick={() => onClose(false)} data-testid="dialog-cancel">
              {t('common.cancel')}
            </button>
          }
          right={
            <button type="submit" className="btn btn-primary" disabled={busy} data-testid="reset-password-submit">
              {t('operators.resetPassword')}
            </button>
          }
        />
      </form>
    </Modal>
  );
}
