// A Radix checkbox with a visible label and an optional note under it.
import * as RCheckbox from '@radix-ui/react-checkbox';
import { useId, type ReactNode } from 'react';
import { Icon } from './Icon.tsx';

interface Props {
  label: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  note?: ReactNode;
  disabled?: boolean;
  testId?: string;
}

/** Checkbox + label; the whole label is clickable. */
export function Checkbox({ label, checked, onChange, note, disabled, testId }: Props) {
  const id = useId();
  return (
    <div className={`checkbox${disabled ? ' is-disabled' : ''}`}>
      <RCheckbox.Root
        id={id}
        className="checkbox-box"
        checked={checked}
        disabled={disabled}
        onCheckedChange={(v) => onChange(v === true)}
        data-testid={testId}
        aria-describedby={note ? `${id}-note` : undefined}
      >
        <RCheckbox.Indicator className="checkbox-indicator">
          <Icon name="check" />
        </RCheckbox.Indicator>
      </RCheckbox.Root>
      <div className="checkbox-text">
        <label htmlFor={id}>{label}</label>
        {note ? (
          <div className="checkbox-note" id={`${id}-note`}>
            {note}
          </div>
        ) : null}
      </div>
    </div>
  );
}
