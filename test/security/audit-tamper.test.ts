// Security suite: someone with the vault key edits the audit log directly on the database (a
// second connection with the key, the append-only triggers dropped first). The chain check, in
// the services and through the `audit:verify` channel, reports the exact event; truncation and
// a consistently recomputed rewrite are caught by the anchor kept outside the database.
import { VIEW_FOLD_MS } from '../../main/core/factors.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { CTX, codeOf, inspectVault, insertUser, makeSuiteApp, openWithKey, type SuiteApp } from '../helpers/suites.ts';
import { ADMIN } from '../helpers/vault.ts';
import { canonicalEvent, eventHash, GENESIS_HASH } from '../../main/core/audit.ts';
import { listAuditRows as listAudit } from '../../main/store/sqlite/audit-rows.ts';
import type { Db } from '../../main/store/sqlite/database.ts';

const apps: SuiteApp[] = [];
afterEach(() => {
  while (apps.length) apps.pop()!.cleanup();
});

/** A vault with a history of real actions, closed; returns its folder, key and event count. */
async function history(): Promise<{ app: SuiteApp; key: Buffer; count: number }> {
  const app = makeSuiteApp();
  apps.push(app);
  await app.firstRun();
  await app.addAgent();
  const kari = insertUser(app.db(), 'kari.nordmann@example.no', 'Kari Nordmann', { sms: '+4791234567' });
  for (let i = 0; i < 3; i++) {
    // Past the window in which repeated views of one user are folded into one event.
    app.clock.advance(VIEW_FOLD_MS + 1000);
    expect(codeOf(await app.call('users:view', { userId: kari }))).toBe('OK');
    expect(codeOf(await app.call('codes:issue-one-time', { userId: kari, ...CTX, reason: `reason ${i}` }))).toBe('OK');
    expect(codeOf(await app.call('codes:backup', { userId: kari, ...CTX }))).toBe('OK');
  }
  expect(codeOf(await app.call('requests:refuse', { userId: kari, callerName: 'Caller', requested: 'codes by e-mail', failedChecks: ['known-email'], ticket: 'HD-9' }))).toBe('OK');
  const key = app.controller.vaultOrNull!.keyForWorker();
  app.close();
  const count = inspectOnce(app.dir, key).count;
  return { app, key, count };
}

function inspectOnce(dir: string, key: Buffer) {
  const ins = inspectVault(dir, key);
  ins.close();
  return ins.chain;
}

/** Opens the vault like an outside tool with the key, drops the append-only triggers, runs `edit`. */
function tamper(dir: string, key: Buffer, edit: (db: Db) => void): void {
  const db = openWithKey(join(dir, 'vault.db'), key);
  try {
    expect(() => db.prepare('DELETE FROM audit_events WHERE seq = 1').run()).toThrow(/append-only/);
    db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
    db.transaction(() => edit(db))();
  } finally {
    db.close();
  }
}

interface Row {
  seq: number;
  at: number;
  operator: string | null;
  action: string;
  user_id: number | null;
  user_email: string | null;
  checks: string | null;
  ticket: string | null;
  reason: string | null;
  outcome: string;
  details: string;
  prev_hash: string;
  hash: string;
}
const rowAt = (db: Db, seq: number) => db.prepare('SELECT * FROM audit_events WHERE seq = ?').get(seq) as Row;
function rehash(r: Row, prev: string): string {
  return eventHash(prev, canonicalEvent({ seq: r.seq, at: r.at, operator: r.operator, action: r.action, userId: r.user_id, userEmail: r.user_email, checks: r.checks ? (JSON.parse(r.checks) as string[]) : [], ticket: r.ticket, reason: r.reason, outcome: r.outcome, details: JSON.parse(r.details) as Record<string, unknown> }));
}

/** The app's own check through the channel: the exact event, recorded as broken, the anchor left as evidence. */
async function appReports(app: SuiteApp, expected: { firstBroken: number | null; anchor: string }) {
  const again = makeSuiteApp({ dir: app.dir, clock: app.clock });
  apps.push(again);
  expect(codeOf(await again.signIn(ADMIN))).toBe('OK');
  const anchorBefore = again.controller.vaultOrNull!.anchor();
  const r = await again.call('audit:verify', {});
  expect(r.ok).toBe(true);
  expect(r.value).toMatchObject({ ok: false, ...expected });
  const e = listAudit(again.db(), { limit: 1 })[0]!;
  expect(e).toMatchObject({ action: 'audit.verify', outcome: 'broken', details: { firstBroken: expected.firstBroken, anchor: expected.anchor } });
  expect(again.controller.vaultOrNull!.anchor()).toEqual(anchorBefore);
  again.close();
  return r.value as { problem: string | null };
}

