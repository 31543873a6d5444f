// The signed-in workspace: top bar, admin navigation, the screens, the status bar, shortcuts
// (Ctrl/Cmd+K search, Ctrl/Cmd+L lock, Esc back to search) and main's pushed events.
import * as Tabs from '@radix-ui/react-tabs';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobReport, PublicSession } from '../../../contract/index.ts';
import type { SettingsDraft } from './SettingsScreen.tsx';
import { call, useApi, useEvent } from '../api.ts';
import { IdleBanner, ReadOnlyBanner } from '../components/Banners.tsx';
import { OperatorMenu } from '../components/OperatorMenu.tsx';
import { SearchBox } from '../components/SearchBox.tsx';
import { optionId } from '../components/LookupList.tsx';
import { StatusBar } from '../components/StatusBar.tsx';
import { useToast } from '../components/Toasts.tsx';
import { TopBar } from '../components/TopBar.tsx';
import { AlertsButton } from '../components/AlertsButton.tsx';
import { ApprovalsButton } from '../components/ApprovalsButton.tsx';
import { ChangePasswordDialog } from '../dialogs/ChangePasswordDialog.tsx';
import { setFocusFallback } from '../focus.ts';
import { setLanguage, type Lang } from '../i18n.ts';
import { useIdleCountdown } from '../idle.ts';
import { importReportOf, jobToast, type ImportJob } from '../jobs.ts';
import { isModalOpen } from '../modal-stack.ts';
import { WorkspaceContext, type View, type Workspace as WS } from '../workspace.ts';
import { AdminScreen } from './AdminScreens.tsx';
import { Lookup, preferredIndex, useLookup } from './Lookup.tsx';
import { isServerMode } from '../mode.ts';

interface Props {
  session: PublicSession;
  onLock: () => void;
  startup: { warnings: string[]; jobReports: JobReport[] };
}

const ADMIN_VIEWS: View[] = ['lookup', 'import', 'audit', 'operators', 'settings', 'vault', 'outbox'];
/** A server's client has no vault folder (its import streams the file to the server). */
const adminViews = (): View[] => (isServerMode() ? ADMIN_VIEWS.filter((v) => v !== 'vault') : ADMIN_VIEWS);


