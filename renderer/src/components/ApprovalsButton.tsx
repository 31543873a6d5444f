// Two-person approval in the top bar: shown while there are live requests (admins: every one;
// agents: their own). The dialog lists them; an admin approves or rejects another operator's
// (a rejection needs a reason); the requester runs an approved one ("Run now"), which is when
// the code, backup codes or QR is made, shown here once.
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApprovalRunView, ApprovalView, PublicSession } from '../../../contract/index.ts';
import { call } from '../api.ts';
import { Modal } from './Modal.tsx';
import { SecretDisplay } from './SecretDisplay.tsx';
import { dateTime } from '../format.ts';
import { actionLabel } from '../audit-labels.ts';
import { errorText } from '../errors.ts';
import { svgDataUrl } from '../dialogs/EnrollmentStep.tsx';
import { currentLang } from '../i18n.ts';

const POLL_MS = 20_000;

/** The button and its dialog; `refresh` changes whenever the workspace may have asked for one. */
export function ApprovalsButton({ session, refresh }: { session: PublicSession; refresh: unknown }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [approvals, setApprovals] = useState<ApprovalView[]>([]);
  const [waiting, setWaiting] = useState(0);
  const [failed, setFailed] = useState<string | null>(null);
  const [reasons, setReasons] = useState<Record<number, string>>({});
  const [ran, setRan] = useState<{ approval: ApprovalView; result: ApprovalRunView } | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const isAdmin = session.role === 'admin';

  const load = useCallback(async () => {
    const r = await call('approvals:list', {});
    if (r.ok) {
      setApprovals(r.value.approvals);
      setWaiting(r.value.waiting);
    }
  }, []);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(timer);
  }, [load, refresh, open]);

  const act = async (id: number, what: 'approve' | 'reject' | 'run') => {
    setFailed(null);
    if (what === 'reject' && !(reasons[id] ?? '').trim()) {
      setFailed(t('approvals.reasonNeeded'));
      return;
    }
    setBusy(id);
    try {
      if (what === 'run') {
        const approval = approvals.find((a) => a.id === id)!;
        const r = await call('approvals:run', { id });
        if (r.ok) setRan({ approval, result: r.value });
        else setFailed(errorText(t, r.error));
      } else {
        const r = what === 'approve' ? await call('approvals:approve', { id }) : await call('approvals:reject', { id, reason: reasons[id]!.trim() });
        if (!r.ok) setFailed(errorText(t, r.error));
      }
    } finally {
      setBusy(null);
      await load();
    }
  };

  if (approvals.length === 0 && !open) return null;
  const now = Date.now();
  const runnable = (a: ApprovalView) => a.requesterId === session.operatorId && (a.status === 'approved' || (a.status === 'cooling' && a.runnableAt !== null && now >= a.runnableAt));
  const decidable = (a: ApprovalView) => isAdmin && a.requesterId !== session.operatorId && (a.status === 'pending' || a.status === 'cooling');

  return (
    <>
      <button type="button" className={`btn btn-alerts btn-approvals${waiting > 0 ? ' has-alerts' : ''}`} onClick={() => setOpen(true)} data-testid="approvals-button" aria-label={t('approvals.button', { count: waiting })}>
        <span className="alerts-label">{t('approvals.short')}</span> <span className="tab-badge" data-testid="approvals-count">{waiting}</span>
      </button>
      {open ? (
        <Modal
          open={open}
          onOpenChange={(o) => {
            setOpen(o);
            if (!o) setRan(null);
          }}
          title={t('approvals.title')}
          description={isAdmin ? t('approvals.descriptionAdmin') : t('approvals.descriptionAgent')}
          testId="approvals-dialog"
          wide
        >
          {failed ? (
            <p role="alert" data-testid="approvals-error">
              {failed}
            </p>
          ) : null}
          {ran ? <RunResult ran={ran} /> : null}
          {approvals.length === 0 ? (
            <p data-testid="approvals-empty">{t('approvals.none')}</p>
          ) : (
            <ul className="alerts-list">
              {approvals.map((a) => (
                <li key={a.id} data-testid={`approval-${a.id}`}>
                  <strong>{actionLabel(a.action)}</strong> — {a.userEmail} — {t('approvals.askedBy', { name: a.requester, when: dateTime(a.createdAt) })} —{' '}
                  <span data-testid={`approval-status-${a.id}`}>{t(`approvals.status.${a.status}`)}</span>
                  <br />
                  {t('approvals.why')}: {a.triggers.map((w) => t(`approvals.trigger.${w}`)).join(', ')}. {t('approvals.ticket')}: {a.ticket}. {t('approvals.reason')}: {a.reason}.{' '}
                  {a.status === 'cooling' && a.runnableAt !== null ? t('approvals.runsFrom', { when: dateTime(a.runnableAt) }) : t('approvals.expires', { when: dateTime(a.expiresAt) })}
                  {a.decidedBy ? ` ${t('approvals.decidedBy', { name: a.decidedBy })}` : ''}
                  <div className="approval-actions">
                    {decidable(a) ? (
                      <>
                        <button type="button" className="btn btn-primary" disabled={busy !== null} onClick={() => void act(a.id, 'approve')} data-testid={`approval-approve-${a.id}`}>
                          {t('approvals.approve')}
                        </button>
                        <label>
                          {t('approvals.rejectReason')}{' '}
                          <input type="text" maxLength={500} value={reasons[a.id] ?? ''} onChange={(e) => setReasons({ ...reasons, [a.id]: e.target.value })} data-testid={`approval-reason-${a.id}`} />
                        </label>
                        <button type="button" className="btn" disabled={busy !== null} onClick={() => void act(a.id, 'reject')} data-testid={`approval-reject-${a.id}`}>
                          {t('approvals.reject')}
                        </button>
                      </>
                    ) : null}
                    {runnable(a) ? (
                      <button type="button" className="btn btn-primary" disabled={busy !== null} onClick={() => void act(a.id, 'run')} data-testid={`approval-run-${a.id}`}>
                        {t('approvals.run')}
                      </button>
                    ) : null}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </Modal>
      ) : null}
    </>
  );
}

/** What a run made, shown once: the code, the backup codes, or the QR and key of the new enrollment. */
function RunResult({ ran }: { ran: { approval: ApprovalView; result: ApprovalRunView } }) {
  const { t } = useTranslation();
  const { approval, result } = ran;
  const [printed, setPrinted] = useState<string | null>(null);
  const who = approval.userEmail;
  if (result.oneTimeCode) {
    return <SecretDisplay values={[result.oneTimeCode.code]} label={t('approvals.result.code')} printTitle={t('approvals.result.codeFor', { who })} printNote={dateTime(result.oneTimeCode.expiresAt)} testId="approval-result" />;
  }
  if (result.lostPhone) {
    const lp = result.lostPhone;
    const e = lp.enrollment;
    return (
      <div data-testid="approval-result">
        <SecretDisplay values={[lp.oneTimeCode.code]} label={t('approvals.result.code')} printTitle={t('approvals.result.codeFor', { who })} printNote={dateTime(lp.oneTimeCode.expiresAt)} testId="approval-code" />
        {e.mode === 'agent' ? (
          <>
            <img src={svgDataUrl(e.qrSvg)} alt={t('approvals.result.qrAlt', { who })} width={220} height={220} data-testid="approval-qr" />
            <SecretDisplay values={[e.key]} label={t('approvals.result.key')} printTitle={t('approvals.result.keyFor', { who })} testId="approval-key" />
            <p>{t('approvals.result.deadline', { when: dateTime(e.deadline) })}</p>
          </>
        ) : (
          <SecretDisplay values={[e.code]} label={t('approvals.result.enrollmentCode')} printTitle={t('approvals.result.enrollmentCodeFor', { who })} printNote={e.pagePath} testId="approval-enrollment-code" />
        )}
      </div>
    );
  }
  if (result.backupCodes) return <SecretDisplay values={result.backupCodes.codes} label={t('approvals.result.backup')} printTitle={t('approvals.result.backupFor', { who })} testId="approval-result" />;
  if (result.enrollment) {
    const e = result.enrollment;
    const print = async () => {
      const r = await call('enrollment:print-sheet', { userId: result.userId, enrollmentId: e.enrollmentId, mode: 'print', language: currentLang() });
      setPrinted(r.ok ? t('approvals.result.printed') : errorText(t, r.error));
    };
    return (
      <div data-testid="approval-result">
        <img src={svgDataUrl(e.qrSvg)} alt={t('approvals.result.qrAlt', { who })} width={220} height={220} data-testid="approval-qr" />
        <SecretDisplay values={[e.key]} label={t('approvals.result.key')} printTitle={t('approvals.result.keyFor', { who })} testId="approval-key" />
        {e.backupCodes ? <SecretDisplay values={e.backupCodes} label={t('approvals.result.backup')} printTitle={t('approvals.result.backupFor', { who })} testId="approval-backup" /> : null}
        <p>{t('approvals.result.deadline', { when: dateTime(e.deadline) })}</p>
        <button type="button" className="btn" onClick={() => void print()} data-testid="approval-print-sheet">
          {t('approvals.result.print')}
        </button>
        {printed ? <p role="status">{printed}</p> : null}
      </div>
    );
  }
  return (
    <p role="status" data-testid="approval-result">
      {t('approvals.result.done')}
    </p>
  );
}
