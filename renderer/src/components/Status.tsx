// A status shown with an icon and text, never colour alone.
import { Icon, type IconName } from './Icon.tsx';

export type Tone = 'ok' | 'warn' | 'bad' | 'neutral' | 'info';

const DEFAULT_ICON: Record<Tone, IconName> = { ok: 'check', warn: 'warning', bad: 'cross', neutral: 'minus', info: 'info' };

/** A compact status label: icon + text, coloured by tone. */
export function Status({ tone, label, icon, testId }: { tone: Tone; label: string; icon?: IconName; testId?: string }) {
  return (
    <span className={`status status-${tone}`} data-testid={testId}>
      <Icon name={icon ?? DEFAULT_ICON[tone]} />
      <span>{label}</span>
    </span>
  );
}

/** A message block (error, warning, info, success) with an icon; errors are announced. */
export function Notice({ tone, children, testId, id }: { tone: Tone; children: React.ReactNode; testId?: string; id?: string }) {
  const role = tone === 'bad' || tone === 'warn' ? 'alert' : 'status';
  return (
    <div className={`notice notice-${tone}`} role={role} data-testid={testId} id={id}>
      <Icon name={DEFAULT_ICON[tone]} />
      <div>{children}</div>
    </div>
  );
}
