import { afterEach, describe, expect, it, vi } from 'vitest';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { makeVault } from '../helpers/vault.ts';
import { FactorDeskError } from '../../main/core/errors.ts';
import { auditHeadRow as auditHead, listAuditRows as listAudit, verifyAuditRows as verifyAuditChain } from '../../main/store/sqlite/audit-rows.ts';
import { importUsers as importFrom, type ImportOptions, type ImportProgress, type ImportReport, type ImportSource } from '../../main/core/import-users.ts';
import { inputFile } from '../../main/platform/file-ports.ts';
import type { Store } from '../../main/store/port.ts';
import type { Session } from '../../main/core/session.ts';

/** The import service, with a path opened as the doors open a picked file. */
const importUsers = (store: Store, session: Session, source: string | ImportSource, opts?: ImportOptions) => importFrom(store, session, typeof source === 'string' ? inputFile(source) : source, opts);
import { findUserByEmail, searchUsers, upsertUser } from '../../main/core/users.ts';
import { indexedNameWords } from '../../main/store/sqlite/name-words.ts';
import { foldKey } from '../../main/core/text.ts';
import { SqliteUsers } from '../../main/store/sqlite/repos/users.ts';
import { SqliteAudit } from '../../main/store/sqlite/repos/audit.ts';
import { readSettings, updateSettings } from '../../main/core/settings.ts';
import { getUserFactors } from '../../main/core/factors.ts';
import { removeSms } from '../../main/core/user-actions.ts';

type V = Awaited<ReturnType<typeof makeVault>>;
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function fresh(withAgent = false): Promise<V> {
  const v = await makeVault({ withAgent });
  cleanups.push(v.cleanup);
  return v;
}

function file(v: V, name: string, text: string | Buffer): string {
  const p = join(v.dir, name);
  writeFileSync(p, text);
  return p;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    if (err instanceof FactorDeskError) return err.code;
    throw err;
  }
}

const count = (v: V, sql: string, ...args: unknown[]) => v.vault.db.prepare(sql).pluck().get(...args) as number;
const users = (v: V) => count(v, 'SELECT count(*) FROM users');

