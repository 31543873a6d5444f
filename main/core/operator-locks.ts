// Operator sign-in locks as an admin sees them: who is locked after too many wrong passwords
// (and until when), and clearing a lock before it runs out. The counters live in the pre-sign-in
// journal (see signin.ts); names there are hashes, so each operator is looked up by theirs.
import { fail } from './errors.ts';
import type { Session } from './session.ts';
import type { Store } from '../store/port.ts';
import type { SignInJournal } from '../store/vault-lock.ts';
import type { OperatorRecord } from '../store/records.ts';
import { operatorIn, type Operator } from './operators.ts';
import { requireRole } from './roles.ts';
import { attemptGate, type AccountState } from './signin-throttle.ts';
import { journalName, recordSealedJournal } from './signin.ts';
import { auditAs } from './audit-as.ts';
import { foldKey } from './text.ts';

/** An operator with their sign-in lock: `lockedUntil` while locked (epoch ms), else null. */
export type OperatorWithLock = Operator & { lockedUntil: number | null; failedSignIns: number };

function lockOf(s: AccountState, now: number): { lockedUntil: number | null; failedSignIns: number } {
  const gate = attemptGate(s, now);
  return { lockedUntil: gate.kind === 'locked' ? gate.until : null, failedSignIns: s.failures };
}

function withLock(r: OperatorRecord, op: Operator, journal: SignInJournal, now: number): OperatorWithLock {
  return { ...op, ...lockOf(journal.state(journalName(r.nameKey)), now) };
}

/** Lists operators with their sign-in locks (admin). */
export async function listOperatorsWithLocks(store: Store, journal: SignInJournal, session: Session): Promise<OperatorWithLock[]> {
  requireRole(session, 'operators:list');
  const rows = await store.read(async (tx) => Promise.all((await tx.operators.list()).map(async (r) => ({ r, op: await operatorIn(tx, r) }))));
  const now = store.clock.now();
  return rows.map(({ r, op }) => withLock(r, op, journal, now));
}

/**
 * Clears an operator's sign-in lock and failure count (admin), before the lock runs out. The
 * journal is re-sealed with their counter reset (as their own sign-in would); the attempts it
 * held and the clearing itself go into the audit in one transaction. An operator with nothing to
 * clear is left as is and nothing is recorded.
 */
export async function clearOperatorLock(store: Store, journal: SignInJournal, session: Session, name: string): Promise<{ operator: OperatorWithLock; wasLocked: boolean; lockedUntil: number | null; failedSignIns: number }> {
  requireRole(session, 'operators:unlock');
  const found = typeof name === 'string' ? await store.read(async (tx) => {
    const r = await tx.operators.getByNameKey(foldKey(name));
    return r ? { row: r, op: await operatorIn(tx, r) } : null;
  }) : null;
  if (!found || found.row.status === 'removed') fail('NOT_FOUND', 'There is no operator with that name.');
  const { row, op } = found;
  const jName = journalName(row.nameKey);
  const before = lockOf(journal.state(jName), store.clock.now());
  const wasLocked = before.lockedUntil !== null;
  if (!wasLocked && before.failedSignIns === 0) return { operator: withLock(row, op, journal, store.clock.now()), wasLocked, ...before };
  // The journal is a file beside the store: re-sealed first, then its events and this action are
  // recorded together (as at every sign-in).
  const sealed = journal.clear(jName);
  await store.write(async (tx) => {
    const now = store.clock.now();
    await recordSealedJournal(tx, sealed, session.name, now);
    await auditAs(tx, session, { action: 'operator.unlock', outcome: 'ok', details: { name: row.name, wasLocked, lockedUntil: before.lockedUntil, failedSignIns: before.failedSignIns } }, now);
  });
  return { operator: withLock(row, op, journal, store.clock.now()), wasLocked, ...before };
}
