// "Record refused request": who called, from which number, what was asked, which checks
// failed. Recorded in the audit so an admin can filter for the pattern the next morning.
import type { TFunction } from 'i18next';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { IdentityCheck } from '../../../contract/index.ts';
import { call, type ApiError } from '../api.ts';
import { Checkbox } from '../components/Checkbox.tsx';
import { Field } from '../components/Field.tsx';
import { Modal } from '../components/Modal.tsx';
import { Notice } from '../components/Status.tsx';
import { useToast } from '../components/Toasts.tsx';
import { errorText, fieldOf } from '../errors.ts';
import { currentLang } from '../i18n.ts';
import { Footer } from './parts.tsx';
import type { IdentityErrors } from './IdentityStep.tsx';

/** What an action dialog hands over when the agent switches to a refusal. */
export interface RefusePrefill {
  requested: string;
  ticket: string;
  checks: string[];
}

/** Field errors for the identity step from an error of main, or null when it is not about them. */
export function identityErrorsOf(t: TFunction, error: ApiError): IdentityErrors | null {
  const f = fieldOf(error);
  const msg = errorText(t, error);
  if (error.code === 'CHECKS_REQUIRED' || f === 'checks') return { checks: msg };
  if (error.code === 'TICKET_REQUIRED' || f === 'ticket') return { ticket: msg };
  if (error.code === 'REASON_REQUIRED' || f === 'reason') return { reason: msg };
  return null;
}

interface Props {
  userId: number | null;
  userName: string;
  checks: IdentityCheck[];
  prefill: RefusePrefill | null;
  onClose: (recorded: boolean) => void;
}

/** The refusal form. */
export function RefuseDialog({ userId, userName, checks, prefill, onClose }: Props) {
  const { t } = useTranslation();
  const toast = useToast();
  const lang = currentLang();
  const [callerName, setCallerName] = useState(userName);
  const [callerNumber, setCallerNumber] = useState('');
  const [requested, setRequested] = useState(prefill?.requested ?? '');
  // Checks that were not met: by default every strong check (none could be done honestly).
  const [failed, setFailed] = useState<string[]>(checks.filter((c) => !prefill?.checks.includes(c.id) && c.strong).map((c) => c.id));
  const [ticket, setTicket] = useState(prefill?.ticket ?? '');
  const [notes, setNotes] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [tried, setTried] = useState(false);
  const recorded = useRef(false);

  const f = fieldOf(error);
  const local = {
    callerName: callerName.trim() === '' ? t('refuse.needCaller') : undefined,
    requested: requested.trim() === '' ? t('refuse.needRequested') : undefined,
  };

  async function submit() {
    setTried(true);
    if (local.callerName || local.requested) return;
    setBusy(true);
    const r = await call('requests:refuse', {
      userId,
      callerName: callerName.trim(),
      ...(callerNumber.trim() ? { callerNumber: callerNumber.trim() } : {}),
      requested: requested.trim(),
      failedChecks: failed,
      ticket: ticket.trim(),
      ...(notes.trim() ? { notes: notes.trim() } : {}),
    });
    setBusy(false);
    if (r.ok) {
      toast({ title: t('refuse.recorded'), tone: 'ok' });
      recorded.current = true;
      onClose(true);
    } else setError(r.error);
  }

  const errFor = (field: string) => (error && f === field ? errorText(t, error) : undefined);
  return (
    <Modal open onOpenChange={(o) => !o && onClose(false)} title={t('refuse.title', { name: userName })} description={t('refuse.intro')} testId="dialog-refuse" onClosedFocus={() => recorded.current}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="field-row">
          <Field label={t('refuse.callerName')} value={callerName} onChange={setCallerName} maxLength={200} error={(tried ? local.callerName : undefined) ?? errFor('callerName')} testId="refuse-caller" className="grow" />
          <Field label={t('refuse.callerNumber')} value={callerNumber} onChange={setCallerNumber} maxLength={64} error={errFor('callerNumber')} testId="refuse-number" inputMode="tel" />
        </div>
        <Field label={t('refuse.requested')} value={requested} onChange={setRequested} maxLength={500} error={(tried ? local.requested : undefined) ?? errFor('requested')} testId="refuse-requested" placeholder={t('refuse.requestedExample')} />
        <fieldset className="checks">
          <legend>{t('refuse.failedChecks')}</legend>
          {checks.map((c) => (
            <Checkbox
              key={c.id}
              label={c.label[lang]}
              checked={failed.includes(c.id)}
              onChange={(on) => setFailed(on ? [...failed, c.id] : failed.filter((x) => x !== c.id))}
              testId={`refuse-check-${c.id}`}
            />
          ))}
        </fieldset>
        <div className="field-row">
          <Field label={t('identity.ticket')} value={ticket} onChange={setTicket} maxLength={200} error={errFor('ticket') ?? (error?.code === 'TICKET_REQUIRED' ? errorText(t, error) : undefined)} testId="refuse-ticket" />
          <Field label={t('refuse.notes')} value={notes} onChange={setNotes} maxLength={2000} error={errFor('notes')} testId="refuse-notes" className="grow" multiline />
        </div>
        {error && !f && error.code !== 'TICKET_REQUIRED' ? <Notice tone="bad">{errorText(t, error)}</Notice> : null}
        <Footer
          left={
            <button type="button" className="btn" onClick={() => onClose(false)} data-testid="dialog-cancel">
              {t('common.cancel')}
            </button>
          }
          right={
            <button type="submit" className="btn btn-primary" disabled={busy} data-testid="refuse-submit">
              {busy ? t('common.working') : t('refuse.submit')}
            </button>
          }
        />
      </form>
    </Modal>
  );
}
