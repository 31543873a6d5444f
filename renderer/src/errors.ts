// A human message per error code and language. The message from main is English-only and
// meant for logs, so it is never shown; the code (and a few details) choose the text.
import type { TFunction } from 'i18next';
import type { CodedError, PasswordProblem } from '../../contract/index.ts';
import type { ApiError } from './api.ts';
import { dateTime } from './format.ts';

/** The form field an error belongs to, when main said so. */
export function fieldOf(error: ApiError | null | undefined): string | undefined {
  const f = error?.details?.['field'];
  return typeof f === 'string' ? f : undefined;
}

/** The message key per refused-password reason (typed by the contract, so none is missed). */
const WEAK: Record<PasswordProblem, string> = {
  'too-short': 'errors.weak.short',
  'too-long': 'errors.weak.long',
  common: 'errors.weak.common',
  repetitive: 'errors.weak.pattern',
  sequential: 'errors.weak.pattern',
  name: 'errors.weak.name',
};

/** The message for an error in the UI language, using details (seconds, until, problem) where known. */
export function errorText(t: TFunction, shown: ApiError | CodedError, context: { name?: string } = {}): string {
  // A CodedError (job report, vault status) is an ApiError without details; TypeScript cannot
  // see that for a union of 29 codes, hence the cast.
  const error = shown as ApiError;
  switch (error.code) {
    case 'RATE_LIMITED': {
      const seconds = error.details?.seconds;
      return typeof seconds === 'number' ? t('errors.RATE_LIMITED', { seconds: Math.max(1, Math.ceil(seconds)) }) : t('errors.RATE_LIMITED_plain');
    }
    case 'APPROVAL_REQUIRED': {
      const limit = error.details?.limit;
      const window = error.details?.window;
      return typeof limit === 'number' && (window === 'hour' || window === 'day') ? t('errors.APPROVAL_REQUIRED', { limit, window: t(`errors.window.${window}`) }) : t('errors.APPROVAL_REQUIRED_plain');
    }
    case 'APPROVAL_PENDING': {
      const id = error.details?.approvalId;
      const runnableAt = error.details?.runnableAt;
      const expiresAt = error.details?.expiresAt;
      if (typeof id !== 'number') return t('errors.APPROVAL_PENDING_plain');
      if (error.details?.status === 'cooling' && typeof runnableAt === 'number') return t('errors.APPROVAL_PENDING_cooling', { id, from: dateTime(runnableAt) });
      return typeof expiresAt === 'number' ? t('errors.APPROVAL_PENDING', { id, until: dateTime(expiresAt) }) : t('errors.APPROVAL_PENDING_plain');
    }
    case 'OPERATOR_LOCKED': {
      const until = error.details?.until;
      return typeof until === 'number' && Number.isFinite(until) ? t('errors.OPERATOR_LOCKED', { until: dateTime(until) }) : t('errors.OPERATOR_LOCKED_plain');
    }
    case 'WEAK_PASSWORD': {
      const problem = error.details?.problem;
      const key = problem !== undefined && Object.hasOwn(WEAK, problem) ? WEAK[problem] : undefined;
      return key ? t(key) : t('errors.WEAK_PASSWORD');
    }
    case 'CONFLICT':
      return error.details?.reason === 'other-vault' ? t('errors.CONFLICT_otherVault') : t('errors.CONFLICT');
    case 'CODE_REJECTED':
      return t('errors.CODE_REJECTED', { name: context.name ?? t('errors.theUser') });
    case 'USER_LOCKED':
      return t('errors.USER_LOCKED', { name: context.name ?? t('errors.theUser') });
    default:
      return t(`errors.${error.code}`, { defaultValue: t('errors.INTERNAL') });
  }
}
