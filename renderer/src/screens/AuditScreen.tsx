// The audit log (admin): filters, the table, "Verify chain" with a visible result, export.
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditEventView, ChainReportView } from '../../../contract/index.ts';
import { call, type ApiError, type Req } from '../api.ts';
import { AUDIT_ACTIONS, actionLabel, outcomeLabel } from '../audit-labels.ts';
import { Field } from '../components/Field.tsx';
import { Icon } from '../components/Icon.tsx';
import { checkLabel } from '../components/RecentActivity.tsx';
import { ScrollArea } from '../components/ScrollArea.tsx';
import { Notice } from '../components/Status.tsx';
import { useToast } from '../components/Toasts.tsx';
import { errorText } from '../errors.ts';
import { dateNumeric, dayStart, number, stamp } from '../format.ts';
import { useWorkspace } from '../workspace.ts';

const PAGE = 200;
const EMPTY = { userEmail: '', operator: '', action: '', from: '', to: '' };
type Filters = typeof EMPTY;

function toRequest(f: Filters): Req<'audit:list'> {
  const req: Req<'audit:list'> = { limit: PAGE };
  if (f.userEmail.trim()) req.userEmail = f.userEmail.trim();
  if (f.operator.trim()) req.operator = f.operator.trim();
  if (f.action) req.action = f.action;
  const from = dayStart(f.from);
  const to = dayStart(f.to);
  if (typeof from === 'number') req.from = from;
  if (typeof to === 'number') req.to = to + 86_400_000 - 1;
  return req;
}

