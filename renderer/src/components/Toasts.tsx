// Toasts (Radix): job reports, "recorded", "exported". A context hands out `toast(...)`.
import * as Toast from '@radix-ui/react-toast';
import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
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

/** Provides toasts to the tree and renders the viewport (bottom right). */
export function ToastHost({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const [items, setItems] = useState<ToastItem[]>([]);
  const push = useCallback<ToastFn>((x) => {
    setItems((list) => [...list.slice(-4), { id: nextId++, title: x.title, description: x.description, tone: x.tone ?? 'info' }]);
  }, []);
  const drop = (id: number) => setItems((list) => list.filter((i) => i.id !== id));
  return (
    <Ctx.Provider value={push}>
      <Toast.Provider duration={8000} label={t('toast.region')}>
        {children}
        {items.map((i) => (
          <Toast.Root key={i.id} duration={i.tone === 'warn' || i.tone === 'bad' ? 30_000 : 8000} className={`toast toast-${i.tone}`} onOpenChange={(open) => !open && drop(i.id)} data-testid="toast">
            <Icon name={i.tone === 'ok' ? 'check' : i.tone === 'bad' || i.tone === 'warn' ? 'warning' : 'info'} />
            <div className="toast-text">
              <Toast.Title className="toast-title">{i.title}</Toast.Title>
              {i.description ? <Toast.Description className="toast-desc">{i.description}</Toast.Description> : null}
            </div>
            <Toast.Close className="btn btn-ghost btn-small" aria-label={t('toast.dismiss')}>
              <Icon name="cross" />
            </Toast.Close>
          </Toast.Root>
        ))}
        <Toast.Viewport className="toast-viewport" />
      </Toast.Provider>
    </Ctx.Provider>
  );
}