describe('importUsers: file format', () => {
  it('imports a plain file with one batch event and one summary event, then moves the anchor', async () => {
    const v = await fresh();
    const before = auditHead(v.vault.db).count;
    const p = file(v, 'u.csv', 'email,name,phone,organization\nkari@example.no,Kari Nordmann,+47 912 34 567,Acme\nola@example.no,Ola Hansen,,\n');
    const r = await importUsers(v.store, v.admin, p);
    expect(r).toEqual({ rows: 2, inserted: 2, updated: 0, unchanged: 0, rejected: [], cancelled: false, encoding: 'utf-8', encodingGuessed: false, stopped: null, flagged: [] });
    expect(await findUserByEmail(v.store, 'KARI@example.no')).toMatchObject({ name: 'Kari Nordmann', phone: '+4791234567', organization: 'Acme', status: 'active', externalId: null });
    expect(await findUserByEmail(v.store, 'ola@example.no')).toMatchObject({ phone: null, organization: null });
    const events = listAudit(v.vault.db, { action: 'user.import' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ operator: v.admin.name, outcome: 'ok', details: { rows: 2, inserted: 2, updated: 0, unchanged: 0, rejected: 0, cancelled: false, via: 'app' } });
    // The one batch commits with its own event (no committed row without one), then the summary.
    const batches = listAudit(v.vault.db, { action: 'user.import.batch' });
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ operator: v.admin.name, outcome: 'ok', details: { fromLine: 2, toLine: 3, rows: 2, inserted: 2, updated: 0, unchanged: 0, rejected: 0, via: 'app' } });
    expect(batches[0]!.seq).toBe(before + 1);
    expect(events[0]!.seq).toBe(before + 2);
    expect(auditHead(v.vault.db).count).toBe(before + 2);
    expect(v.vault.anchor()).toMatchObject({ count: before + 2, valid: true });
    expect(verifyAuditChain(v.vault.db, v.vault.anchor()).ok).toBe(true);
    expect((await searchUsers(v.store, v.admin, 'nordm')).items.map((u) => u.email)).toEqual(['kari@example.no']);
  });

  it('reports physical line numbers with a BOM, CRLF, blank lines and quoted multi-line fields', async () => {
    const v = await fresh();
    const text = [
      '\uFEFFEmail,NAME,Phone,organization', // 1
      'a@example.no,"Multi', // 2
      'Line Name",,Acme', // 3
      'not-an-email,Bad Email,,Acme', // 4
      '', // 5
      'c@example.no,Carl,+4791234567,"Quote ""Q"", Comma"', // 6
      'd@example.no,Dora,12345,Acme', // 7
      'e@example.no,"Three\nline\r\nname",,"Org', // 8-10 (LF and CRLF inside quotes)
      'Two"', // 11
      'f@example.no,Fred,,Acme,extra', // 12
      'g@example.no,,,Acme', // 13
      'h@example.no,Hans,,Acme', // 14
    ].join('\r\n');
    const r = await importUsers(v.store, v.admin, file(v, 'crlf.csv', text + '\r\n'));
    expect(r.rejected).toEqual([
      { line: 4, reason: expect.stringMatching(/@/), code: 'email-at', params: { field: 'email' } },
      { line: 7, reason: expect.stringMatching(/8–15 digits/), code: 'phone-invalid', params: { field: 'phone' } },
      { line: 12, reason: 'the row has a different number of fields than the header', code: 'field-count' },
      { line: 13, reason: expect.stringMatching(/name is missing/), code: 'missing', params: { field: 'name' } },
    ]);
    expect(r).toMatchObject({ rows: 8, inserted: 4 });
    expect((await findUserByEmail(v.store, 'a@example.no'))!.name).toBe('Multi Line Name');
    expect((await findUserByEmail(v.store, 'c@example.no'))!.organization).toBe('Quote "Q", Comma');
    expect(await findUserByEmail(v.store, 'e@example.no')).toMatchObject({ name: 'Three line name', organization: 'Org Two' });
    expect(await findUserByEmail(v.store, 'h@example.no')).not.toBeNull();
    // The same rows with LF line ends give the same line numbers.
    const v2 = await fresh();
    const r2 = await importUsers(v2.store, v2.admin, file(v2, 'lf.csv', text.replace(/\r\n/g, '\n')));
    expect(r2.rejected.map((x) => x.line)).toEqual([4, 7, 12, 13]);
  });

  it('detects semicolons, takes columns in any order and case, and keeps commas inside fields', async () => {
    const v = await fresh();
    const p = file(v, 's.csv', 'Organization;STATUS;Name;External_ID;email;phone\n"Acme, Inc";Disabled;Berg, Anne;HR-7;anne@example.no;+47 (912) 34-567\n');
    const r = await importUsers(v.store, v.admin, p);
    expect(r).toMatchObject({ inserted: 1, rejected: [] });
    expect(await findUserByEmail(v.store, 'anne@example.no')).toMatchObject({ name: 'Berg, Anne', organization: 'Acme, Inc', status: 'disabled', externalId: 'HR-7', phone: '+4791234567' });
    // Blank lines before the header do not hide the delimiter, and lines stay physical.
    const r2 = await importUsers(v.store, v.admin, file(v, 's2.csv', '\uFEFF\n\nemail;name;phone;organization\nb@example.no;B, C;;\nbad;X;;\n'));
    expect(r2).toMatchObject({ inserted: 1, rejected: [{ line: 5, reason: expect.any(String) }] });
  });

  it('rejects the whole file, before any write, for a bad or missing header', async () => {
    const v = await fresh();
    const head = auditHead(v.vault.db).count;
    const cases: Array<[string, RegExp]> = [
      ['email,name,phone,organization,shoe_size\na@example.no,A,,X,44\n', /unknown columns: "shoe_size"/],
      ['email,name,organization\na@example.no,A,X\n', /required columns: phone/],
      ['email,name,phone,organization,email\n', /twice/],
      ['a@example.no,A,,X\nb@example.no,B,,X\n', /unknown columns/],
      ['', /empty/],
      ['\uFEFF', /empty/],
    ];
    for (const [text, msg] of cases) {
      const err = await importUsers(v.store, v.admin, file(v, 'h.csv', text)).catch((e: unknown) => e);
      expect(err, text).toBeInstanceOf(FactorDeskError);
      expect((err as FactorDeskError).code).toBe('BAD_REQUEST');
      expect((err as FactorDeskError).message).toMatch(msg);
    }
    expect(users(v)).toBe(0);
    expect(auditHead(v.vault.db).count).toBe(head);
    expect(await codeOf(importUsers(v.store, v.admin, join(v.dir, 'missing.csv')))).toBe('IO_ERROR');
  });

  it('accepts a header-only file and a stream source', async () => {
    const v = await fresh();
    expect(await importUsers(v.store, v.admin, file(v, 'h.csv', 'email,name,phone,organization\n'))).toMatchObject({ rows: 0, inserted: 0 });
    const stream = Readable.from([Buffer.from('email,name,phone,'), Buffer.from('organization\nx@exam'), Buffer.from('ple.no,X Y,,\n')]);
    expect(await importUsers(v.store, v.admin, stream)).toMatchObject({ rows: 1, inserted: 1 });
    expect((await searchUsers(v.store, v.admin, 'y')).items.map((u) => u.email)).toEqual(['x@example.no']);
  });

  it('reports an unclosed quote at the line where its row starts and keeps the rows before and after it', async () => {
    const v = await fresh();
    const r = await importUsers(v.store, v.admin, file(v, 'q.csv', 'email,name,phone,organization\na@example.no,A,,X\nb@example.no,"B,,X\nc@example.no,C,,X\n'));
    expect(r.inserted).toBe(2);
    expect(r.stopped).toBeNull();
    expect(r.rejected).toEqual([{ line: 3, reason: 'a quoted field is not closed', code: 'quote-not-closed' }]);
  });

  it('reads on after a runaway quote: only its line is rejected', async () => {
    const v = await fresh();
    const rest = Array.from({ length: 5000 }, (_, i) => `u${i}@example.no,U ${i},,X`).join('\n');
    const r = await importUsers(v.store, v.admin, file(v, 'r.csv', `email,name,phone,organization\na@example.no,A,,X\nb@example.no,"B,,X\n${rest}\n`));
    expect(r.inserted).toBe(5001);
    expect(r.rejected).toEqual([{ line: 3, reason: 'a quoted field is not closed', code: 'quote-not-closed' }]);
    expect(r.stopped).toBeNull();
  });

  it('gives local phone numbers the default country code from the settings, and rejects only rows whose number cannot be one', async () => {
    const v = await fresh();
    const csv = 'email,name,phone,organization\na@example.no,A,912 34 567,X\nb@example.no,B,070-123 45 67,X\nc@example.no,C,ring meg,X\nd@example.no,D,+45 12 34 56 78,X\n';
    let r = await importUsers(v.store, v.admin, file(v, 'p.csv', csv));
    expect(r).toMatchObject({ inserted: 3, rejected: [{ line: 4, reason: expect.stringMatching(/phone number is not valid/) }] });
    expect((await findUserByEmail(v.store, 'a@example.no'))!.phone).toBe('+4791234567');
    expect((await findUserByEmail(v.store, 'd@example.no'))!.phone).toBe('+4512345678');
    expect((await updateSettings(v.store, v.admin, { defaultCountryCode: '0046' })).defaultCountryCode).toBe('+46');
    r = await importUsers(v.store, v.admin, file(v, 'p.csv', csv));
    expect(r).toMatchObject({ updated: 2, unchanged: 1 });
    expect((await findUserByEmail(v.store, 'b@example.no'))!.phone).toBe('+46701234567');
    expect((await findUserByEmail(v.store, 'a@example.no'))!.phone).toBe('+4691234567');
    for (const bad of ['+0', '47a', '+1234', '', '++47']) expect(await codeOf(updateSettings(v.store, v.admin, { defaultCountryCode: bad })), bad).toBe('BAD_REQUEST');
    expect((await readSettings(v.store, v.admin)).defaultCountryCode).toBe('+46');
  });

  it('only admins may import', async () => {
    const v = await fresh(true);
    const p = file(v, 'u.csv', 'email,name,phone,organization\na@example.no,A,,X\n');
    expect(await codeOf(importUsers(v.store, v.agent!, p))).toBe('FORBIDDEN');
    expect(await codeOf(importUsers(v.store, { ...v.admin, role: 'service' }, p))).toBe('FORBIDDEN');
    expect(users(v)).toBe(0);
  });
});

