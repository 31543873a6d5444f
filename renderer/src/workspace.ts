// What the signed-in screens share: the session, the site settings and a few app actions.
import { createContext, useContext } from 'react';
import type { PublicSession, SettingsView } from '../../contract/index.ts';

export type View = 'lookup' | 'import' | 'audit' | 'operators' | 'settings' | 'vault' | 'outbox';

export interface Workspace {
  session: PublicSession;
  isAdmin: boolean;
  settings: SettingsView | null;
  reloadSettings: () => void;
  /** Puts focus in the search box (after every finished action), without changing the view. */
  focusSearch: () => void;
  /** Something changed that the status bar counts (an action finished, an export ran). */
  changed: () => void;
  lock: () => void;
  goTo: (view: View) => void;
}

export const WorkspaceContext = createContext<Workspace | null>(null);

/** The workspace of the signed-in operator. */
export function useWorkspace(): Workspace {
  const ws = useContext(WorkspaceContext);
  if (!ws) throw new Error('useWorkspace outside the workspace');
  return ws;
}
