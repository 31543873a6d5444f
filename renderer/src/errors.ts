// A human message per error code and language. The message from main is English-only and
// meant for logs, so it is never shown; the code (and a few details) choose the text.
import type { TFunction } from 'i18next';
import type { ApiError } from './api.ts';
import { dateTime } from './format.ts';

/** The form field an error belongs to, when main said so. */
export function fieldOf(error: ApiError | null | undefined): string | undefined {
  const f = error?.details?.['field'];
  return typeof f === 'string' ? f : undefined;
}

const WEAK: Array<[RegExp, string]> = [
  [/at least/, 'errors.weak.short'],
  [/at most/, 'errors.weak.long'],
  [/common/, 'errors.weak.common'],
  [/repetitive|sequential/, 'errors.weak.pattern'],
  [/name/, 'errors.weak.name'],
];

/** The message for an error in the UI language, using details (seconds, until, problem) where known. */
export function errorText(t: TFunction, error: ApiError, context: { name?: string } = {}): string {
  const d = error.details ?? {};
  switch (error.code) {
    case 'RATE_LIMITED': {
      const s = typeof d['seconds'] === 'number' ? Math.max(1, Math.ceil(d['seconds'])) : null;
      return s === null ? t('errors.RATE_LIMITED_plain') : t('errors.RATE_LIMITED', { seconds: s });
    }
    case 'OPERATOR_LOCKED': {
      const until = typeof d['until'] === 'number' ? d['until'] : typeof d['until'] === 'string' ? Date.parse(d['until']) : NaN;
      return Number.isFinite(until) ? t('errors.OPERATOR_LOCKED', { until: dateTime(until) }) : t('errors.OPERATOR_LOCKED_plain');
    }
    case 'WEAK_PASSWORD': {
      const problem = typeof d['problem'] === 'string' ? d['problem'] : '';
      const hit = WEAK.find(([re]) => re.test(problem));
      return hit ? t(hit[1]) : t('errors.WEAK_PASSWORD');
    }
    case 'CODE_REJECTED':
      return t('errors.CODE_REJECTED', { name: context.name ?? t('errors.theUser') });
    case 'USER_LOCKED':
      return t('errors.USER_LOCKED', { name: context.name ?? t('errors.theUser') });
    default:
      return t(`errors.${error.code}`, { defaultValue: t('errors.INTERNAL') });
  }
}
