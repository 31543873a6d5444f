// Banners above everything: "Locking in 30 s" (idle) and the clock-went-back warning. The idle
// warning is portalled to <body> above the modal overlay: it must be seen while a dialog is open.
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import type { Events } from '../../../contract/index.ts';
import { dateTime } from '../format.ts';
import { Icon } from './Icon.tsx';

/** The idle warning while main's warning window runs (`left` seconds to the lock). */
export function IdleBanner({ left }: { left: number | null }) {
  const { t } = useTranslation();
  if (left === null) return null;
  return createPortal(
    <div className="banner banner-warn banner-float" role="alert" data-testid="idle-warning">
      <Icon name="clock" />
      <span>{t('idle.warning', { seconds: left })}</span>
    </div>,
    document.body,
  );
}

/** The clock is earlier than the latest time the vault recorded. */
export function ClockBanner({ warning, onDismiss }: { warning: Events['clock:warning']; onDismiss: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="banner banner-bad" role="alert" data-testid="clock-warning">
      <Icon name="warning" />
      <span>{t('clock.warning', { now: dateTime(warning.now), latest: dateTime(warning.latestRecorded) })}</span>
      <button type="button" className="btn btn-small" onClick={onDismiss}>
        {t('common.dismiss')}
      </button>
    </div>
  );
}

/** The session can only read (a read-only vault folder, a full disk): shown for as long as it lasts. */
export function ReadOnlyBanner({ reason }: { reason: 'folder' | 'disk-full' | null | undefined }) {
  const { t } = useTranslation();
  if (!reason) return null;
  return (
    <div className="banner banner-warn" role="status" data-testid="read-only-warning">
      <Icon name="warning" />
      <span>{t(reason === 'disk-full' ? 'readOnly.disk-full' : 'readOnly.folder')}</span>
    </div>
  );
}
