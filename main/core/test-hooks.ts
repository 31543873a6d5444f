/**
 * Test-only hooks: the fast KDF profile and named crash points. They are honoured only when
 * FACTORDESK_TEST_HOOKS=1 in a process that is not the packaged app: the Electron bundle
 * replaces `__FACTORDESK_APP_BUNDLE__` with `true` at build time, which turns both off for good.
 */
declare const __FACTORDESK_APP_BUNDLE__: boolean | undefined;

/** True when test hooks may be used by this process. */
export function testHooksEnabled(): boolean {
  const inAppBundle = typeof __FACTORDESK_APP_BUNDLE__ !== 'undefined' && __FACTORDESK_APP_BUNDLE__;
  return !inAppBundle && process.env.FACTORDESK_TEST_HOOKS === '1';
}

/**
 * A named point where the fault suite may kill this process (SIGKILL to itself), to prove that
 * every action is whole or absent after a crash. No-op unless test hooks are on and
 * FACTORDESK_CRASH_AT names this point (optionally `name@N` to crash on the N-th pass).
 */
export function crashPoint(name: string): void {
  if (!testHooksEnabled()) return;
  const spec = process.env.FACTORDESK_CRASH_AT;
  if (!spec) return;
  const [target, nth] = spec.split('@');
  if (target !== name) return;
  const wanted = nth ? Number(nth) : 1;
  passes.set(name, (passes.get(name) ?? 0) + 1);
  if ((passes.get(name) ?? 0) >= wanted) process.kill(process.pid, 'SIGKILL');
}

const passes = new Map<string, number>();
