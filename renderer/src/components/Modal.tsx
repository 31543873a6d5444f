// A Radix dialog with our frame. Focus moves into it (the first field, or the step's primary
// control marked autoFocus) and, on close, back to the control that opened it — kept by us, not
// by Radix, because Radix remembers whatever had focus when its effect ran (often a field inside
// the dialog that is gone by then) and a lost focus used to fall back to the Lookup tab.
// Esc closes unless `onEscape` says otherwise (e.g. "have you given this to the user?").
import * as Dialog from '@radix-ui/react-dialog';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { captureReturnPoint, openReturnPoint, rememberReturnPoint, returnFocus } from '../focus.ts';
import { isModalOpen, modalOpened } from '../modal-stack.ts';

interface Props {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description?: string;
  children: ReactNode;
  testId?: string;
  wide?: boolean;
  /** Called on Esc; return true to keep the dialog open (the handler shows its own prompt). */
  onEscape?: () => boolean;
  /** Called when focus would return to the opener; return true to handle focus yourself. */
  onClosedFocus?: () => boolean;
  /** Text above the title (e.g. "Step 2 of 3"). */
  eyebrow?: string;
}

/** The app's modal dialog. */
export function Modal({ open, onOpenChange, title, description, children, testId, wide, onEscape, onClosedFocus, eyebrow }: Props) {
  // Taken during the first render, before anything in the dialog can take the focus.
  const [point] = useState(captureReturnPoint);
  const closedFocus = useRef(onClosedFocus);
  closedFocus.current = onClosedFocus;

  useEffect(() => {
    if (!open) return undefined;
    const done = modalOpened();
    const closed = openReturnPoint(point);
    return () => {
      done();
      closed();
      // Unmounted while open (the usual way our dialogs close): Radix's own return may aim at a
      // removed element, so put the focus back here once Radix is done.
      window.setTimeout(() => {
        if (closedFocus.current?.()) return;
        // Another dialog took this one's place: it returns the focus when it closes.
        if (isModalOpen()) return;
        const a = document.activeElement;
        if (!a || a === document.body || !a.isConnected) returnFocus(point);
      }, 0);
    };
  }, [open, point]);

  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="modal-overlay" />
        <Dialog.Content
          ref={(el) => {
            if (el) rememberReturnPoint(el, point);
          }}
          className={`modal${wide ? ' modal-wide' : ''}`}
          data-testid={testId}
          {...(description ? {} : { 'aria-describedby': undefined })}
          onEscapeKeyDown={(e) => {
            if (onEscape?.()) e.preventDefault();
          }}
          onPointerDownOutside={(e) => e.preventDefault()}
          onInteractOutside={(e) => e.preventDefault()}
          onCloseAutoFocus={(e) => {
            // Focus is ours to place (see the effect above).
            e.preventDefault();
          }}
        >
          <header className="modal-head">
            {eyebrow ? <div className="modal-eyebrow">{eyebrow}</div> : null}
            <Dialog.Title className="modal-title">{title}</Dialog.Title>
            {description ? <Dialog.Description className="modal-desc">{description}</Dialog.Description> : null}
          </header>
          <div className="modal-body">{children}</div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
