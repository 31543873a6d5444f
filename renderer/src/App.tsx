// The app's top level. Everything that may hold user data or a shown secret lives under
// <Shell key={epoch}>: when the session locks, the epoch changes and React throws the whole
// tree away, so nothing of the last user stays in memory or on screen.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AppStatus, Events, JobReport, PublicSession, RevivedCredential } from '../../contract/index.ts';
import { call, setSessionLockedHandler, useEvent } from './api.ts';
import { ClockBanner } from './components/Banners.tsx';
import { ToastHost } from './components/Toasts.tsx';
import { setLanguage } from './i18n.ts';
import { setDensity } from './theme.ts';
import { useTranslation } from 'react-i18next';
import { FirstRun } from './screens/FirstRun.tsx';
import { ConnectServer, Welcome } from './screens/ConnectServer.tsx';
import { setAppMode } from './mode.ts';
import { Recover } from './screens/Recover.tsx';
import { SignIn } from './screens/SignIn.tsx';
import { VaultProblem } from './screens/VaultProblem.tsx';
import { Workspace } from './screens/Workspace.tsx';
import { useActivityReporter } from './activity.ts';

type LockReason = Events['session:locked']['reason'];

/** The root component. */
export function App() {
  const [epoch, setEpoch] = useState(0);
  const [lockReason, setLockReason] = useState<LockReason | null>(null);
  const [revived, setRevived] = useState<RevivedCredential[]>([]);
  const [clock, setClock] = useState<Events['clock:warning'] | null>(null);
  const signedIn = useRef(false);
  // The name of who was signed in, kept by this page only (main does not tell it before sign-in),
  // so the sign-in after a lock is prefilled and a fresh start is not.
  const lastName = useRef('');

  // Resets once per lock, however many signals arrive (the Lock button, the event, an error).
  const reset = useCallback((reason: LockReason, back: RevivedCredential[] = []) => {
    if (!signedIn.current) return;
    signedIn.current = false;
    setLockReason(reason);
    setRevived(back);
    setEpoch((e) => e + 1);
  }, []);
  useEvent('session:locked', (d) => reset(d.reason, d.revived ?? []));
  useEvent('clock:warning', (d) => setClock(d));
  useEffect(() => {
    setSessionLockedHandler(() => reset('manual'));
    return () => setSessionLockedHandler(null);
  }, [reset]);

  return (
    <>
      {clock ? <ClockBanner warning={clock} onDismiss={() => setClock(null)} /> : null}
      <Shell
        key={epoch}
        lockReason={lockReason}
        revived={revived}
        lastName={lastName.current}
        onSession={(name) => {
          signedIn.current = true;
          lastName.current = name;
        }}
        onLocked={reset}
      />
    </>
  );
}

type Phase =
  | { kind: 'loading' }
  | { kind: 'problem'; status: AppStatus }
  | { kind: 'welcome'; status: AppStatus }
  | { kind: 'connect'; status: AppStatus }
  | { kind: 'first-run'; status: AppStatus }
  | { kind: 'sign-in'; status: AppStatus }
  | { kind: 'recover'; status: AppStatus }
  | { kind: 'work'; session: PublicSession; warnings: string[]; jobReports: JobReport[] };

/** One signed-out-to-locked lifetime of the UI. */
function Shell({ lockReason, revived, lastName, onSession, onLocked }: { lockReason: LockReason | null; revived: RevivedCredential[]; lastName: string; onSession: (name: string) => void; onLocked: (r: LockReason) => void }) {
  const { t } = useTranslation();
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [loadError, setLoadError] = useState(false);

  const load = useCallback(async () => {
    const r = await call('app:status', {});
    if (!r.ok) return setLoadError(true);
    setLoadError(false);
    const s = r.value;
    setLanguage(s.prefs.language);
    setDensity(s.prefs.density === 'compact' ? 'compact' : 'comfortable');
    setAppMode(s.mode, s.server?.url ?? null);
    // First run: a vault on this computer, or a server (its key confirmed and pinned).
    if (s.mode === 'vault' && s.vaultState === 'none') setPhase({ kind: 'welcome', status: s });
    else if (s.vaultState !== 'ready') setPhase({ kind: 'problem', status: s });
    else if (s.session) setPhase({ kind: 'work', session: s.session, warnings: [], jobReports: [] });
    else setPhase({ kind: 'sign-in', status: s });
  }, []);
  useEffect(() => void load(), [load]);

  const working = phase.kind === 'work';
  const sessionName = phase.kind === 'work' ? phase.session.name : null;
  useEffect(() => {
    if (sessionName !== null) onSession(sessionName);
  }, [sessionName, onSession]);
  useActivityReporter(working);

  let content: React.ReactNode;
  switch (phase.kind) {
    case 'loading':
      content = loadError ? <p className="gate-msg" role="alert">{t('errors.INTERNAL')}</p> : <p className="gate-msg">{t('common.loading')}</p>;
      break;
    case 'problem':
      content = <VaultProblem status={phase.status} onRetry={() => void load()} />;
      break;
    case 'welcome':
      content = <Welcome onVault={() => setPhase({ kind: 'first-run', status: phase.status })} onServer={() => setPhase({ kind: 'connect', status: phase.status })} />;
      break;
    case 'connect':
      content = <ConnectServer onConnected={() => void load()} onBack={() => setPhase({ kind: 'welcome', status: phase.status })} />;
      break;
    case 'first-run':
      content = <FirstRun vaultDir={phase.status.vaultDir ?? ''} onDone={(session) => setPhase({ kind: 'work', session, warnings: [], jobReports: [] })} />;
      break;
    case 'sign-in':
      content = (
        <SignIn
          lastName={phase.status.prefs.lastOperatorName || lastName}
          lockReason={lockReason}
          revived={revived}
          onSignedIn={(r) => setPhase({ kind: 'work', ...r })}
          onRecover={() => setPhase({ kind: 'recover', status: phase.status })}
          server={phase.status.server}
          onForgetServer={() => void load()}
        />
      );
      break;
    case 'recover':
      content = <Recover onDone={(session) => setPhase({ kind: 'work', session, warnings: [], jobReports: [] })} onBack={() => setPhase({ kind: 'sign-in', status: phase.status })} />;
      break;
    case 'work':
      content = <Workspace session={phase.session} startup={phase} onLock={() => onLocked('manual')} />;
      break;
  }
  return <ToastHost>{content}</ToastHost>;
}
