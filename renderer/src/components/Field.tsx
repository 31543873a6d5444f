// A labelled input with its hint and its error right next to it (aria-describedby/invalid).
import { useId, type InputHTMLAttributes, type ReactNode } from 'react';
import { Icon } from './Icon.tsx';

interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
  error?: string | undefined;
  testId?: string;
  multiline?: boolean;
}

/** Text input with label, hint and error. */
export function Field({ label, value, onChange, hint, error, testId, multiline, className, ...rest }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errId = error ? `${id}-err` : undefined;
  const describedBy = [hintId, errId].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    'data-testid': testId,
  } as const;
  return (
    <div className={`field${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea {...common} value={value} onChange={(e) => onChange(e.target.value)} rows={2} maxLength={rest.maxLength} required={rest.required} />
      ) : (
        <input {...rest} {...common} value={value} onChange={(e) => onChange(e.target.value)} />
      )}
      {hint ? (
        <div className="field-hint" id={hintId}>
          {hint}
        </div>
      ) : null}
      {error ? (
        <div className="field-error" id={errId} role="alert">
          <Icon name="warning" /> {error}
        </div>
      ) : null}
    </div>
  );
}
