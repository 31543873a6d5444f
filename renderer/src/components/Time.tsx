// A time as people say it ("2 d ago", "3 Mar"), with the exact time one hover or one Tab away:
// it is in the page (read with the time by screen readers) and shows on hover and on focus,
// never only in a title tooltip (which keyboard and touch users cannot open).
import { useId, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { exactTime } from '../format.ts';

/** `children` is the spoken form; the exact time of `at` goes into the tip. */
export function Time({ at, children }: { at: number; children: ReactNode }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <span className="time-tip">
      <time dateTime={new Date(at).toISOString()} tabIndex={0} aria-describedby={id}>
        {children}
      </time>
      <span role="tooltip" id={id} className="tip">
        {t('time.exact', { at: exactTime(at) })}
      </span>
    </span>
  );
}
