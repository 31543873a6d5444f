// Banners above everything: "Locking in 30 s" (idle) and the clock-went-back warning.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Events } from '../../../contract/index.ts';
import { useEvent } from '../api.ts';
import { reportActivity } from '../activity.ts';
import { dateTime } from '../format.ts';
import { Icon } from './Icon.tsx';

/** Counts down from main's idle warning; hides on any input (main sees the same input). */
export function IdleBanner() {
  const { t } = useTranslation();
  const [left, setLeft] = useState<number | null>(null);
  useEvent('idle:warning', (d) => setLeft(Math.max(0, Math.round(d.secondsLeft))));

  useEffect(() => {
    if (left === null || left <= 0) return undefined;
    const id = window.setTimeout(() => setLeft((s) => (s === null ? null : Math.max(0, s - 1))), 1000);
    return () => window.clearTimeout(id);
  }, [left]);

  const showing = left !== null;
  useEffect(() => {
    if (!showing) return undefined;
    const shownAt = Date.now();
    const stay = () => {
      if (Date.now() - shownAt > 300) {
        reportActivity(true);
        setLeft(null);
      }
    };
    const events = ['keydown', 'mousemove', 'pointerdown', 'wheel'] as const;
    for (const e of events) window.addEventListener(e, stay, { capture: true, passive: true });
    return () => {
      for (const e of events) window.removeEventListener(e, stay, { capture: true });
    };
  }, [showing]);

  if (left === null) return null;
  return (
    <div className="banner banner-warn" role="alert" data-testid="idle-warning">
      <Icon name="clock" />
      <span>{t('idle.warning', { seconds: left })}</span>
    </div>
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
