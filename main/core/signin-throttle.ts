/** Sign-in throttling policy: counted failures space attempts out, then lock the name for a while. */
export const SIGNIN_POLICY = {
  slowAfter: 5, // failures before attempts are spaced out
  maxDelaySeconds: 60,
  lockAfter: 20,
  lockMinutes: 15,
};

/** The failure count and lock of one typed sign-in name. */
export interface AccountState {
  failures: number;
  lastFailureAt: number | null;
  lockedUntil: number | null;
}

/** Whether a sign-in attempt may run now: `locked` or `wait` seconds, else ok. */
export function attemptGate(s: AccountState, now: number): { kind: 'ok' } | { kind: 'locked'; until: number } | { kind: 'wait'; seconds: number } {
  if (s.lockedUntil !== null && s.lockedUntil > now) return { kind: 'locked', until: s.lockedUntil };
  if (s.failures >= SIGNIN_POLICY.slowAfter && s.lastFailureAt !== null && !(s.lockedUntil !== null && s.lockedUntil <= now)) {
    const delay = Math.min(2 ** (s.failures - SIGNIN_POLICY.slowAfter), SIGNIN_POLICY.maxDelaySeconds) * 1000;
    const wait = s.lastFailureAt + delay - now;
    if (wait > 0) return { kind: 'wait', seconds: Math.ceil(wait / 1000) };
  }
  return { kind: 'ok' };
}