describe('importUsers: upserts and audit', () => {
  it('lets a later duplicate row update the earlier one (emails compared folded)', async () => {
    const v = await fresh();
    const r = await importUsers(v.store, v.admin, file(v, 'd.csv', 'email,name,phone,organization\ndup@example.no,First,,X\nØYVIND@example.no,Øyvind,,X\nDUP@example.no,Second,,X\nøyvind@EXAMPLE.no,Øyvind,,X\n'));
    expect(r).toMatchObject({ rows: 4, inserted: 2, updated: 2, unchanged: 0 });
    expect(users(v)).toBe(2);
    expect(await findUserByEmail(v.store, 'dup@example.no')).toMatchObject({ name: 'Second', email: 'DUP@example.no' });
    expect((await findUserByEmail(v.store, 'øyvind@example.no'))!.email).toBe('øyvind@EXAMPLE.no');
    const again = await importUsers(v.store, v.admin, file(v, 'd2.csv', 'email,name,phone,organization\ndup@example.no,Second,,X\n'));
    expect(again).toMatchObject({ updated: 1 }); // typed form of the address changed back
    expect(await importUsers(v.store, v.admin, file(v, 'd3.csv', 'email,name,phone,organization\ndup@example.no,Second,,X\n'))).toMatchObject({ unchanged: 1, updated: 0 });
  });

  it('upserts by external id (changing the email) and refuses an email that belongs to someone else', async () => {
    const v = await fresh();
    await importUsers(v.store, v.admin, file(v, 'a.csv', 'external_id,email,name,phone,organization\nE1,old@example.no,Kari Nordmann,,X\nE2,two@example.no,Per Hansen,,X\n,free@example.no,Free Rider,,X\n'));
    const id = (await findUserByEmail(v.store, 'old@example.no'))!.id;
    const r = await importUsers(
      v.store,
      v.admin,
      file(v, 'b.csv', 'external_id,email,name,phone,organization\nE1,new@example.no,Kari Berg,,X\nE2,new@example.no,Per Hansen,,X\nE3,two@example.no,Someone,,X\nE4,free@example.no,Free Rider,,X\n'),
    );
    expect(r.rejected).toEqual([
      { line: 3, reason: expect.stringMatching(/belongs to another user/), code: 'email-taken', params: { email: expect.any(String) } },
      { line: 4, reason: expect.stringMatching(/another external id/), code: 'email-other-external-id', params: { email: expect.any(String) } },
    ]);
    expect(r).toMatchObject({ updated: 2, inserted: 0 });
    expect(await findUserByEmail(v.store, 'new@example.no')).toMatchObject({ id, externalId: 'E1', name: 'Kari Berg' });
    expect(await findUserByEmail(v.store, 'old@example.no')).toBeNull();
    expect((await findUserByEmail(v.store, 'free@example.no'))!.externalId).toBe('E4'); // attached to the user found by email
    // The search words followed the rename and the new email.
    expect((await searchUsers(v.store, v.admin, 'nordm')).items).toEqual([]);
    expect((await searchUsers(v.store, v.admin, 'berg')).items.map((u) => u.email)).toEqual(['new@example.no']);
    const words = v.vault.db.prepare('SELECT word, name_key, email_key FROM user_name_words WHERE user_id = ?').all(id);
    expect(words).toEqual([{ word: 'berg', name_key: 'kari berg', email_key: 'new@example.no' }]);
    const emailEvent = listAudit(v.vault.db, { action: 'user.import.change', userId: id });
    expect(emailEvent.map((e) => e.details)).toEqual([{ field: 'email', from: 'old@example.no', to: 'new@example.no', via: 'app' }]);
  });

  it('audits each phone and status change per user, never the number itself', async () => {
    const v = await fresh();
    await upsertUser(v.store, v.admin, { email: 'a@example.no', name: 'A', phone: '+4791111111' });
    await upsertUser(v.store, v.admin, { email: 'b@example.no', name: 'B' });
    await upsertUser(v.store, v.admin, { email: 'c@example.no', name: 'C', phone: '+4793333333', status: 'disabled' });
    await upsertUser(v.store, v.admin, { email: 'd@example.no', name: 'D', phone: '+4794444444' });
    const r = await importUsers(
      v.store,
      v.admin,
      file(v, 'p.csv', 'email,name,phone,organization,status\na@example.no,A,+47 92222222,,disabled\nb@example.no,B,+4795555555,,\nc@example.no,C,,,\nd@example.no,D,+47 944 44 444,,active\n'),
    );
    expect(r).toMatchObject({ updated: 3, unchanged: 1 });
    const ev = async (email: string) => listAudit(v.vault.db, { action: 'user.import.change', userId: (await findUserByEmail(v.store, email))!.id }).map((e) => e.details).reverse();
    expect(await ev('a@example.no')).toEqual([{ field: 'phone', change: 'changed', via: 'app' }, { field: 'status', from: 'active', to: 'disabled', via: 'app' }]);
    expect(await ev('b@example.no')).toEqual([{ field: 'phone', change: 'set', via: 'app' }]);
    expect(await ev('c@example.no')).toEqual([{ field: 'phone', change: 'cleared', via: 'app' }]); // empty status keeps "disabled"
    expect(await ev('d@example.no')).toEqual([]);
    expect((await findUserByEmail(v.store, 'c@example.no'))!.status).toBe('disabled');
    // Every column but the hashes (hex, where any digit run can occur by chance).
    const all = JSON.stringify(v.vault.db.prepare('SELECT at, operator, action, user_id, user_email, checks, ticket, reason, outcome, details FROM audit_events').all());
    expect(all).toContain('changed');
    expect(all).not.toMatch(/1111|2222|3333|4444|5555/);
    expect(listAudit(v.vault.db, { action: 'user.import.change' }).every((e) => e.operator === v.admin.name && e.userEmail)).toBe(true);
    expect(verifyAuditChain(v.vault.db, v.vault.anchor())).toMatchObject({ ok: true, anchor: 'ok' });
  });

  it('rejects a row that would change the importing admin’s own user account', async () => {
    const v = await fresh();
    await upsertUser(v.store, v.admin, { email: 'anne.berg@example.no', name: 'Anne Berg', phone: '+4791111111' });
    const r = await importUsers(v.store, v.admin, file(v, 'o.csv', 'email,name,phone,organization\nAnne.Berg@example.no,Anne Berg,+4792222222,\nx@example.no,X,,\n'));
    expect(r.rejected).toEqual([{ line: 2, reason: expect.stringMatching(/own user account/), code: 'own-account' }]);
    expect((await findUserByEmail(v.store, 'anne.berg@example.no'))!.phone).toBe('+4791111111');
    expect(r.inserted).toBe(1);
  });
});

