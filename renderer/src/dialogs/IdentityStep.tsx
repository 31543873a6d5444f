// Step 1 of every action: "Who is calling?" — the identity checks done, a ticket and a reason.
// Next stays disabled until one STRONG check is ticked and ticket and reason are filled; a weak
// check alone (a request from the address on record) is explained and a refusal offered.
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { IdentityCheck, ReasonPreset } from '../../../contract/index.ts';
import { Checkbox } from '../components/Checkbox.tsx';
import { CopyButton } from '../components/CopyButton.tsx';
import { Field } from '../components/Field.tsx';
import { Icon } from '../components/Icon.tsx';
import { Notice } from '../components/Status.tsx';
import { phoneForDialling, phoneForReading } from '../format.ts';
import { currentLang } from '../i18n.ts';
import { Footer, NextButton } from './parts.tsx';

export interface Identity {
  checks: string[];
  ticket: string;
  reason: string;
}

export const EMPTY_IDENTITY: Identity = { checks: [], ticket: '', reason: '' };

/** Field errors from main, by field. */
export type IdentityErrors = Partial<Record<'checks' | 'ticket' | 'reason', string>>;

/** Whether the policy is met, and whether only weak checks are ticked. */
export function identityState(v: Identity, checks: IdentityCheck[]): { strong: boolean; weakOnly: boolean; ready: boolean } {
  const ticked = checks.filter((c) => v.checks.includes(c.id));
  const strong = ticked.some((c) => c.strong);
  const weakOnly = ticked.length > 0 && !strong;
  return { strong, weakOnly, ready: strong && v.ticket.trim() !== '' && v.reason.trim() !== '' };
}

interface Props {
  value: Identity;
  onChange: (v: Identity) => void;
  checks: IdentityCheck[];
  errors: IdentityErrors;
  onNext: () => void;
  onCancel: () => void;
  onRefuse: () => void;
  /** The user's number in the directory (for the call-back), if any. */
  phone?: string | null;
  /** Reasons to pick instead of typing (settings); picking one fills the reason field. */
  presets?: ReasonPreset[];
}

/** The check that the call-back number belongs to. */
const CALLBACK = 'callback';

/**
 * The identity step, as a form. Enter goes to the next step when the policy is met; until then
 * Enter (also on a check box) moves to the first thing still missing — never past the step.
 */
export function IdentityStep({ value, onChange, checks, errors, onNext, onCancel, onRefuse, phone, presets = [] }: Props) {
  const { t } = useTranslation();
  const lang = currentLang();
  const formRef = useRef<HTMLFormElement>(null);
  const st = identityState(value, checks);
  const missing: string[] = [];
  if (!st.strong) missing.push(t('identity.missingStrong'));
  if (value.ticket.trim() === '') missing.push(t('identity.missingTicket'));
  if (value.reason.trim() === '') missing.push(t('identity.missingReason'));

  const toggle = (id: string, on: boolean) =>
    onChange({ ...value, checks: on ? [...value.checks.filter((c) => c !== id), id] : value.checks.filter((c) => c !== id) });

  /** Focus on the first thing still missing: a strong check, the ticket, the reason. */
  const toMissing = () => {
    const f = formRef.current;
    if (!f) return;
    const el = !st.strong
      ? f.querySelector<HTMLElement>('[role="checkbox"]')
      : value.ticket.trim() === ''
        ? f.querySelector<HTMLElement>('[data-testid="identity-ticket"]')
        : f.querySelector<HTMLElement>('[data-testid="identity-reason"]');
    el?.focus();
  };
  const go = () => (st.ready ? onNext() : toMissing());

  const callbackNumber = phone ? (
    <div className="callback-number" data-testid="callback-number">
      <Icon name="phone" />
      <span>{t('identity.callbackNumber')}</span>
      <strong className="mono phone-number" data-testid="callback-number-value">
        {phoneForReading(phone)}
      </strong>
      <CopyButton text={phoneForDialling(phone)} label={t('identity.copyNumber')} testId="callback-copy" small />
    </div>
  ) : (
    <div className="callback-number muted" data-testid="callback-number">
      <Icon name="phone" /> {t('identity.noCallbackNumber')}
    </div>
  );
  const hasCallback = checks.some((c) => c.id === CALLBACK);

  return (
    <form
      ref={formRef}
      onSubmit={(e) => {
        e.preventDefault();
        go();
      }}
      onKeyDown={(e) => {
        // A check box swallows Enter (as ARIA says it should): here it means "on to the next thing".
        if (e.key === 'Enter' && !e.altKey && !e.ctrlKey && !e.metaKey && (e.target as HTMLElement).getAttribute('role') === 'checkbox') {
          e.preventDefault();
          go();
        }
      }}
    >
      {hasCallback ? null : callbackNumber}
      <fieldset className="checks" aria-describedby={errors.checks ? 'identity-checks-err' : undefined}>
        <legend>{t('identity.checksLegend')}</legend>
        {checks.map((c) => (
          <div key={c.id} className={c.id === CALLBACK ? 'check-with-number' : undefined}>
            <Checkbox
              label={c.label[lang]}
              checked={value.checks.includes(c.id)}
              onChange={(on) => toggle(c.id, on)}
              note={c.strong ? undefined : t('identity.weakNote')}
              testId={`check-${c.id}`}
            />
            {c.id === CALLBACK ? callbackNumber : null}
          </div>
        ))}
        {errors.checks ? (
          <div className="field-error" id="identity-checks-err" role="alert">
            {errors.checks}
          </div>
        ) : null}
      </fieldset>
      {st.weakOnly ? (
        <Notice tone="warn" testId="weak-only">
          <p>{t('identity.weakOnly')}</p>
          <button type="button" className="btn btn-danger-outline" onClick={onRefuse} data-testid="weak-only-refuse">
            {t('identity.recordRefused')}
          </button>
        </Notice>
      ) : null}
      <div className="field-row">
        <Field label={t('identity.ticket')} value={value.ticket} onChange={(ticket) => onChange({ ...value, ticket })} maxLength={200} error={errors.ticket} testId="identity-ticket" placeholder="HD-20391" />
        <Field label={t('identity.reason')} value={value.reason} onChange={(reason) => onChange({ ...value, reason })} maxLength={500} error={errors.reason} testId="identity-reason" placeholder={t('identity.reasonExample')} className="grow" />
      </div>
      {presets.length > 0 ? (
        <div className="reason-presets" role="group" aria-label={t('identity.reasonPresets')} data-testid="reason-presets">
          {presets.map((p, i) => {
            const text = p[lang];
            return (
              <button type="button" key={i} className="btn btn-small" aria-pressed={value.reason.trim() === text} onClick={() => onChange({ ...value, reason: text })} data-testid="reason-preset">
                {text}
              </button>
            );
          })}
        </div>
      ) : null}
      {!st.ready ? (
        <p className="muted" id="identity-missing" data-testid="identity-missing">
          {t('identity.stillNeeded', { list: missing.join(', ') })}
        </p>
      ) : null}
      <Footer
        left={
          <>
            <button type="button" className="btn" onClick={onCancel} data-testid="dialog-cancel">
              {t('common.cancel')}
            </button>
            <button type="button" className="btn btn-ghost" onClick={onRefuse} data-testid="dialog-refuse">
              {t('identity.recordRefused')}
            </button>
          </>
        }
        right={<NextButton label={t('common.next')} disabled={!st.ready} describedBy={st.ready ? undefined : 'identity-missing'} />}
      />
    </form>
  );
}
