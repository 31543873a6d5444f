// The result list on the left: how many users match (and "type more" when not all are listed) on
// top, where it is seen without scrolling; then name and email per user; the highlighted one opens on Enter.
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { UserSummary } from '../../../contract/index.ts';
import { Icon } from './Icon.tsx';
import { Status } from './Status.tsx';
import { number } from '../format.ts';
import { isServerMode } from '../mode.ts';

interface Props {
  query: string;
  items: UserSummary[];
  hasMore: boolean;
  /** Users matching in all; `totalCapped` when more than `total`. */
  total: number;
  totalCapped: boolean;
  active: number;
  openId: number | null;
  searching: boolean;
  /** The query the shown items answer (exposed for tests and the benchmark). */
  answered?: string;
  isAdmin: boolean;
  onOpen: (id: number) => void;
  onImport: () => void;
}

/** Option element id for aria-activedescendant. */
export const optionId = (id: number) => `lookup-option-${id}`;

/** The results (a listbox controlled by the search box). */
export function LookupList({ query, items, hasMore, total, totalCapped, active, openId, searching, answered, isAdmin, onOpen, onImport }: Props) {
  const { t } = useTranslation();
  const listRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = listRef.current?.querySelector<HTMLElement>('[aria-selected="true"]');
    el?.scrollIntoView({ block: 'nearest' });
  }, [active, items]);

  const q = query.trim();
  return (
    <div className="lookup">
      {q !== '' && items.length > 0 ? (
        <div className="lookup-summary" role="status" data-testid="lookup-summary">
          <span className="lookup-count" data-testid="lookup-count">
            {totalCapped ? t('search.countCapped', { n: number(total) }) : t('search.count', { count: total, n: number(total) })}
          </span>
          {hasMore ? <span className="muted more" data-testid="lookup-more">{t('search.more')}</span> : null}
        </div>
      ) : null}
      <div ref={listRef} id="lookup-results" role="listbox" aria-label={t('search.results')} aria-busy={searching} data-answered={answered ?? ''} data-testid="lookup-results" className="results">
        {items.map((u, i) => (
          <div
            key={u.id}
            id={optionId(u.id)}
            role="option"
            aria-selected={i === active}
            className={`result${i === active ? ' is-active' : ''}${u.id === openId ? ' is-open' : ''}`}
            data-testid="lookup-result"
            data-email={u.email}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => onOpen(u.id)}
          >
            <div className="result-name">
              {u.name}
              {u.status === 'disabled' ? <Status tone="bad" icon="ban" label={t('user.disabled')} /> : null}
            </div>
            <div className="result-email">{u.email}</div>
            {u.organization ? <div className="result-org">{u.organization}</div> : null}
          </div>
        ))}
      </div>
      {q !== '' && items.length === 0 && !searching ? (
        <div className="empty" data-testid="lookup-empty" role="status">
          <p>{isAdmin ? t('search.noneAdmin', { query: q }) : t('search.none', { query: q })}</p>
          {isAdmin ? (
            <button type="button" className="btn" onClick={onImport}>
              <Icon name="download" /> {t('nav.import')}
            </button>
          ) : null}
        </div>
      ) : null}
      {q === '' ? <p className="muted empty" data-testid="lookup-hint">{t('search.hint')}</p> : null}
    </div>
  );
}
