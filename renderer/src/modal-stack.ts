// Which modal dialogs are open, for the parts of the app that behave differently under a modal:
// page shortcuts and "Esc back to search" stand down, toasts wait, the idle warning rises above.
import { useSyncExternalStore } from 'react';

let count = 0;
const listeners = new Set<() => void>();

function emit(): void {
  for (const l of listeners) l();
}

/** Marks one modal as open; call the returned function when it closes. */
export function modalOpened(): () => void {
  count++;
  emit();
  let done = false;
  return () => {
    if (done) return;
    done = true;
    count--;
    emit();
  };
}

/** True while any modal dialog is open. */
export function isModalOpen(): boolean {
  return count > 0;
}

/** The same as a React value that re-renders when it changes. */
export function useModalOpen(): boolean {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => count > 0,
  );
}
