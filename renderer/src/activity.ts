// Tells main about input in the page (mouse, keys), so the idle lock only fires when the agent
// is really away. Throttled: one call per few seconds is plenty against a minutes-long timer.
import { useEffect } from 'react';
import { call } from './api.ts';

const EVERY_MS = 5_000;
let last = 0;

/** Reports activity now (e.g. when the idle warning is showing), ignoring the throttle. */
export function reportActivity(force = false): void {
  const now = Date.now();
  if (!force && now - last < EVERY_MS) return;
  last = now;
  void call('session:activity', {});
}

/** Reports input while `active` (signed in). */
export function useActivityReporter(active: boolean): void {
  useEffect(() => {
    if (!active) return undefined;
    const onInput = () => reportActivity();
    const events = ['keydown', 'mousemove', 'pointerdown', 'wheel'] as const;
    for (const e of events) window.addEventListener(e, onInput, { capture: true, passive: true });
    return () => {
      for (const e of events) window.removeEventListener(e, onInput, { capture: true });
    };
  }, [active]);
}
