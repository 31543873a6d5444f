// Focus bookkeeping: where focus goes when a dialog closes (the control that opened it, or the
// nearest part of the same screen that is still there), and the last resort (the search box,
// focused in place: never by switching screens).
let fallback: (() => void) | null = null;

/** Registers the last resort (focuses the workspace's search box without changing the view). */
export function setFocusFallback(fn: (() => void) | null): void {
  fallback = fn;
}

/** After the current task, focuses the fallback if focus fell to <body>. */
export function rescueFocus(): void {
  window.setTimeout(() => {
    if (!document.activeElement || document.activeElement === document.body) fallback?.();
  }, 30);
}

const TABBABLE = 'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function usable(el: Element | null): el is HTMLElement {
  return el instanceof HTMLElement && el.isConnected && !(el as HTMLButtonElement).disabled && el.getClientRects().length > 0 && !el.closest('[inert], [aria-hidden="true"]');
}

/** Where focus should return to: the opener and the chain of its ancestors at the time it opened. */
export interface ReturnPoint {
  opener: HTMLElement | null;
  ancestors: HTMLElement[];
}

// A dialog opened from inside another dialog (or in its place, as "rotate key" shows the new
// key) returns to where the outer one would have.
const pointOfDialog = new WeakMap<Element, ReturnPoint>();
const open: ReturnPoint[] = [];

/** Captures the return point for a dialog that is opening now (call during its first render). */
export function captureReturnPoint(): ReturnPoint {
  const active = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
  const outer = active?.closest('[role="dialog"], [role="alertdialog"]');
  if (outer) {
    const inherited = pointOfDialog.get(outer);
    if (inherited) return inherited;
  }
  const top = open[open.length - 1];
  if ((!active || outer) && top) return top;
  const ancestors: HTMLElement[] = [];
  for (let p = active?.parentElement ?? null; p && p !== document.body; p = p.parentElement) ancestors.push(p);
  return { opener: active, ancestors };
}

/** Remembers the return point of a mounted dialog element (for dialogs opened from it). */
export function rememberReturnPoint(dialog: Element, point: ReturnPoint): void {
  pointOfDialog.set(dialog, point);
}

/** Marks a dialog with this return point as open; the returned function marks it closed. */
export function openReturnPoint(point: ReturnPoint): () => void {
  open.push(point);
  return () => {
    const i = open.lastIndexOf(point);
    if (i >= 0) open.splice(i, 1);
  };
}

/**
 * Puts focus back: on the opener when it is still there and usable; else on the first control
 * inside the nearest ancestor that is still on screen; else the fallback (the search box).
 */
export function returnFocus(point: ReturnPoint): void {
  if (usable(point.opener)) {
    point.opener.focus();
    return;
  }
  for (const a of point.ancestors) {
    if (!a.isConnected || a.getClientRects().length === 0) continue;
    const inside = [...a.querySelectorAll(TABBABLE)].find(usable);
    if (inside) {
      inside.focus();
      return;
    }
  }
  fallback?.();
}