/** The audit screen. */
export function AuditScreen() {
  const { t } = useTranslation();
  const toast = useToast();
  const ws = useWorkspace();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const [events, setEvents] = useState<AuditEventView[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [chain, setChain] = useState<ChainReportView | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(async (f: Filters, beforeSeq?: number) => {
    setBusy('list');
    const r = await call('audit:list', { ...toRequest(f), ...(beforeSeq !== undefined ? { beforeSeq } : {}) });
    setBusy(null);
    if (!r.ok) return setError(r.error);
    setError(null);
    setEvents((old) => (beforeSeq !== undefined ? [...old, ...r.value] : r.value));
    setMore(r.value.length === PAGE);
  }, []);
  useEffect(() => void load(EMPTY), [load]);

  const [tried, setTried] = useState(false);
  const apply = (f: Filters) => {
    setTried(true);
    if (dayStart(f.from) === null || dayStart(f.to) === null) return setDraft(f);
    setDraft(f);
    setApplied(f);
    void load(f);
  };
  async function verify() {
    setBusy('verify');
    const r = await call('audit:verify', {});
    setBusy(null);
    if (r.ok) setChain(r.value);
    else setError(r.error);
  }
  async function exportAs(format: 'csv' | 'json') {
    setBusy(format);
    const r = await call('audit:export', { format });
    setBusy(null);
    if (!r.ok) return setError(r.error);
    if (r.value.file) toast({ title: t('audit.exported', { count: r.value.count, n: number(r.value.count) }), description: r.value.file, tone: 'ok' });
  }
  const set = (k: keyof Filters) => (v: string) => setDraft({ ...draft, [k]: v });
  const refusedOnly = draft.action === 'request.refused';

  return (
    <div className="screen screen-wide" data-testid="audit-screen">
      <div className="screen-head">
        <h1>{t('audit.title')}</h1>
        <div className="button-row">
          <button type="button" className="btn" onClick={() => void verify()} disabled={busy !== null} data-testid="audit-verify">
            <Icon name="shield" /> {t('audit.verify')}
          </button>
          <button type="button" className="btn" onClick={() => void exportAs('csv')} disabled={busy !== null} data-testid="audit-export-csv">
            {t('audit.exportCsv')}
          </button>
          <button type="button" className="btn" onClick={() => void exportAs('json')} disabled={busy !== null} data-testid="audit-export-json">
            {t('audit.exportJson')}
          </button>
        </div>
      </div>
      {chain ? (
        <Notice tone={chain.ok && chain.anchor === 'ok' ? 'ok' : 'bad'} testId="audit-verify-result">
          {chain.ok ? t('audit.intact', { count: chain.count, n: number(chain.count) }) : t('audit.broken', { seq: chain.firstBroken ?? '?', problem: chain.problem ?? '' })}
          {chain.anchor !== 'ok' ? <div>{t(`audit.anchor.${chain.anchor}`)}</div> : null}
        </Notice>
      ) : null}
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
        aria-label={t('audit.filters')}
      >
        <Field label={t('audit.userEmail')} value={draft.userEmail} onChange={set('userEmail')} testId="audit-filter-user" maxLength={254} />
        <Field label={t('audit.operator')} value={draft.operator} onChange={set('operator')} testId="audit-filter-operator" maxLength={64} />
        <div className="field">
          <label htmlFor="audit-action">{t('audit.action')}</label>
          <select id="audit-action" value={draft.action} onChange={(e) => set('action')(e.target.value)} data-testid="audit-filter-action">
            <option value="">{t('audit.allActions')}</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {actionLabel(a)}
              </option>
            ))}
          </select>
        </div>
        {/* Text fields in the UI's own date format: a native date input follows the browser's
            locale (mm/dd/yyyy in an English Chromium), not the language chosen here. */}
        {(['from', 'to'] as const).map((k) => (
          <Field
            key={k}
            label={t(`audit.${k}`)}
            value={draft[k]}
            onChange={set(k)}
            testId={`audit-filter-${k}`}
            placeholder={t('audit.dateFormat')}
            inputMode="numeric"
            autoComplete="off"
            maxLength={10}
            hint={t('audit.dateHint', { format: t('audit.dateFormat'), example: dateNumeric(Date.now()) })}
            error={tried && dayStart(draft[k]) === null ? t('audit.badDate', { format: t('audit.dateFormat') }) : undefined}
          />
        ))}
        <div className="filters-buttons">
          <button type="submit" className="btn btn-primary" data-testid="audit-apply">
            {t('audit.apply')}
          </button>
          <button type="button" className="btn" aria-pressed={refusedOnly} onClick={() => apply({ ...draft, action: refusedOnly ? '' : 'request.refused' })} data-testid="audit-refused-filter">
            <Icon name="ban" /> {t('audit.refusedOnly')}
          </button>
          <button type="button" className="btn btn-ghost" onClick={() => apply(EMPTY)}>
            {t('audit.clear')}
          </button>
        </div>
      </form>
      {error ? <Notice tone="bad">{errorText(t, error)}</Notice> : null}
      <ScrollArea label={t('audit.title')}>
        <table className="table" data-testid="audit-table" aria-busy={busy === 'list'}>
          <thead>
            <tr>
              {(['seq', 'time', 'operator', 'action', 'user', 'checks', 'ticket', 'reason', 'outcome'] as const).map((c) => (
                <th scope="col" key={c}>
                  {t(`audit.col.${c}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.seq} data-testid="audit-row" data-action={e.action}>
                <td className="num">{e.seq}</td>
                <td className="nowrap">
                  <time dateTime={new Date(e.at).toISOString()}>{stamp(e.at)}</time>
                </td>
                <td>{e.operator ?? t('audit.system')}</td>
                <td>{actionLabel(e.action)}</td>
                <td>{e.userEmail}</td>
                <td>{e.checks.map((c) => checkLabel(c, ws.settings?.identityChecks)).join(', ')}</td>
                <td className="mono-small nowrap">{e.ticket}</td>
                <td className="wrap-cell">
                  {e.reason}
                </td>
                <td>{outcomeLabel(e.outcome)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {events.length === 0 && busy !== 'list' ? <p className="muted empty">{t('audit.empty')}</p> : null}
      </ScrollArea>
      {more ? (
        <button type="button" className="btn" onClick={() => void load(applied, events[events.length - 1]?.seq)} disabled={busy !== null}>
          {t('audit.older')}
        </button>
      ) : null}
    </div>
  );
}
