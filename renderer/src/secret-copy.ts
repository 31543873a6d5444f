// Ctrl+C (or Edit > Copy) on a shown secret must not put it straight into the OS clipboard,
// where the 30-second clear, the clear at lock and the concealed markers would not reach it.
// The page's own copy is cancelled and the selected secret goes through main's clipboard guard.

/** Marks an element whose text is a secret (a code, a key, backup codes, a recovery key). */
export const SECRET_ATTR = 'data-secret';

function touchedSecrets(doc: Document, sel: Selection): Element[] {
  const found: Element[] = [];
  for (let i = 0; i < sel.rangeCount; i++) {
    const range = sel.getRangeAt(i);
    for (const el of doc.querySelectorAll(`[${SECRET_ATTR}]`)) if (range.intersectsNode(el) && !found.includes(el)) found.push(el);
  }
  return found;
}

/** The text to copy: the typed form (data-value) when the selection is exactly one value, else the selection. */
export function secretCopyText(selected: string, values: readonly string[]): string {
  const bare = selected.replace(/\s+/g, '');
  const one = values.find((v) => v.replace(/\s+/g, '') === bare);
  return one ?? selected.trim();
}

/** Cancels copy and cut of a selection that touches a secret and hands the text to `copy` instead. */
export function installSecretCopyGuard(doc: Document, copy: (text: string) => void): () => void {
  const onCopy = (e: ClipboardEvent) => {
    const sel = doc.getSelection();
    if (!sel || sel.isCollapsed || sel.rangeCount === 0) return;
    const secrets = touchedSecrets(doc, sel);
    if (secrets.length === 0) return;
    // Nothing of the page's own copy reaches the OS clipboard.
    e.preventDefault();
    e.stopImmediatePropagation();
    const values = secrets.flatMap((el) => [...el.querySelectorAll('[data-value]')].map((v) => v.getAttribute('data-value') ?? ''));
    const text = secretCopyText(sel.toString(), values);
    if (text) copy(text);
  };
  doc.addEventListener('copy', onCopy, true);
  doc.addEventListener('cut', onCopy, true);
  return () => {
    doc.removeEventListener('copy', onCopy, true);
    doc.removeEventListener('cut', onCopy, true);
  };
}
