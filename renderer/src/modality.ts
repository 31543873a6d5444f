// Which input the agent used last, on <html data-input="keyboard|pointer">. Chromium shows
// :focus-visible only after "plain" keys, not after Alt+R or Ctrl+K, so the focus ring would be
// missing right after a shortcut moved the focus; the CSS shows it whenever keys were used last.
function set(mode: 'keyboard' | 'pointer'): void {
  if (document.documentElement.dataset['input'] !== mode) document.documentElement.dataset['input'] = mode;
}
window.addEventListener('keydown', () => set('keyboard'), { capture: true, passive: true });
window.addEventListener('pointerdown', () => set('pointer'), { capture: true, passive: true });