/** Everything after sign-in. */
export function Workspace({ session, onLock, startup }: Props) {
  const { t } = useTranslation();
  const toast = useToast();
  const isAdmin = session.role === 'admin';
  const searchRef = useRef<HTMLInputElement>(null);
  const [view, setView] = useState<View>('lookup');
  const [query, setQuery] = useState('');
  // The highlighted result once the agent moved it; until then the first active user (a disabled
  // one is never pre-selected when an active one matches).
  const [moved, setMoved] = useState<number | null>(null);
  const [openId, setOpenId] = useState<number | null>(null);
  const [focusToken, setFocusToken] = useState(0);
  const [settingsKey, setSettingsKey] = useState(0);
  const [pwOpen, setPwOpen] = useState(false);
  const [importJob, setImportJob] = useState<ImportJob | null>(null);
  const [settingsDraft, setSettingsDraft] = useState<SettingsDraft | null>(null);
  const [changes, setChanges] = useState(0);
  const [outboxPending, setOutboxPending] = useState<number | null>(null);
  const [approvalsWaiting, setApprovalsWaiting] = useState<number | null>(null);
  /** When the vault was last backed up (admins; null: never; undefined: not known). */
  const [lastBackup, setLastBackup] = useState<number | null | undefined>(undefined);
  const settings = useApi('settings:get', {}, String(settingsKey));
  const lookup = useLookup(query);
  const idle = useIdleCountdown(settings.data?.idleLockMinutes);

  /** Focus in the search box, where it is: never a change of screen. */
  const focusSearch = useCallback(() => {
    window.setTimeout(() => {
      searchRef.current?.focus();
      searchRef.current?.select();
    }, 0);
  }, []);
  /** Ctrl+K and the menu's "Search": the lookup screen, with the search box focused. */
  const search = useCallback(() => {
    setView('lookup');
    focusSearch();
  }, [focusSearch]);
  useEffect(() => {
    setFocusFallback(focusSearch);
    focusSearch();
    return () => setFocusFallback(null);
  }, [focusSearch]);

  // Sign-in news: job reports and warnings (e.g. a tampered sign-in journal).
  const shown = useRef(false);
  useEffect(() => {
    if (shown.current) return;
    shown.current = true;
    for (const w of startup.warnings) toast({ title: t(w === 'JOURNAL_TAMPERED' ? 'signin.journalTampered' : w === 'JOURNAL_ROLLED_BACK' ? 'signin.journalRolledBack' : w === 'EVENTS_LOST' ? 'signin.eventsLost' : w === 'ANCHOR_MISSING' ? 'signin.anchorMissing' : w === 'OPERATOR_UNLINKED' ? 'signin.operatorUnlinked' : w === 'READ_ONLY_FOLDER' ? 'signin.readOnlyFolder' : w === 'READ_ONLY_DISK_FULL' ? 'signin.readOnlyDiskFull' : 'signin.warningOther', { code: w }), tone: 'warn' });
    for (const r of startup.jobReports) toast(jobToast(t, r));
  }, [startup, toast, t]);

  // What waits in the outbox (admins only: agents may not list it, and a refused call is audited).
  useEffect(() => {
    if (!isAdmin) return undefined;
    let live = true;
    void call('outbox:list', { pendingOnly: true }).then((r) => {
      if (live && r.ok) setOutboxPending(r.value.length);
    });
    if (!isServerMode()) {
      void call('vault:info', {}).then((r) => {
        if (live && r.ok) setLastBackup(r.value.upkeep.lastBackup?.at ?? null);
      });
    }
    return () => {
      live = false;
    };
  }, [isAdmin, changes, view]);

  // Approvals waiting for this operator (an admin's to decide, or one's own to run).
  useEffect(() => {
    let live = true;
    void call('approvals:list', {}).then((r) => {
      if (live && r.ok) setApprovalsWaiting(r.value.waiting);
    });
    return () => {
      live = false;
    };
  }, [changes, view]);

  const lock = useCallback(() => {
    void call('session:lock', {}).then(() => onLock());
  }, [onLock]);

  const newLookup = useCallback(() => {
    setQuery('');
    setOpenId(null);
    search();
  }, [search]);

  useEffect(() => {
    // Capture phase on window: runs before a dialog's or menu's own Esc handling, so an Esc that
    // closes a dialog is seen as that (and does not also jump to the search box).
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const target = e.target instanceof Element ? e.target : null;
      const inLayer = isModalOpen() || target?.closest('[role="dialog"], [role="alertdialog"], [role="menu"], [role="listbox"]') != null;
      if (mod && !e.altKey && e.key.toLowerCase() === 'l') {
        e.preventDefault();
        lock();
      } else if (mod && !e.altKey && e.key.toLowerCase() === 'k' && !isModalOpen()) {
        e.preventDefault();
        search();
      } else if (e.key === 'Escape' && !inLayer && !e.defaultPrevented && view === 'lookup' && document.activeElement !== searchRef.current) {
        focusSearch();
      }
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, [lock, search, focusSearch, view]);

  useEvent('menu:command', (d) => {
    if (d.command === 'lock') lock();
    else if (d.command === 'new-lookup') newLookup();
    else search();
  });
  useEvent('import:progress', (p) => setImportJob((j) => (j && j.jobId === p.jobId ? { ...j, progress: p } : j)));
  useEvent('job:done', (r) => {
    // The audit screen that started a verify or an export shows its result itself.
    if (r.kind !== 'audit-verify' && r.kind !== 'audit-export') toast(jobToast(t, r));
    setChanges((n) => n + 1);
    if (r.kind === 'import') setImportJob((j) => (j && j.jobId === r.jobId ? { ...j, done: true, cancelling: false, report: importReportOf(r), error: r.error } : j));
  });

  const changeLanguage = (lang: Lang) => {
    setLanguage(lang);
    void call('prefs:set', { language: lang });
  };

  const onQuery = (q: string) => {
    setQuery(q);
    setMoved(null);
    if (view !== 'lookup') setView('lookup');
  };
  const openUser = (id: number, focus: boolean) => {
    setOpenId(id);
    setView('lookup');
    if (focus) setFocusToken((n) => n + 1);
  };
  const items = lookup.items;
  const active = moved ?? preferredIndex(items);
  const activeItem = items[Math.min(active, items.length - 1)];

  const ws: WS = useMemo(
    () => ({
      session,
      isAdmin,
      settings: settings.data,
      reloadSettings: () => setSettingsKey((k) => k + 1),
      focusSearch,
      changed: () => setChanges((n) => n + 1),
      lock,
      goTo: setView,
    }),
    [session, isAdmin, settings.data, focusSearch, lock],
  );

  const searchBox = (
    <SearchBox
      ref={searchRef}
      value={query}
      onChange={onQuery}
      count={items.length}
      active={active}
      activeId={activeItem ? optionId(activeItem.id) : undefined}
      expanded={items.length > 0}
      onMove={(d) => {
        if (view !== 'lookup') setView('lookup');
        setMoved(Math.max(0, Math.min(items.length - 1, active + d)));
      }}
      onEnter={() => activeItem && openUser(activeItem.id, true)}
    />
  );
  const lookupScreen = (
    <Lookup query={query} lookup={lookup} active={active} openId={openId} focusToken={focusToken} isAdmin={isAdmin} onOpen={(id) => openUser(id, false)} onImport={() => setView('import')} />
  );
  const running = importJob && !importJob.done ? t('jobs.kind.import') : null;

  return (
    <WorkspaceContext.Provider value={ws}>
      <div className={`workspace${isAdmin ? ' is-admin' : ''}`}>
        <IdleBanner left={idle.warned ? idle.left : null} />
        <TopBar search={searchBox} onLock={lock} alerts={
            <>
              <ApprovalsButton session={session} refresh={`${changes}:${view}`} />
              {isAdmin ? <AlertsButton refresh={`${changes}:${view}`} /> : null}
            </>
          } menu={<OperatorMenu session={session} onChangePassword={() => setPwOpen(true)} onLanguage={changeLanguage} onLock={lock} />} />
        <ReadOnlyBanner reason={session.readOnly} />
        {isAdmin ? (
          <Tabs.Root className="admin" value={view} onValueChange={(v) => setView(v as View)} activationMode="manual">
            <nav className="tabs-nav" aria-label={t('nav.label')}>
              <Tabs.List className="tabs" aria-label={t('nav.label')}>
                {adminViews().map((v) => (
                  <Tabs.Trigger key={v} value={v} className="tab" data-testid={`nav-${v}`}>
                    {t(`nav.${v}`)}
                    {v === 'settings' && settingsDraft?.dirty ? <span className="tab-badge" data-testid="settings-unsaved">{t('settings.unsavedShort')}</span> : null}
                  </Tabs.Trigger>
                ))}
              </Tabs.List>
            </nav>
            <main className="main">
              {adminViews().map((v) => (
                // The lookup stays mounted while an admin screen is shown, so the open user and the
                // search survive a tab switch and nothing re-grabs focus when coming back (Ctrl+K).
                <Tabs.Content key={v} value={v} className="tab-panel" forceMount={v === 'lookup' ? true : undefined}>
                  {v === 'lookup' ? lookupScreen : <AdminScreen view={v} importJob={importJob} setImportJob={setImportJob} settingsDraft={settingsDraft} setSettingsDraft={setSettingsDraft} />}
                </Tabs.Content>
              ))}
            </main>
          </Tabs.Root>
        ) : (
          <main className="main tab-panel">{lookupScreen}</main>
        )}
        <StatusBar session={session} idleLeft={idle.left} outboxPending={isAdmin ? outboxPending : null} job={running} onOutbox={isAdmin ? () => setView('outbox') : undefined} approvalsWaiting={approvalsWaiting} lastBackup={isAdmin ? lastBackup : undefined} />
        {pwOpen ? <ChangePasswordDialog session={session} onClose={() => setPwOpen(false)} /> : null}
      </div>
    </WorkspaceContext.Provider>
  );
}
