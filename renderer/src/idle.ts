// The idle-lock countdown as the renderer sees it. Main owns the timer (it locks); the page
// estimates it from the last input it saw and the site's idle time, and main's 30-second
// warning corrects the estimate (main may count from a different last input or clock).
import { useEffect, useRef, useState } from 'react';
import { useEvent } from './api.ts';
import { reportActivity } from './activity.ts';

/** Seconds until the idle lock, or null while more than `within` seconds are left. */
export interface IdleCountdown {
  /** Seconds left, shown only in the last minute (null before). */
  left: number | null;
  /** Main has warned (the last 30 s): the banner shows. */
  warned: boolean;
}

const INPUT = ['keydown', 'mousemove', 'pointerdown', 'wheel'] as const;

/** Counts down to the idle lock while signed in. */
export function useIdleCountdown(idleLockMinutes: number | undefined, within = 60): IdleCountdown {
  const lastInput = useRef(Date.now());
  const warnDeadline = useRef<number | null>(null);
  const warnedAt = useRef(0);
  const [state, setState] = useState<IdleCountdown>({ left: null, warned: false });
  const idleMs = (idleLockMinutes ?? 5) * 60_000;

  const recompute = () => {
    const now = Date.now();
    const deadline = warnDeadline.current ?? lastInput.current + idleMs;
    const secs = Math.max(0, Math.ceil((deadline - now) / 1000));
    const left = secs <= within ? secs : null;
    const warned = warnDeadline.current !== null;
    setState((s) => (s.left === left && s.warned === warned ? s : { left, warned }));
  };

  useEvent('idle:warning', (d) => {
    warnedAt.current = Date.now();
    warnDeadline.current = Date.now() + Math.max(0, d.secondsLeft) * 1000;
    recompute();
  });

  useEffect(() => {
    const onInput = () => {
      lastInput.current = Date.now();
      // Input after the warning (not the move that happened to be under way): stay signed in.
      if (warnDeadline.current !== null && Date.now() - warnedAt.current > 300) {
        warnDeadline.current = null;
        reportActivity(true);
        recompute();
      }
    };
    for (const e of INPUT) window.addEventListener(e, onInput, { capture: true, passive: true });
    const id = window.setInterval(recompute, 1000);
    return () => {
      for (const e of INPUT) window.removeEventListener(e, onInput, { capture: true });
      window.clearInterval(id);
    };
    // recompute reads only refs and idleMs.
  }, [idleMs]);

  return state;
}
