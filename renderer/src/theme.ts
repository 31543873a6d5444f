// Light and dark themes, and the compact density. The theme follows the OS (prefers-color-
// scheme) unless the operator chose one; that choice stays in this renderer (localStorage),
// because main's preferences channel carries only language and density. Both are set as
// attributes on <html> (never as inline styles, which the CSP forbids); the CSS does the rest.
import { useSyncExternalStore } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';
export type Density = 'comfortable' | 'compact';

const KEY = 'factordesk.theme';
const listeners = new Set<() => void>();
let theme: ThemeChoice = readStored();
let density: Density = 'comfortable';

function readStored(): ThemeChoice {
  try {
    const v = window.localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

function apply(): void {
  const root = document.documentElement;
  if (theme === 'system') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', theme);
  root.setAttribute('data-density', density);
  for (const l of listeners) l();
}

/** Chooses the theme ('system' follows the OS) and remembers it in this renderer. */
export function setTheme(choice: ThemeChoice): void {
  theme = choice;
  try {
    if (choice === 'system') window.localStorage.removeItem(KEY);
    else window.localStorage.setItem(KEY, choice);
  } catch {
    // Storage unavailable: the choice lasts until the window closes.
  }
  apply();
}

/** Sets the density (from main's preferences, or the operator's choice). */
export function setDensity(d: Density): void {
  density = d;
  apply();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The current choices, re-rendering when they change. */
export function useAppearance(): { theme: ThemeChoice; density: Density } {
  const th = useSyncExternalStore(subscribe, () => theme);
  const de = useSyncExternalStore(subscribe, () => density);
  return { theme: th, density: de };
}

apply();
