// Alt+letter shortcuts (shown next to the control, in both languages). Matched by the physical
// key (event.code), so the letter works on any layout and with Option on a Mac; AltGr (which
// Windows reports as Ctrl+Alt, and which types @ { [ € on a Norwegian keyboard) never matches.
import { useEffect, useRef } from 'react';
import { IS_MAC } from './components/SearchBox.tsx';
import { isModalOpen } from './modal-stack.ts';

/** "Alt+R" / "⌥R": how the shortcut is written next to its control. */
export function altLabel(letter: string): string {
  return IS_MAC ? `⌥${letter}` : `Alt+${letter}`;
}

/** The aria-keyshortcuts value for Alt+letter. */
export function altAria(letter: string): string {
  return `Alt+${letter}`;
}

/** True when `e` is Alt+letter and nothing else held. */
export function isAlt(e: KeyboardEvent, letter: string): boolean {
  return e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey && e.code === `Key${letter.toUpperCase()}`;
}

function clickable(el: HTMLElement | null): el is HTMLElement {
  return el !== null && el.isConnected && !(el as HTMLButtonElement).disabled && el.getClientRects().length > 0;
}

/**
 * Alt+letter clicks the element from `ref` while it is on screen and enabled. `scope`: 'page'
 * shortcuts stand down while a modal is open; 'dialog' ones only work inside the open dialog.
 */
export function useAltClick(letter: string, ref: React.RefObject<HTMLElement | null>, scope: 'page' | 'dialog'): void {
  const letterRef = useRef(letter);
  letterRef.current = letter;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!isAlt(e, letterRef.current)) return;
      const el = ref.current;
      if (scope === 'page' && isModalOpen()) return;
      if (scope === 'dialog' && !el?.closest('[role="dialog"]')) return;
      if (!clickable(el)) return;
      e.preventDefault();
      el.click();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [ref, scope]);
}
