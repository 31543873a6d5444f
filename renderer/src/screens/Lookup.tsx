// Lookup: results as you type (coalesced while a lookup runs, stale answers dropped), list on the left,
// the opened user on the right.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { UserSummary } from '../../../contract/index.ts';
import { call, type ApiError } from '../api.ts';
import { Icon } from '../components/Icon.tsx';
import { LookupList } from '../components/LookupList.tsx';
import { Notice } from '../components/Status.tsx';
import { errorText } from '../errors.ts';
import { UserDetail } from './UserDetail.tsx';

export interface LookupState {
  items: UserSummary[];
  hasMore: boolean;
  /** Users matching in all (exact up to the store's cap; `totalCapped` beyond it). */
  total: number;
  totalCapped: boolean;
  searching: boolean;
  error: ApiError | null;
  /** The query these items answer. */
  answered: string;
}

const NONE: LookupState = { items: [], hasMore: false, total: 0, totalCapped: false, searching: false, error: null, answered: '' };

/** The result to highlight before the agent moves: the first active user, else the first. */
export function preferredIndex(items: UserSummary[]): number {
  return Math.max(0, items.findIndex((u) => u.status === 'active'));
}

/**
 * Runs `users:find` as the query changes. Debounced by coalescing rather than by a timer: a
 * keystroke is sent at once when no lookup is in flight, otherwise only the latest query is
 * sent when the running one returns, and stale answers are dropped. A fixed delay would cost
 * every keystroke that delay; this keeps keystroke-to-results within one round trip.
 */
export function useLookup(query: string): LookupState {
  const [state, setState] = useState<LookupState>(NONE);
  const latest = useRef('');
  const inFlight = useRef(false);
  const queued = useRef<string | null>(null);
  useEffect(() => {
    const q = query.trim();
    latest.current = q;
    if (q === '') {
      queued.current = null;
      setState(NONE);
      return;
    }
    setState((s) => ({ ...s, searching: true }));
    const run = (text: string) => {
      inFlight.current = true;
      void call('users:find', { query: text, limit: 30 }).then((r) => {
        inFlight.current = false;
        const next = queued.current;
        queued.current = null;
        if (text === latest.current) {
          if (r.ok) setState({ ...r.value, searching: false, error: null, answered: text });
          else setState({ ...NONE, error: r.error, answered: text });
        }
        if (next !== null && next === latest.current && next !== text) run(next);
      });
    };
    if (inFlight.current) queued.current = q;
    else run(q);
  }, [query]);
  return state;
}

interface Props {
  query: string;
  lookup: LookupState;
  active: number;
  openId: number | null;
  focusToken: number;
  isAdmin: boolean;
  onOpen: (id: number) => void;
  onImport: () => void;
}

/** The lookup screen. */
export function Lookup({ query, lookup, active, openId, focusToken, isAdmin, onOpen, onImport }: Props) {
  const { t } = useTranslation();
  return (
    <div className="split">
      <h1 className="sr-only">{t('nav.lookup')}</h1>
      {/* Focusable so that a keyboard can scroll a long list (the options themselves are driven
          from the search box, through aria-activedescendant). */}
      <aside className="split-left" aria-label={t('search.results')} tabIndex={0} data-testid="results-panel">
        {lookup.error ? <Notice tone="bad">{errorText(t, lookup.error)}</Notice> : null}
        <LookupList
          query={query}
          items={lookup.items}
          hasMore={lookup.hasMore}
          total={lookup.total}
          totalCapped={lookup.totalCapped}
          active={active}
          openId={openId}
          searching={lookup.searching || lookup.answered !== query.trim()}
          answered={lookup.answered}
          isAdmin={isAdmin}
          onOpen={onOpen}
          onImport={onImport}
        />
      </aside>
      <section className="split-right" aria-label={t('user.page')}>
        {openId !== null ? (
          <UserDetail key={openId} userId={openId} focusToken={focusToken} />
        ) : (
          <div className="welcome" data-testid="lookup-welcome">
            <Icon name="search" />
            <p>{t('search.welcome')}</p>
            <p className="muted">{t('search.keys')}</p>
          </div>
        )}
      </section>
    </div>
  );
}
