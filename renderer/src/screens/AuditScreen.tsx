// The audit log (admin): filters (with date presets), the table, an event's details, "Verify
// chain" with a visible result and export of exactly what is filtered; verify and export run in a
// worker in main and report their progress here.
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditEventView, ChainReportView } from '../../../contract/index.ts';
import { call, useEvent, type ApiError, type Req } from '../api.ts';
import { AuditEventDialog } from '../dialogs/AuditEventDialog.tsx';
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
import { isServerMode } from '../mode.ts';

const PAGE = 200;
const EMPTY = { userEmail: '', operator: '', ticket: '', text: '', action: '', from: '', to: '' };
type Filters = typeof EMPTY;
const DAY = 86_400_000;
/** Date presets: how many days back from today (today included). */
const PRESETS = [
  ['today', 1],
  ['week', 7],
  ['month', 30],
] as const;

/** The filter as the channels take it (the list and the export alike). */
function toFilter(f: Filters): NonNullable<Req<'audit:export'>['filter']> {
  const req: NonNullable<Req<'audit:export'>['filter']> = {};
  for (const k of ['userEmail', 'operator', 'ticket', 'text'] as const) if (f[k].trim()) req[k] = f[k].trim();
  if (f.action) req.action = f.action;
  const from = dayStart(f.from);
  const to = dayStart(f.to);
  if (typeof from === 'number') req.from = from;
  if (typeof to === 'number') req.to = to + DAY - 1;
  return req;
}

/** From and to of a preset, as the date fields show them. */
function presetRange(days: number, now = Date.now()): { from: string; to: string } {
  const today = dayStart(dateNumeric(now)) ?? now;
  // Noon of the first day: a daylight-saving change never moves it to the day before.
  return { from: dateNumeric(today - (days - 1) * DAY + DAY / 2), to: dateNumeric(now) };
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
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [shown, setShown] = useState<AuditEventView | null>(null);
  useEvent('job:progress', (p) => {
    if (p.kind === 'audit-verify' || p.kind === 'audit-export') setProgress({ done: p.done, total: p.total });
  });

  const load = useCallback(async (f: Filters, beforeSeq?: number) => {
    setBusy('list');
    const r = await call('audit:list', { ...toFilter(f), limit: PAGE, ...(beforeSeq !== undefined ? { beforeSeq } : {}) });
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
    setProgress(null);
    const r = await call('audit:verify', {});
    setBusy(null);
    setProgress(null);
    if (r.ok) setChain(r.value);
    else setError(r.error);
  }
  async function exportAs(format: 'csv' | 'json') {
    setBusy(format);
    setProgress(null);
    // Exactly what the table shows for the applied filters (every page of it); none: the whole chain.
    const filter = toFilter(applied);
    const r = await call('audit:export', { format, ...(Object.keys(filter).length > 0 ? { filter } : {}) });
    setBusy(null);
    setProgress(null);
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
          {isServerMode() ? null : (
            <>
              <button type="button" className="btn" onClick={() => void exportAs('csv')} disabled={busy !== null} data-testid="audit-export-csv">
                {t('audit.exportCsv')}
              </button>
              <button type="button" className="btn" onClick={() => void exportAs('json')} disabled={busy !== null} data-testid="audit-export-json">
                {t('audit.exportJson')}
              </button>
            </>
          )}
        </div>
        {isServerMode() ? (
          <p className="muted" data-testid="audit-on-server">
            {t('audit.onServer')}
          </p>
        ) : null}
      </div>
      {busy === 'verify' || busy === 'csv' || busy === 'json' ? (
        <div className="job-progress" data-testid="audit-progress">
          {/* A native bar: its width needs no inline style (the CSP allows none). */}
          <progress className="job-progress-bar" max={progress?.total || undefined} value={progress && progress.total > 0 ? progress.done : undefined} aria-label={t(busy === 'verify' ? 'audit.verifying' : 'audit.exporting')} />
          <p className="muted" aria-live="polite">
            {progress ? t('audit.progress', { done: number(progress.done), total: number(progress.total) }) : t(busy === 'verify' ? 'audit.verifying' : 'audit.exporting')}
          </p>
        </div>
      ) : null}
      {chain ? (
        <Notice tone={chain.ok && chain.anchor === 'ok' ? 'ok' : 'bad'} testId="audit-verify-result">
          {chain.ok
            ? t('audit.intact', { count: chain.count, n: number(chain.count) })
            : chain.firstBroken !== null
              ? t('audit.broken', { seq: number(chain.firstBroken), problem: chain.problemCode ? t(`audit.problem.${chain.problemCode}`) : (chain.problem ?? '') })
              : t('audit.notVerified')}
          {/* A server's chain is checked against its signed heads; a vault's against its anchor. */}
          {chain.anchor !== 'ok' ? <div>{t(isServerMode() ? `audit.heads.${chain.anchor}` : `audit.anchor.${chain.anchor}`)}</div> : null}
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
        <Field label={t('audit.operator')} value={draft.operator} onChange={set('operator')} testId="audit-filter-operator" maxLength={64} hint={t('audit.operatorHint')} />
        <Field label={t('audit.ticket')} value={draft.ticket} onChange={set('ticket')} testId="audit-filter-ticket" maxLength={200} />
        <Field label={t('audit.text')} value={draft.text} onChange={set('text')} testId="audit-filter-text" maxLength={200} hint={t('audit.textHint')} type="search" />
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
          {PRESETS.map(([name, days]) => (
            <button type="button" className="btn" key={name} onClick={() => apply({ ...draft, ...presetRange(days) })} data-testid={`audit-preset-${name}`}>
              {t(`audit.preset.${name}`)}
            </button>
          ))}
          <button type="button" className="btn btn-ghost" onClick={() => apply(EMPTY)} data-testid="audit-clear">
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
                <td className="num">
                  <button type="button" className="btn-link" onClick={() => setShown(e)} aria-label={t('audit.showEvent', { seq: e.seq })} data-testid="audit-row-details">
                    {e.seq}
                  </button>
                </td>
                <td className="nowrap">
                  <time dateTime={new Date(e.at).toISOString()}>{stamp(e.at)}</time>
                </td>
                <td>{e.operator ?? t('audit.system')}</td>
                <td>{actionLabel(e.action)}</td>
                <td>{e.userEmail}</td>
                <td>{e.checks.map((c) => checkLabel(c, ws.settings?.identityChecks)).join(', ')}</td>
                <td className="mono-small nowrap">{e.ticket}</td>
                <td className="wrap-cell">{e.reason}</td>
                <td>{outcomeLabel(e.outcome)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {events.length === 0 && busy !== 'list' ? <p className="muted empty">{t('audit.empty')}</p> : null}
      </ScrollArea>
      {shown ? <AuditEventDialog event={shown} checks={ws.settings?.identityChecks} onClose={() => setShown(null)} /> : null}
      {more ? (
        <button type="button" className="btn" onClick={() => void load(applied, events[events.length - 1]?.seq)} disabled={busy !== null}>
          {t('audit.older')}
        </button>
      ) : null}
    </div>
  );
}