describe('importUsers: volume, progress and cancellation', () => {
  const ROWS = 10_000;
  function bigCsv(): string {
    const lines = ['email,name,phone,organization,external_id'];
    for (let i = 0; i < ROWS; i++) lines.push(`user${i}@example.no,Bruker ${i} Nordmann,+47 9${String(i).padStart(7, '0')},Org ${i % 10},X${i}`);
    return lines.join('\n') + '\n';
  }

  it('imports 10k rows in batches with progress after each, and re-imports them as unchanged', async () => {
    const v = await fresh();
    const p = file(v, 'big.csv', bigCsv());
    const cacheBefore = v.vault.db.pragma('cache_size', { simple: true });
    const progress: ImportProgress[] = [];
    const r = await importUsers(v.store, v.admin, p, { batchSize: 1000, onProgress: (x) => progress.push(x) });
    expect(r).toEqual({ rows: ROWS, inserted: ROWS, updated: 0, unchanged: 0, rejected: [], cancelled: false, encoding: 'utf-8', encodingGuessed: false, stopped: null, flagged: [] });
    expect(users(v)).toBe(ROWS);
    expect(count(v, 'SELECT count(*) FROM user_name_words')).toBe(ROWS * 2); // "<i> nordmann", "nordmann"
    expect(progress.length).toBeGreaterThanOrEqual(10);
    expect(progress.map((x) => x.rows)).toEqual([...progress.map((x) => x.rows)].sort((a, b) => a - b));
    expect(progress.at(-1)).toEqual({ rows: ROWS, bytes: statSync(p).size, totalBytes: statSync(p).size, accepted: ROWS, rejected: 0 });
    expect(v.vault.db.pragma('cache_size', { simple: true })).toBe(cacheBefore); // widened for the import only
    const again = await importUsers(v.store, v.admin, p, { batchSize: 1000 });
    expect(again).toMatchObject({ unchanged: ROWS, inserted: 0, updated: 0 });
    expect(listAudit(v.vault.db, { action: 'user.import.change' })).toHaveLength(0);
  });

  it('stops after the current batch when aborted, leaving only whole batches', async () => {
    const v = await fresh();
    const ac = new AbortController();
    const r: ImportReport = await importUsers(v.store, v.admin, file(v, 'big.csv', bigCsv()), {
      batchSize: 1000,
      signal: ac.signal,
      onProgress: (x) => {
        if (x.rows >= 3000) ac.abort();
      },
    });
    expect(r).toMatchObject({ cancelled: true, inserted: 3000, rows: 3000 });
    expect(users(v)).toBe(3000);
    const ids = v.vault.db.prepare('SELECT email_key FROM users ORDER BY id').pluck().all();
    expect(ids).toEqual([...Array(3000).keys()].map((i) => `user${i}@example.no`));
    expect(count(v, 'SELECT count(*) FROM user_name_words')).toBe(6000);
    // One event per committed batch, in file order.
    expect(listAudit(v.vault.db, { action: 'user.import.batch' }).map((e) => [e.details.fromLine, e.details.toLine, e.details.inserted]).reverse()).toEqual([[2, 1001, 1000], [1002, 2001, 1000], [2002, 3001, 1000]]);
    expect(listAudit(v.vault.db, { action: 'user.import' })[0]).toMatchObject({ outcome: 'cancelled', details: { rows: 3000, inserted: 3000, cancelled: true } });
    // Already aborted: nothing is read, nothing is written but the summary.
    const r2 = await importUsers(v.store, v.admin, file(v, 'big.csv', bigCsv()), { signal: AbortSignal.abort() });
    expect(r2).toMatchObject({ cancelled: true, rows: 0, inserted: 0 });
  });

  it('keeps words in step with names for every imported user', async () => {
    const v = await fresh();
    await importUsers(v.store, v.admin, file(v, 'n.csv', "email,name,phone,organization\na@example.no,Sean O'Brien-Nordmann,,\nb@example.no,Åse,,\n"));
    const rows = v.vault.db.prepare('SELECT id, name_key, email_key FROM users').all() as Array<{ id: number; name_key: string; email_key: string }>;
    for (const u of rows) {
      const words = v.vault.db.prepare('SELECT word FROM user_name_words WHERE user_id = ? ORDER BY word').pluck().all(u.id);
      expect(words).toEqual(indexedNameWords(u.name_key).sort());
    }
    expect(indexedNameWords(foldKey("Sean O'Brien-Nordmann"))).toEqual(["o'brien-nordmann", 'brien-nordmann', 'nordmann']);
    expect((await searchUsers(v.store, v.admin, "o'brien")).items.map((u) => u.email)).toEqual(['a@example.no']);
  });
});

