// Where focus goes when nothing better is left (a dialog closed and its opener is gone).
let fallback: (() => void) | null = null;

/** Registers the fallback (the workspace's search box). */
export function setFocusFallback(fn: (() => void) | null): void {
  fallback = fn;
}

/** After the current task, focuses the fallback if focus fell to <body>. */
export function rescueFocus(): void {
  window.setTimeout(() => {
    if (!document.activeElement || document.activeElement === document.body) fallback?.();
  }, 30);
}