describe('audit tampering on the database itself', () => {
  it('the untouched vault verifies (control)', async () => {
    const { app, key, count } = await history();
    expect(count).toBeGreaterThan(12);
    expect(inspectOnce(app.dir, key)).toMatchObject({ ok: true, firstBroken: null, anchor: 'ok' });
  });

  for (const [what, edit] of [
    ['the reason', (r: Row) => ({ reason: 'routine check' + (r.reason ?? '') })],
    ['the time', (r: Row) => ({ at: r.at - 3_600_000 })],
    ['the operator', () => ({ operator: 'per' })],
    ['the outcome', () => ({ outcome: 'refused' })],
    ['the identity checks', () => ({ checks: JSON.stringify(['callback', 'photo-id', 'manager']) })],
    ['a detail', (r: Row) => ({ details: JSON.stringify({ ...(JSON.parse(r.details) as object), minutes: 1440 }) })],
  ] as const) {
    it(`editing ${what} of one event is reported at that event`, async () => {
      const { app, key, count } = await history();
      const k = Math.floor(count / 2) + 1;
      tamper(app.dir, key, (db) => {
        const r = rowAt(db, k);
        const patch = (edit as (r: Row) => Record<string, unknown>)(r);
        const cols = Object.keys(patch);
        db.prepare(`UPDATE audit_events SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE seq = ?`).run(...cols.map((c) => patch[c]), k);
      });
      expect(inspectOnce(app.dir, key)).toMatchObject({ ok: false, firstBroken: k, problem: `event ${k} was changed after it was written` });
      await appReports(app, { firstBroken: k, anchor: 'ok' });
    });
  }

  it('deleting one event is reported at that event', async () => {
    const { app, key, count } = await history();
    const k = Math.floor(count / 2);
    tamper(app.dir, key, (db) => db.prepare('DELETE FROM audit_events WHERE seq = ?').run(k));
    // The chain has a hole at k, and it holds one event fewer than the anchor counted.
    expect(inspectOnce(app.dir, key)).toMatchObject({ ok: false, firstBroken: k, problem: `event ${k} is missing`, anchor: 'ahead' });
    await appReports(app, { firstBroken: k, anchor: 'ahead' });
  });

  it('reordering two events (swapping their positions) is reported at the first of them', async () => {
    const { app, key, count } = await history();
    const k = Math.floor(count / 2);
    tamper(app.dir, key, (db) => {
      db.prepare('UPDATE audit_events SET seq = -1 WHERE seq = ?').run(k);
      db.prepare('UPDATE audit_events SET seq = ? WHERE seq = ?').run(k, k + 1);
      db.prepare('UPDATE audit_events SET seq = ? WHERE seq = -1').run(k + 1);
    });
    expect(inspectOnce(app.dir, key)).toMatchObject({ ok: false, firstBroken: k });
    await appReports(app, { firstBroken: k, anchor: 'ok' });
  });

  it('swapping the contents of two events but keeping their numbers is reported at the first of them', async () => {
    const { app, key, count } = await history();
    const k = Math.floor(count / 2);
    tamper(app.dir, key, (db) => {
      const a = rowAt(db, k);
      const b = rowAt(db, k + 1);
      const cols = ['at', 'operator', 'action', 'user_id', 'user_email', 'checks', 'ticket', 'reason', 'outcome', 'details', 'prev_hash', 'hash'] as const;
      const set = db.prepare(`UPDATE audit_events SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE seq = ?`);
      set.run(...cols.map((c) => b[c]), k);
      set.run(...cols.map((c) => a[c]), k + 1);
    });
    expect(inspectOnce(app.dir, key)).toMatchObject({ ok: false, firstBroken: k });
    await appReports(app, { firstBroken: k, anchor: 'ok' });
  });

  it('an edit whose own hash is recomputed is reported at the next event (the link that broke)', async () => {
    const { app, key, count } = await history();
    const k = Math.floor(count / 2);
    tamper(app.dir, key, (db) => {
      const r = { ...rowAt(db, k), reason: 'nothing to see here' };
      db.prepare('UPDATE audit_events SET reason = ?, hash = ? WHERE seq = ?').run(r.reason, rehash(r, r.prev_hash), k);
    });
    expect(inspectOnce(app.dir, key)).toMatchObject({ ok: false, firstBroken: k + 1, problem: `event ${k + 1} does not follow the event before it` });
    await appReports(app, { firstBroken: k + 1, anchor: 'ok' });
  });

  it('truncating the last events: the anchor is ahead of the chain', async () => {
    const { app, key, count } = await history();
    tamper(app.dir, key, (db) => db.prepare('DELETE FROM audit_events WHERE seq > ?').run(count - 3));
    expect(inspectOnce(app.dir, key)).toMatchObject({ ok: false, firstBroken: null, anchor: 'ahead', count: count - 3 });
    // Signing in appends one event: still behind the anchor, still reported.
    await appReports(app, { firstBroken: null, anchor: 'ahead' });
  });

  it('a rewrite from one event on with every hash recomputed: the chain holds together, the anchor does not match', async () => {
    const { app, key, count } = await history();
    const k = Math.floor(count / 2);
    tamper(app.dir, key, (db) => {
      let prev = k === 1 ? GENESIS_HASH : rowAt(db, k - 1).hash;
      for (let s = k; s <= count; s++) {
        const r = rowAt(db, s);
        if (s === k) r.reason = 'rewritten';
        const h = rehash(r, prev);
        db.prepare('UPDATE audit_events SET reason = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(r.reason, prev, h, s);
        prev = h;
      }
    });
    // Inside the database nothing points at the edit: only the anchor outside it shows the rewrite.
    expect(inspectOnce(app.dir, key)).toMatchObject({ ok: false, firstBroken: null, anchor: 'mismatch' });
    await appReports(app, { firstBroken: null, anchor: 'mismatch' });
  });
});
