// A Radix dialog with our frame: focus moves into it (first field) and back to the opener on
// close; Esc closes unless `onEscape` says otherwise (e.g. "have you given this to the user?").
import * as Dialog from '@radix-ui/react-dialog';
import type { ReactNode } from 'react';
import { rescueFocus } from '../focus.ts';

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
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="modal-overlay" />
        <Dialog.Content
          className={`modal${wide ? ' modal-wide' : ''}`}
          data-testid={testId}
          {...(description ? {} : { 'aria-describedby': undefined })}
          onEscapeKeyDown={(e) => {
            if (onEscape?.()) e.preventDefault();
          }}
          onPointerDownOutside={(e) => e.preventDefault()}
          onInteractOutside={(e) => e.preventDefault()}
          onCloseAutoFocus={(e) => {
            if (onClosedFocus?.()) e.preventDefault();
            rescueFocus();
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