describe('importUsers: the disk fills up during an import', () => {
  /** Makes the vault's writes fail as SQLite does on a full disk, from the `after`-th user insert on (and every audit append then). */
  function fillDiskAfter(after: number) {
    const full = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    let inserts = 0;
    const realInsert = SqliteUsers.prototype.insert;
    const realAppend = SqliteAudit.prototype.append;
    const ins = vi.spyOn(SqliteUsers.prototype, 'insert').mockImplementation(function (this: SqliteUsers, ...a) {
      if (++inserts > after) throw full();
      return realInsert.apply(this, a);
    });
    const app = vi.spyOn(SqliteAudit.prototype, 'append').mockImplementation(function (this: SqliteAudit, ...a) {
      if (inserts > after) throw full();
      return realAppend.apply(this, a);
    });
    cleanups.push(() => {
      ins.mockRestore();
      app.mockRestore();
    });
  }

  it('after 4,000 committed rows: the report says where it stopped and how many went in, each committed batch with its event', async () => {
    const v = await fresh();
    const lines = ['email,name,phone,organization'];
    for (let i = 0; i < 6500; i++) lines.push(`full${i}@example.no,Full User ${i},,${i === 4100 ? '' : 'X'}`);
    lines.splice(4002, 0, 'not-an-address,Bad,,X'); // line 4003: rejected, but after the stop
    const p = file(v, 'full.csv', lines.join('\n') + '\n');
    fillDiskAfter(4500); // the third batch (rows 4001–6000) fails half-way and is rolled back
    const r = await importUsers(v.store, v.admin, p, { batchSize: 2000 });
    expect(r.stopped).toEqual({ line: 4002, reason: expect.stringMatching(/disk is full/), code: 'DISK_FULL', kind: 'write' });
    expect(r).toMatchObject({ rows: 4000, inserted: 4000, updated: 0, unchanged: 0, rejected: [], cancelled: false });
    expect(users(v)).toBe(4000);
    // The two committed batches carry their events; the summary could not be written (the disk is still full).
    expect(listAudit(v.vault.db, { action: 'user.import.batch' }).map((e) => [e.details.fromLine, e.details.toLine, e.details.inserted]).reverse()).toEqual([[2, 2001, 2000], [2002, 4001, 2000]]);
    expect(listAudit(v.vault.db, { action: 'user.import' })).toEqual([]);
    expect(verifyAuditChain(v.vault.db, v.vault.anchor())).toMatchObject({ ok: true });
  });

  it('the disk fills up at the summary, after the last batch: every row is in and the report says so', async () => {
    const v = await fresh();
    const realAppend = SqliteAudit.prototype.append;
    const app = vi.spyOn(SqliteAudit.prototype, 'append').mockImplementation(function (this: SqliteAudit, ...a) {
      if (a[0].action === 'user.import') throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      return realAppend.apply(this, a);
    });
    cleanups.push(() => app.mockRestore());
    const r = await importUsers(v.store, v.admin, file(v, 's.csv', 'email,name,phone,organization\na@example.no,A,,X\nb@example.no,B,,X\n'));
    expect(r).toMatchObject({ rows: 2, inserted: 2, stopped: null });
    expect(users(v)).toBe(2);
    expect(listAudit(v.vault.db, { action: 'user.import.batch' })).toHaveLength(1);
  });

  it('once space is back, the summary is written: the stopped import is recorded as failed at its line', async () => {
    const v = await fresh();
    const lines = ['email,name,phone,organization'];
    for (let i = 0; i < 300; i++) lines.push(`f${i}@example.no,F ${i},,X`);
    // Only the batch insert fails (one row); the summary's audit append finds space again.
    let n = 0;
    const realInsert = SqliteUsers.prototype.insert;
    const ins = vi.spyOn(SqliteUsers.prototype, 'insert').mockImplementation(function (this: SqliteUsers, ...a) {
      if (++n === 201) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      return realInsert.apply(this, a);
    });
    cleanups.push(() => ins.mockRestore());
    const r = await importUsers(v.store, v.admin, file(v, 'f.csv', lines.join('\n') + '\n'), { batchSize: 100 });
    expect(r).toMatchObject({ rows: 200, inserted: 200, stopped: { line: 202, code: 'DISK_FULL', kind: 'write' } });
    expect(listAudit(v.vault.db, { action: 'user.import' })[0]).toMatchObject({ outcome: 'failed', details: { rows: 200, inserted: 200, stoppedAtLine: 202 } });
  });
});

