// The result list on the left: name and email per user; the highlighted one opens on Enter.
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { UserSummary } from '../../../contract/index.ts';
import { Icon } from './Icon.tsx';
import { Status } from './Status.tsx';

interface Props {
  query: string;
  items: UserSummary[];
  hasMore: boolean;
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
export function LookupList({ query, items, hasMore, active, openId, searching, answered, isAdmin, onOpen, onImport }: Props) {
  const { t } = useTranslation();
  const listRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = listRef.current?.querySelector<HTMLElement>('[aria-selected="true"]');
    el?.scrollIntoView({ block: 'nearest' });
  }, [active, items]);

  const q = query.trim();
  return (
    <div className="lookup">
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
      {hasMore ? <p className="muted more">{t('search.more')}</p> : null}
    </div>
  );
}
