// A new password and its repeat, with the rules said plainly (length only, no composition rules).
import { useTranslation } from 'react-i18next';
import { Field } from './Field.tsx';

export const PASSWORD_MIN = 15;
export const PASSWORD_MAX = 256;

/** Length in code points, as main counts it. */
export function passwordLength(pw: string): number {
  return [...pw.normalize('NFKC')].length;
}

/** The local problem with a new password and its repeat, as message keys per field. */
export function passwordProblems(pw: string, repeat: string): { password?: string; repeat?: string } {
  const n = passwordLength(pw);
  const out: { password?: string; repeat?: string } = {};
  if (n < PASSWORD_MIN) out.password = 'password.tooShort';
  else if (n > PASSWORD_MAX) out.password = 'password.tooLong';
  if (repeat !== pw) out.repeat = 'password.mismatch';
  return out;
}

interface Props {
  password: string;
  repeat: string;
  onPassword: (v: string) => void;
  onRepeat: (v: string) => void;
  /** Show local problems (after the first submit attempt). */
  showProblems: boolean;
  /** An error from main for the password (e.g. a commonly used password). */
  serverError?: string | undefined;
  label?: string;
  testIdPrefix?: string;
}

/** New password + repeat, with rules and a live character count. */
export function PasswordFields({ password, repeat, onPassword, onRepeat, showProblems, serverError, label, testIdPrefix = 'new-password' }: Props) {
  const { t } = useTranslation();
  const problems = passwordProblems(password, repeat);
  const n = passwordLength(password);
  return (
    <>
      <Field
        label={label ?? t('password.new')}
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={onPassword}
        maxLength={1024}
        testId={testIdPrefix}
        hint={
          <>
            {t('password.rules', { min: PASSWORD_MIN, max: PASSWORD_MAX })}{' '}
            <span className="count">{t('password.count', { n })}</span>
          </>
        }
        error={serverError ?? (showProblems && problems.password ? t(problems.password, { min: PASSWORD_MIN, max: PASSWORD_MAX }) : undefined)}
      />
      <Field
        label={t('password.repeat')}
        type="password"
        autoComplete="new-password"
        value={repeat}
        onChange={onRepeat}
        maxLength={1024}
        testId={`${testIdPrefix}-repeat`}
        error={showProblems && problems.repeat ? t(problems.repeat) : undefined}
      />
    </>
  );
}
