// Typed access to `window.api` (the preload bridge). Every call resolves to a Result; a
// rejected promise (bridge failure) becomes an INTERNAL error so screens handle one shape.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Api, Channel, EventName, Events, Req, Res, Result } from '../../contract/index.ts';

declare global {
  interface Window {
    api: Api;
  }
}

export type ApiError = Extract<Result<unknown>, { ok: false }>['error'];
export type { Channel, Req, Res, Result };

let onSessionLocked: (() => void) | null = null;

/** Registers what happens when any call reports that the session is locked (back to sign-in). */
export function setSessionLockedHandler(fn: (() => void) | null): void {
  onSessionLocked = fn;
}

/** Calls one channel; never throws. */
export async function call<C extends Channel>(channel: C, req: Req<C>): Promise<Result<Res<C>>> {
  let r: Result<Res<C>>;
  try {
    const fn = window.api[channel] as unknown as (req: Req<C>) => Promise<Result<Res<C>>>;
    r = await fn(req);
  } catch {
    r = { ok: false, error: { code: 'INTERNAL', message: 'The bridge to the main process failed.' } };
  }
  if (!r.ok && r.error.code === 'SESSION_LOCKED') onSessionLocked?.();
  return r;
}

/** Subscribes to one event pushed by main while the component is mounted. */
export function useEvent<E extends EventName>(event: E, handler: (data: Events[E]) => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    if (typeof window.api?.on !== 'function') return undefined;
    return window.api.on(event, (data) => ref.current(data));
  }, [event]);
}

/** State of one loaded channel answer. */
export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

/** Loads `channel` with `req` when mounted and whenever `key` changes; ignores stale answers. */
export function useApi<C extends Channel>(channel: C, req: Req<C>, key: string = ''): Loaded<Res<C>> {
  const [state, setState] = useState<{ data: Res<C> | null; error: ApiError | null; loading: boolean }>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const reqRef = useRef(req);
  reqRef.current = req;
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    void call(channel, reqRef.current).then((r) => {
      if (!live) return;
      setState(r.ok ? { data: r.value, error: null, loading: false } : { data: null, error: r.error, loading: false });
    });
    return () => {
      live = false;
    };
  }, [channel, key, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}
