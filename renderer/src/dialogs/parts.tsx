// Pieces every action dialog shares: the step list, the footer, and the closing question.
import { useEffect, useRef, type ReactNode, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { Icon } from '../components/Icon.tsx';
import { altAria, altLabel, useAltClick } from '../shortcuts.ts';

interface NextProps {
  label: string;
  disabled?: boolean;
  /** Submit the step's form (default), or run `onClick`. */
  onClick?: () => void;
  describedBy?: string;
  /** Red: the step does something that cannot be undone. */
  danger?: boolean;
  autoFocus?: boolean;
  testId?: string;
  /** For a step that moves the focus here itself (e.g. once the key is shown). */
  buttonRef?: React.RefObject<HTMLButtonElement | null>;
}

/**
 * The primary button of a dialog step ("Next", "Make code", …): Alt+N presses it from anywhere
 * in the dialog, and the shortcut is written on it.
 */
export function NextButton({ label, disabled, onClick, describedBy, danger, autoFocus, testId = 'dialog-next', buttonRef }: NextProps) {
  const own = useRef<HTMLButtonElement>(null);
  const ref = buttonRef ?? own;
  useAltClick('N', ref as RefObject<HTMLElement | null>, 'dialog');
  return (
    <button
      ref={ref}
      type={onClick ? 'button' : 'submit'}
      className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`}
      disabled={disabled}
      onClick={onClick}
      aria-describedby={describedBy}
      aria-keyshortcuts={altAria('N')}
      data-testid={testId}
      autoFocus={autoFocus}
    >
      {label}
      <kbd className="kbd-hint" aria-hidden="true">
        {altLabel('N')}
      </kbd>
    </button>
  );
}

/** "1 Who is calling? · 2 What will happen · 3 The result", current step marked. */
export function StepList({ steps, current }: { steps: string[]; current: number }) {
  const { t } = useTranslation();
  return (
    <ol className="steps" aria-label={t('dialog.progress', { n: current, total: steps.length })}>
      {steps.map((s, i) => {
        const n = i + 1;
        const state = n < current ? 'done' : n === current ? 'current' : 'todo';
        return (
          <li key={s} className={`step step-${state}`} aria-current={n === current ? 'step' : undefined}>
            <span className="step-n">{n < current ? <Icon name="check" /> : n}</span>
            <span className="step-label">{s}</span>
          </li>
        );
      })}
    </ol>
  );
}

/** The row of buttons at the bottom of a dialog: secondary on the left, primary on the right. */
export function Footer({ left, right }: { left?: ReactNode; right: ReactNode }) {
  return (
    <div className="modal-foot">
      <div className="modal-foot-left">{left}</div>
      <div className="modal-foot-right">{right}</div>
    </div>
  );
}

/** "Have you given this to the user? It will not be shown again." with Yes (close) and No. */
export function CloseConfirm({ name, onYes, onNo }: { name: string; onYes: () => void; onNo: () => void }) {
  const { t } = useTranslation();
  const noRef = useRef<HTMLButtonElement>(null);
  useEffect(() => noRef.current?.focus(), []);
  return (
    <div className="close-confirm" role="alertdialog" aria-labelledby="close-confirm-q" data-testid="close-confirm">
      <p id="close-confirm-q">
        <Icon name="warning" /> {t('dialog.closeQuestion', { name })}
      </p>
      <div className="close-confirm-buttons">
        <button type="button" className="btn" ref={noRef} onClick={onNo} data-testid="close-confirm-no">
          {t('dialog.closeNo')}
        </button>
        <button type="button" className="btn btn-primary" onClick={onYes} data-testid="close-confirm-yes">
          {t('dialog.closeYes')}
        </button>
      </div>
    </div>
  );
}

/** A consequence sentence; destructive ones are red with an icon (never colour alone). */
export interface Consequence {
  text: string;
  destructive?: boolean;
}

/** The list of consequences, destructive first. */
export function Consequences({ items }: { items: Consequence[] }) {
  const sorted = [...items.filter((c) => c.destructive), ...items.filter((c) => !c.destructive)];
  return (
    <ul className="consequences" data-testid="consequences">
      {sorted.map((c, i) => (
        <li key={i} className={c.destructive ? 'consequence-destructive' : 'consequence'}>
          <Icon name={c.destructive ? 'warning' : 'info'} />
          <span>{c.text}</span>
        </li>
      ))}
    </ul>
  );
}
