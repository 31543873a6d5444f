// Pieces every action dialog shares: the step list, the footer, and the closing question.
import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Icon } from '../components/Icon.tsx';

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
