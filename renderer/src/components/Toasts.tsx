// Toasts (Radix): job reports, "recorded", "exported". One at a time, in the status bar's slot
// (never over an action, a dialog or a menu), and none while a modal is open: they wait, their
// time not running, and show when it closes. The newest shows first and replaces a plain one;
// warnings and errors wait behind it so none is lost. The same message twice shows once.
import * as Toast from '@radix-ui/react-toast';
import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useModalOpen } from '../modal-stack.ts';
import { Icon } from './Icon.tsx';
import type { Tone } from './Status.tsx';

interface ToastItem {
  id: number;
  title: string;
  description?: string;
  tone: Tone;
}

type ToastFn = (t: { title: string; description?: string; tone?: Tone }) => void;

const Ctx = createContext<ToastFn>(() => undefined);

/** Shows a toast. */
export function useToast(): ToastFn {
  return useContext(Ctx);
}

let nextId = 1;
const lasting = (tone: Tone) => tone === 'warn' || tone === 'bad';

/** Provides toasts to the tree; the viewport (<ToastSlot/>) is placed by the status bar. */
export function ToastHost({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const [queue, setQueue] = useState<ToastItem[]>([]);
  const modal = useModalOpen();
  const push = useCallback<ToastFn>((x) => {
    setQueue((list) => {
      if (list.some((i) => i.title === x.title && i.description === x.description)) return list;
      const item = { id: nextId++, title: x.title, description: x.description, tone: x.tone ?? 'info' };
      // The newest message shows at once (it answers what the agent just did). A plain one
      // that was showing is gone; a warning or error waits behind it and comes back after.
      const [head, ...rest] = list;
      if (head && !lasting(head.tone)) return [item, ...rest];
      return [item, ...list];
    });
  }, []);
  const drop = (id: number) => setQueue((list) => list.filter((i) => i.id !== id));
  const current = modal ? undefined : queue[0];
  return (
    <Ctx.Provider value={push}>
      <Toast.Provider duration={8000} label={t('toast.label')}>
        {children}
        {current ? (
          <Toast.Root
            key={current.id}
            type={lasting(current.tone) ? 'foreground' : 'background'}
            duration={lasting(current.tone) ? 30_000 : 8000}
            className={`toast toast-${current.tone}`}
            onOpenChange={(open) => !open && drop(current.id)}
            data-testid="toast"
          >
            <Icon name={current.tone === 'ok' ? 'check' : lasting(current.tone) ? 'warning' : 'info'} />
            <div className="toast-text">
              <Toast.Title className="toast-title">{current.title}</Toast.Title>
              {current.description ? <Toast.Description className="toast-desc">{current.description}</Toast.Description> : null}
            </div>
            {queue.length > 1 ? <span className="toast-more">{t('toast.more', { count: queue.length - 1, n: queue.length - 1 })}</span> : null}
            <Toast.Close className="btn btn-ghost btn-small" aria-label={t('toast.dismiss')}>
              <Icon name="cross" />
            </Toast.Close>
          </Toast.Root>
        ) : null}
      </Toast.Provider>
    </Ctx.Provider>
  );
}

/** Where the toast shows: a slot in the status bar. Its landmark label is in the UI language. */
export function ToastSlot() {
  const { t } = useTranslation();
  // Radix fills in {hotkey} itself (F8 moves focus here).
  return <Toast.Viewport className="toast-viewport" label={t('toast.region')} />;
}