describe('importUsers: SMS factors (sms, sms_purpose)', () => {
  const CTX = { checks: ['callback'], ticket: 'HD-17', reason: 'moved to an authenticator' };

  it('sets the SMS factor with its purpose (sign-in only unless it says approvals), shown and removable as before', async () => {
    const v = await fresh();
    const csv = [
      'email,name,phone,organization,sms,sms_purpose',
      'kari@example.no,Kari Nordmann,,X,912 34 567,',
      'ola@example.no,Ola Nordmann,,X,+46 70 123 45 67,approvals',
      'nora@example.no,Nora Berg,,X,,approvals',
      'per@example.no,Per Lie,,X,12,',
      'liv@example.no,Liv Lie,,X,91234568,payments',
    ].join('\n');
    const r = await importUsers(v.store, v.admin, file(v, 'sms.csv', csv + '\n'));
    expect(r).toMatchObject({ inserted: 3, rejected: [{ line: 5, reason: expect.stringMatching(/^The SMS number is not valid/) }, { line: 6, reason: expect.stringMatching(/sms_purpose must be login .* or approvals/) }] });
    const kari = (await findUserByEmail(v.store, 'kari@example.no'))!;
    const ola = (await findUserByEmail(v.store, 'ola@example.no'))!;
    const nora = (await findUserByEmail(v.store, 'nora@example.no'))!;
    expect((await getUserFactors(v.store, v.admin, kari.id)).sms).toEqual({ masked: '••• •• •67', verified: false, usage: 'login-only' });
    expect((await getUserFactors(v.store, v.admin, ola.id)).sms).toEqual({ masked: '••• •• •67', verified: false, usage: 'login-and-approvals' });
    expect((await getUserFactors(v.store, v.admin, nora.id)).sms).toBeNull(); // a purpose without a number sets nothing
    expect(listAudit(v.vault.db, { action: 'user.import.batch' })[0]!.details).toMatchObject({ inserted: 3, smsSet: 2 });
    // Removable as today, audited as before.
    expect(await removeSms(v.store, v.admin, kari.id, CTX)).toEqual({ removed: true });
    expect((await getUserFactors(v.store, v.admin, kari.id)).sms).toBeNull();
  });

  it('a re-import leaves an equal factor unchanged, records a changed number or purpose (never the number), and an empty cell removes nothing', async () => {
    const v = await fresh();
    const head = 'email,name,phone,organization,sms,sms_purpose';
    await importUsers(v.store, v.admin, file(v, 'a.csv', `${head}\nkari@example.no,Kari,,X,91234567,login\nola@example.no,Ola,,X,91234568,login\nnora@example.no,Nora,,X,91234569,login\n`));
    const r = await importUsers(v.store, v.admin, file(v, 'b.csv', `${head}\nkari@example.no,Kari,,X,91234567,\nola@example.no,Ola,,X,99999999,login\nnora@example.no,Nora,,X,,\n`));
    expect(r).toMatchObject({ inserted: 0, updated: 1, unchanged: 2, rejected: [] });
    const ola = (await findUserByEmail(v.store, 'ola@example.no'))!;
    expect((await getUserFactors(v.store, v.admin, ola.id)).sms).toMatchObject({ masked: '••• •• •99' });
    const nora = (await findUserByEmail(v.store, 'nora@example.no'))!;
    expect((await getUserFactors(v.store, v.admin, nora.id)).sms).toMatchObject({ masked: '••• •• •69' });
    const changes = listAudit(v.vault.db, { action: 'user.import.change' });
    expect(changes.map((e) => [e.userId, e.details])).toEqual([[ola.id, { field: 'sms', change: 'changed', purpose: 'login', via: 'app' }]]);
    expect(JSON.stringify(listAudit(v.vault.db, {}))).not.toMatch(/99999999|91234568/);
    // Only the purpose: updated, the number stays.
    const p = await importUsers(v.store, v.admin, file(v, 'c.csv', `${head}\nola@example.no,Ola,,X,99999999,approvals\n`));
    expect(p).toMatchObject({ updated: 1 });
    expect((await getUserFactors(v.store, v.admin, ola.id)).sms).toMatchObject({ masked: '••• •• •99', usage: 'login-and-approvals' });
  });

  it("never sets the importing admin's own SMS factor", async () => {
    const v = await fresh();
    const own = v.admin.emailKey!;
    const r = await importUsers(v.store, v.admin, file(v, 'own.csv', `email,name,phone,organization,sms\n${own},Me,,X,91234567\nother@example.no,Other,,X,91234568\n`));
    expect(r).toMatchObject({ inserted: 1, rejected: [{ line: 2, reason: expect.stringMatching(/own user account/) }] });
    expect(await findUserByEmail(v.store, own)).toBeNull();
  });
});

