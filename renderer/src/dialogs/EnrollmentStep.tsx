// Re-enrollment step 3: the QR, the typed key behind "Read the key aloud" (an audited reveal),
// the printed sheet, backup codes if issued (folded away: on the phone they are not read out,
// in person they are on page 2 of the sheet), and "Regenerate" (voids what is shown).
// "Read the key aloud" has the focus when the step opens (the phone call is the common case);
// once the key shows, the focus moves to "Next" so Enter goes on to the confirmation.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { IssuedEnrollment } from '../../../contract/index.ts';
import { call } from '../api.ts';
import { Icon } from '../components/Icon.tsx';
import { SecretDisplay } from '../components/SecretDisplay.tsx';
import { Notice } from '../components/Status.tsx';
import { errorText } from '../errors.ts';
import { dateTime } from '../format.ts';
import { currentLang } from '../i18n.ts';

/** The SVG from main as a data: URL for an <img> (never inserted as markup). */
export function svgDataUrl(svg: string): string {
  const utf8 = new TextEncoder().encode(svg);
  let bin = '';
  for (const b of utf8) bin += String.fromCharCode(b);
  return `data:image/svg+xml;base64,${btoa(bin)}`;
}

interface Props {
  userId: number;
  name: string;
  issued: IssuedEnrollment;
  backupCodes: string[] | null;
  onRegenerate: () => Promise<boolean>;
  /** Moves the focus to the step's "Next" (after the key is shown). */
  onRevealed: () => void;
}

/** The set-up material for the new phone. */
export function EnrollmentStep({ userId, name, issued, backupCodes, onRegenerate, onRevealed }: Props) {
  const { t } = useTranslation();
  const [revealed, setRevealed] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // What happened to the sheet, said here (a toast would wait until the dialog closes).
  const [sheetNote, setSheetNote] = useState<string | null>(null);
  const [askRegenerate, setAskRegenerate] = useState(false);
  const [showCodes, setShowCodes] = useState(false);

  async function reveal() {
    setBusy('reveal');
    const r = await call('enrollment:reveal-key', { userId, enrollmentId: issued.enrollmentId });
    setBusy(null);
    if (r.ok) {
      setError(null);
      setRevealed(true);
      window.setTimeout(onRevealed, 0);
    } else setError(errorText(t, r.error));
  }

  async function sheet(mode: 'print' | 'pdf') {
    setBusy(mode);
    // A note from an earlier sheet must not stand for this one (a cancelled dialog says nothing).
    setSheetNote(null);
    const r = await call('enrollment:print-sheet', { userId, enrollmentId: issued.enrollmentId, mode, language: currentLang() });
    setBusy(null);
    if (!r.ok) return setError(errorText(t, r.error));
    setError(null);
    if (mode === 'pdf' && r.value.file) setSheetNote(t('enroll.pdfSavedAt', { file: r.value.file }));
    else if (mode === 'print' && r.value.done) setSheetNote(t('enroll.printed'));
  }

  async function regenerate() {
    setBusy('regenerate');
    const ok = await onRegenerate();
    setBusy(null);
    setAskRegenerate(false);
    if (ok) setRevealed(false);
  }

  return (
    <div className="enroll">
      <div className="enroll-grid">
        <figure className="qr-frame">
          <img src={svgDataUrl(issued.qrSvg)} alt={t('enroll.qrAlt', { name })} data-testid="enrollment-qr" width={220} height={220} />
          <figcaption>{t('enroll.scan')}</figcaption>
        </figure>
        <div className="enroll-side">
          <p>
            <Icon name="clock" /> {t('enroll.deadline', { at: dateTime(issued.deadline) })}
          </p>
          <p className="muted">{t('enroll.sheetId', { id: issued.sheetId })}</p>
          <div className="button-row">
            <button type="button" className="btn" onClick={() => void sheet('print')} disabled={busy !== null} data-testid="print-sheet">
              <Icon name="print" /> {t('enroll.printSheet')}
            </button>
            <button type="button" className="btn" onClick={() => void sheet('pdf')} disabled={busy !== null} data-testid="save-sheet-pdf">
              <Icon name="download" /> {t('enroll.savePdf')}
            </button>
          </div>
          {sheetNote ? (
            <Notice tone="ok" testId="sheet-note">
              {sheetNote}
            </Notice>
          ) : null}
          {revealed ? (
            <SecretDisplay values={[issued.key]} label={t('enroll.keyLabel')} printTitle={t('enroll.keyPrintTitle', { name })} testId="typed-key" />
          ) : (
            <div>
              <button type="button" className="btn btn-primary" onClick={() => void reveal()} disabled={busy !== null} data-testid="reveal-key" autoFocus>
                <Icon name="phone" /> {t('enroll.reveal')}
              </button>
              <p className="muted">{t('enroll.revealNote')}</p>
            </div>
          )}
        </div>
      </div>
      {backupCodes && backupCodes.length > 0 ? (
        <div className="codes-fold">
          <button type="button" className="btn" aria-expanded={showCodes} aria-controls="enroll-codes" onClick={() => setShowCodes(!showCodes)} data-testid="toggle-backup-codes">
            <Icon name={showCodes ? 'chevron' : 'list'} />
            {showCodes ? t('enroll.hideCodes') : t('enroll.showCodes', { count: backupCodes.length, n: backupCodes.length })}
          </button>
          <div id="enroll-codes" hidden={!showCodes}>
            {showCodes ? (
              <SecretDisplay values={backupCodes} label={t('backup.label', { n: backupCodes.length })} printTitle={t('backup.printTitle', { name })} printNote={t('backup.printNote')} testId="enroll-backup-codes" compactCopy={false} />
            ) : null}
          </div>
        </div>
      ) : null}
      {error ? <Notice tone="bad">{error}</Notice> : null}
      <div className="regenerate">
        {askRegenerate ? (
          <div className="close-confirm" role="alertdialog" aria-labelledby="regen-q">
            <p id="regen-q">
              <Icon name="warning" /> {t('enroll.regenerateQuestion')}
            </p>
            <div className="close-confirm-buttons">
              <button type="button" className="btn" onClick={() => setAskRegenerate(false)} data-testid="regenerate-no" autoFocus>
                {t('common.no')}
              </button>
              <button type="button" className="btn btn-danger" onClick={() => void regenerate()} disabled={busy !== null} data-testid="regenerate-yes">
                {t('enroll.regenerateYes')}
              </button>
            </div>
          </div>
        ) : (
          <button type="button" className="btn btn-ghost" onClick={() => setAskRegenerate(true)} disabled={busy !== null} data-testid="regenerate">
            <Icon name="refresh" /> {t('enroll.regenerate')}
          </button>
        )}
      </div>
    </div>
  );
}
