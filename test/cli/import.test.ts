// `factordesk import-users`: the report, progress on stderr (never with --json), standard input,
// a file that is not CSV, and Ctrl-C between batches (exit 130, the committed rows stay).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SqliteUsers } from '../../main/store/sqlite/repos/users.ts';
import { SqliteAudit } from '../../main/store/sqlite/repos/audit.ts';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, oneJson, runCli, spawnCli, spawnCliAsync } from '../fixtures/cli-harness.ts';

const CSV = new URL('../fixtures/cli-users.csv', import.meta.url).pathname;
let root: string;
let vaultDir: string;
const env = () => ({ FACTORDESK_PASSWORD: ADMIN.password });
const g = () => ['--vault', vaultDir, '--operator', ADMIN.name];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fd-cli-import-'));
  vaultDir = join(root, 'vault');
  expect((await runCli(['--vault', vaultDir, 'init', '--name', ADMIN.name, '--email', ADMIN.email], env())).status).toBe(0);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The import's own warnings (the sign-in may add that the operator is not linked to their own user). */
const importWarnings = (w: string[]) => w.filter((x) => !/not linked to your own directory user/.test(x));

describe('import-users', () => {
  it('reads standard input with FILE -, and reports rejected lines by number (exit 0)', async () => {
    const r = await runCli([...g(), '--json', 'import-users', '-'], env(), readFileSync(CSV, 'utf8'));
    expect(r.status).toBe(0);
    const rep = oneJson(r.stdout).result;
    expect(rep).toMatchObject({ rows: 6, inserted: 5, updated: 0, unchanged: 0, cancelled: false });
    expect(rep.rejected).toEqual([{ line: 5, reason: expect.stringMatching(/@/), code: 'email-at', params: { field: 'email' } }]);
    expect(r.stderr).toBe('');
  });

  it('an empty file or one without a header is a validation error (exit 2)', async () => {
    writeFileSync(join(root, 'empty.csv'), '');
    const r = await runCli([...g(), '--json', 'import-users', join(root, 'empty.csv')], env());
    expect(r.status).toBe(2);
    expect(oneJson(r.stdout).error!.code).toBe('BAD_REQUEST');
  });

  it('imports a Windows-1252 file (what Norwegian Excel saves) with æ, ø and å intact, and warns that it was read so', async () => {
    const f = join(root, 'excel.csv');
    writeFileSync(f, Buffer.from('email;name;phone;organization\r\nbjorn.aeroe@example.no;Bj\xf8rn \xc6r\xf8e;912 34 567;Fj\xe5rd AS\r\n', 'latin1'));
    const r = await runCli([...g(), '--json', 'import-users', f], env());
    expect(r.status, r.stdout).toBe(0);
    const out = oneJson(r.stdout);
    expect(out.result).toMatchObject({ inserted: 1, rejected: [], encoding: 'windows-1252', encodingGuessed: true, stopped: null });
    expect(importWarnings(out.warnings)).toEqual([expect.stringMatching(/read as Windows-1252/)]);
    const shown = oneJson((await runCli([...g(), '--json', 'show', 'bjorn.aeroe@example.no'], env())).stdout).result.user;
    expect(shown).toMatchObject({ name: 'Bjørn Ærøe', organization: 'Fjård AS', phone: '+4791234567' });
    // Told it is UTF-8, the same file is not guessed at: the row is rejected by its line, no letter replaced.
    const told = await runCli([...g(), '--json', 'import-users', f, '--encoding', 'utf-8'], env());
    expect(oneJson(told.stdout).result.rejected).toEqual([{ line: 2, reason: expect.stringMatching(/not valid UTF-8/), code: 'line-not-utf-8' }]);
    expect(importWarnings(oneJson(told.stdout).warnings)).toEqual([]);
    // Told Windows-1252, no warning.
    const cp = await runCli([...g(), '--json', 'import-users', f, '--encoding', 'cp1252'], env());
    expect(oneJson(cp.stdout)).toMatchObject({ ok: true, result: { unchanged: 1 } });
    expect(importWarnings(oneJson(cp.stdout).warnings)).toEqual([]);
    const unknown = await runCli([...g(), '--json', 'import-users', f, '--encoding', 'ebcdic'], env());
    expect(unknown.status).toBe(2);
    expect(oneJson(unknown.stdout).error!.message).toMatch(/Unknown encoding 'ebcdic'.*utf-8, utf-16le, utf-16be, windows-1252/);
  });

  it('imports UTF-16 with a BOM, and names a spreadsheet, a binary or a tab-separated file instead of importing it', async () => {
    const f = join(root, 'u16.csv');
    writeFileSync(f, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('email,name,phone,organization\nsolveig@example.no,Solveig Må,,\n', 'utf16le')]));
    const r = await runCli([...g(), '--json', 'import-users', f], env());
    expect(oneJson(r.stdout).result).toMatchObject({ inserted: 1, encoding: 'utf-16le', encodingGuessed: false });
    expect(oneJson((await runCli([...g(), '--json', 'show', 'solveig@example.no'], env())).stdout).result.user.name).toBe('Solveig Må');
    const cases: Array<[string, Buffer, RegExp]> = [
      ['staff.xlsx', Buffer.from('504b030414000600080000002100', 'hex'), /spreadsheet workbook \(\.xlsx/],
      ['staff.xls', Buffer.from('d0cf11e0a1b11ae1000000000000', 'hex'), /old Excel workbook \(\.xls\)/],
      ['staff.bin', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]), /binary file/],
      ['staff.tsv', Buffer.from('email\tname\tphone\torganization\na@example.no\tA\t\t\n'), /tab-separated/],
      ['nobom.csv', Buffer.from('email,name,phone,organization\n', 'utf16le'), /UTF-16 LE text without a byte order mark/],
    ];
    for (const [name, bytes, msg] of cases) {
      writeFileSync(join(root, name), bytes);
      const x = await runCli([...g(), '--json', 'import-users', join(root, name)], env());
      expect(x.status, name).toBe(2);
      expect(oneJson(x.stdout).error!.message, name).toMatch(msg);
    }
  });

  it('loses no row to a broken quote or a line over 64 kB: each is rejected by its line number, every later row is imported', async () => {
    const rows = ['email,name,phone,organization', 'q1@example.no,Q One,,X', 'q2@example.no,"Q Two,,X', 'q3@example.no,Q Three,,X', `q4@example.no,${'x'.repeat(70_000)},,X`];
    for (let i = 5; i <= 200; i++) rows.push(`q${i}@example.no,Q ${i},91234567,X`);
    const f = join(root, 'broken.csv');
    writeFileSync(f, rows.join('\n') + '\n');
    const r = await runCli([...g(), '--json', 'import-users', f], env());
    expect(r.status).toBe(0);
    const out = oneJson(r.stdout);
    expect(out.ok).toBe(true);
    expect(out.result).toMatchObject({ rows: 200, inserted: 198, stopped: null });
    expect(out.result.rejected).toEqual([
      { line: 3, reason: 'a quoted field is not closed', code: 'quote-not-closed' },
      { line: 5, reason: expect.stringMatching(/longer than 64 kB/), code: 'line-too-long', params: { maxKb: 64 } },
    ]);
    const human = await runCli([...g(), 'import-users', f], env());
    expect(human.stdout).toMatch(/^line 3: a quoted field is not closed$/m);
    expect(human.stdout).toMatch(/^line 5: the line is longer than 64 kB$/m);
  });

  it('a file that cannot be read to the end is not ok: exit non-zero, saying where, with the report of the rows before', async () => {
    const rows = ['email,name,phone,organization'];
    for (let i = 0; i < 3000; i++) rows.push(`s${i}@example.no,Søren ${i},,X`);
    const good = Buffer.from(rows.join('\n') + '\n', 'utf16le');
    // A lone low surrogate: not UTF-16 text, and nothing after it can be trusted.
    const f = join(root, 'cut.csv');
    writeFileSync(f, Buffer.concat([Buffer.from([0xff, 0xfe]), good, Buffer.from([0x00, 0xdc]), Buffer.from('t@example.no,T,,X\n', 'utf16le')]));
    const r = await runCli([...g(), '--json', 'import-users', f], env());
    expect(r.status).toBe(2);
    const out = oneJson(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.error!.message).toMatch(/could not be read to the end: reading stopped at line \d+\. The file is not valid UTF-16 LE text/);
    const rep = out.error!.details as { inserted: number; stopped: { line: number } };
    expect(rep.inserted).toBeGreaterThan(2900);
    expect(rep.stopped.line).toBe(rep.inserted + 2);
  });

  it('the disk fills up after 4,000 rows: exit 6 (DISK_FULL), saying how many rows went in and where it stopped, never "nothing was changed"', async () => {
    const rows = ['email,name,phone,organization'];
    for (let i = 0; i < 5000; i++) rows.push(`df${i}@example.no,Disk Full ${i},,X`);
    const f = join(root, 'diskfull.csv');
    writeFileSync(f, rows.join('\n') + '\n');
    // SQLite's answer on a full disk, from the 4,001st user insert on (and for every audit event after it).
    const full = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    let inserts = 0;
    const realInsert = SqliteUsers.prototype.insert;
    const realAppend = SqliteAudit.prototype.append;
    const ins = vi.spyOn(SqliteUsers.prototype, 'insert').mockImplementation(function (this: SqliteUsers, ...a) {
      if (++inserts > 4000) throw full();
      return realInsert.apply(this, a);
    });
    const app = vi.spyOn(SqliteAudit.prototype, 'append').mockImplementation(function (this: SqliteAudit, ...a) {
      if (inserts > 4000) throw full();
      return realAppend.apply(this, a);
    });
    let json, human;
    try {
      json = await runCli([...g(), '--json', 'import-users', f], env());
      inserts = 0;
      human = await runCli([...g(), 'import-users', join(root, 'diskfull.csv')], env());
    } finally {
      ins.mockRestore();
      app.mockRestore();
    }
    expect(json.status).toBe(6);
    const out = oneJson(json.stdout);
    expect(out).toMatchObject({ ok: false, error: { code: 'DISK_FULL' } });
    expect(out.error!.message).toMatch(/The import stopped at line 4002: The disk is full.*4000 rows before it went in/);
    expect(out.error!.message).not.toMatch(/nothing was changed/i);
    expect(out.error!.details).toMatchObject({ rows: 4000, inserted: 4000, stopped: { line: 4002, code: 'DISK_FULL', kind: 'write' } });
    // Run again on the same full disk: the 4,000 are unchanged, nothing new went in.
    expect(human.status).toBe(6);
    expect(human.stderr).toMatch(/The import stopped at line 4002/);
    expect(human.stderr).toMatch(/unchanged 4000/);
    const shown = oneJson((await runCli([...g(), '--json', 'show', 'df3999@example.no'], env())).stdout);
    expect(shown.ok).toBe(true);
    expect(oneJson((await runCli([...g(), '--json', 'show', 'df4000@example.no'], env())).stdout).error!.code).toBe('NOT_FOUND');
  });

  it('takes sms and sms_purpose: show prints the SMS factor and what it is for', async () => {
    const f = join(root, 'sms.csv');
    writeFileSync(f, 'email,name,phone,organization,sms,sms_purpose\nsms.kari@example.no,Kari SMS,,X,912 34 567,\nsms.ola@example.no,Ola SMS,,X,912 34 568,approvals\n');
    const r = await runCli([...g(), '--json', 'import-users', f], env());
    expect(oneJson(r.stdout).result).toMatchObject({ inserted: 2, rejected: [] });
    const kari = await runCli([...g(), 'show', 'sms.kari@example.no'], env());
    expect(kari.stdout).toMatch(/^SMS: +••• •• •67, not verified, login only \(not for approving payments\)$/m);
    const ola = await runCli([...g(), 'show', 'sms.ola@example.no'], env());
    expect(ola.stdout).toMatch(/^SMS: +••• •• •68, not verified, sign-in and approving payments$/m);
  });

  it('straße@ and strasse@ are two users: both imported, the second flagged with a warning (exit 0)', async () => {
    const f = join(root, 'lookalike.csv');
    writeFileSync(f, 'email,name,phone,organization\nhans.straße@example.de,Hans Straße,+49 30 1111111,X\nhans.strasse@example.de,Hans Strasse,+49 30 2222222,X\n');
    const r = await runCli([...g(), '--json', 'import-users', f], env());
    expect(r.status).toBe(0);
    const out = oneJson(r.stdout);
    expect(out.result).toMatchObject({ inserted: 2, flagged: [{ line: 3, email: 'hans.strasse@example.de', kind: 'near-duplicate', similarTo: 'hans.straße@example.de' }] });
    expect(importWarnings(out.warnings)).toEqual([expect.stringMatching(/^1 imported address looks like another user's or mixes writing systems/)]);
    const human = await runCli([...g(), 'import-users', f], env());
    expect(human.stdout).toMatch(/^line 3: check hans\.strasse@example\.de: looks like hans\.straße@example\.de, another user$/m);
    const shown = oneJson((await runCli([...g(), '--json', 'show', 'hans.straße@example.de'], env())).stdout).result.user;
    expect(shown).toMatchObject({ name: 'Hans Straße', phone: '+49301111111' });
  });

  it('shows progress on stderr without --json, and stops cleanly on Ctrl-C (exit 130)', async () => {
    const lines = ['email,name,phone,organization,external_id,status'];
    for (let i = 0; i < 60_000; i++) lines.push(`user${i}@bulk.example.no,Bulk User ${i},,Bulk AS,B-${i},`);
    const big = join(root, 'big.csv');
    writeFileSync(big, lines.join('\n') + '\n');
    const child = spawnCliAsync([...g(), 'import-users', big], { env: env() });
    let stderr = '';
    let stdout = '';
    let signalled = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      if (!signalled && /Read \d+ rows/.test(stderr)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    expect(signalled).toBe(true);
    expect(stderr).toMatch(/Read \d+ rows \(\d+ %\)/);
    expect(status).toBe(130);
    expect(stdout).toMatch(/cancelled/);
    const inserted = Number(/inserted (\d+)/.exec(stdout)?.[1]);
    expect(inserted).toBeGreaterThan(0);
    expect(inserted).toBeLessThan(60_000);
    // What was committed stays; the audit still verifies.
    const v = spawnCli([...g(), '--json', 'audit', 'verify'], { env: env() });
    expect(oneJson(v.stdout).result.ok).toBe(true);
    const again = spawnCli([...g(), '--json', 'import-users', big], { env: env() });
    const rep = oneJson(again.stdout).result;
    expect(rep.unchanged).toBe(inserted);
    expect(rep.inserted + rep.unchanged).toBe(60_000);
  });
});