describe('importUsers: identity key and search fold', () => {
  it('straße@ and strasse@, ılker@ and ilker@ are two users each: a later row never takes over the name and call-back phone', async () => {
    const v = await fresh();
    const csv = [
      'email,name,phone,organization',
      'gunnar.straße@example.de,Gunnar Straße,+49 30 1234567,X',
      'ılker@example.com.tr,Ilker Yılmaz,+90 212 1234567,X',
      'gunnar.strasse@example.de,Gunnar Strasse,+49 30 7654321,X',
      'ilker@example.com.tr,Ilker Demir,+90 212 7654321,X',
      'gunnar.straße@example.de,Gunnar Straße,+49 30 1234567,X',
    ].join('\n');
    const r = await importUsers(v.store, v.admin, file(v, 'id.csv', csv + '\n'));
    expect(r).toMatchObject({ inserted: 4, updated: 0, unchanged: 1, rejected: [] });
    expect(await findUserByEmail(v.store, 'gunnar.straße@example.de')).toMatchObject({ name: 'Gunnar Straße', phone: '+49301234567' });
    expect(await findUserByEmail(v.store, 'gunnar.strasse@example.de')).toMatchObject({ name: 'Gunnar Strasse', phone: '+49307654321' });
    expect(await findUserByEmail(v.store, 'ılker@example.com.tr')).toMatchObject({ name: 'Ilker Yılmaz', phone: '+902121234567' });
    expect(await findUserByEmail(v.store, 'ilker@example.com.tr')).toMatchObject({ name: 'Ilker Demir', phone: '+902127654321' });
    expect(listAudit(v.vault.db, { action: 'user.import.change' })).toEqual([]);
    // Search keeps the looser fold: either spelling finds both.
    expect((await searchUsers(v.store, v.admin, 'gunnar.strasse')).items.map((u) => u.name).sort()).toEqual(['Gunnar Strasse', 'Gunnar Straße']);
    expect((await searchUsers(v.store, v.admin, 'ilker@')).items.map((u) => u.name).sort()).toEqual(['Ilker Demir', 'Ilker Yılmaz']);
    // Imported, but flagged for a second look: each later spelling, and the row of the first spelling read again.
    expect(r.flagged).toEqual([
      { line: 4, email: 'gunnar.strasse@example.de', kind: 'near-duplicate', similarTo: 'gunnar.straße@example.de' },
      { line: 5, email: 'ilker@example.com.tr', kind: 'near-duplicate', similarTo: 'ılker@example.com.tr' },
      { line: 6, email: 'gunnar.straße@example.de', kind: 'near-duplicate', similarTo: 'gunnar.strasse@example.de' },
    ]);
    expect(listAudit(v.vault.db, { action: 'user.import' })[0]!.details).toMatchObject({ flagged: 3 });
  });

  it('flags an address that mixes writing systems (a Cyrillic а among Latin letters), and imports it', async () => {
    const v = await fresh();
    const r = await importUsers(v.store, v.admin, file(v, 'h.csv', 'email,name,phone,organization\npaul@example.no,Paul,,X\np\u0430ul@example.no,Paul Fake,,X\nдмитрий@пример.рф,Дмитрий,,X\n'));
    expect(r).toMatchObject({ inserted: 3, rejected: [] });
    expect(r.flagged).toEqual([{ line: 3, email: 'p\u0430ul@example.no', kind: 'mixed-script', similarTo: null }]);
    expect(await findUserByEmail(v.store, 'p\u0430ul@example.no')).toMatchObject({ name: 'Paul Fake' });
  });
});
