import type { Store } from '../store/port.ts';

/** Tolerance before a backward clock jump is reported (small drifts are normal). */
export const CLOCK_TOLERANCE_MS = 60_000;

/**
 * The latest time the vault has recorded (among its newest audit events). A clock earlier than
 * that means the computer's clock went backwards: code expiry and TOTP windows would be judged
 * wrongly, so the app warns. Forward gaps are normal (overnight) and not reported.
 */
export async function clockCheck(store: Store, now = store.clock.now()): Promise<{ latestRecorded: number | null; behind: boolean }> {
  const latest = await store.read((tx) => tx.audit.latestAt());
  return { latestRecorded: latest, behind: latest !== null && now < latest - CLOCK_TOLERANCE_MS };
}
