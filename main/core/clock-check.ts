import type { Db } from '../store/sqlite/database.ts';

/** Tolerance before a backward clock jump is reported (small drifts are normal). */
export const CLOCK_TOLERANCE_MS = 60_000;

/**
 * The latest time the vault has recorded (its newest audit event). A clock earlier than that
 * means the computer's clock went backwards: code expiry and TOTP windows would be judged
 * wrongly, so the app warns. Forward gaps are normal (overnight) and not reported.
 */
export function clockCheck(db: Db, now: number): { latestRecorded: number | null; behind: boolean } {
  const row = db.prepare('SELECT max(at) AS at FROM (SELECT at FROM audit_events ORDER BY seq DESC LIMIT 1000)').get() as { at: number | null };
  const latest = row.at ?? null;
  return { latestRecorded: latest, behind: latest !== null && now < latest - CLOCK_TOLERANCE_MS };
}
