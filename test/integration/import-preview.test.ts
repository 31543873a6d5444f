// The import's dry run: the counts the import would reach on a mixed file, rejections as codes
// with parameters, a bad header naming its columns, and nothing written (every table compared).
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeVault } from '../helpers/vault.ts';
import { FactorDeskError } from '../../main/core/errors.ts';
import { importUsers } from '../../main/core/import-users.ts';
import { previewImport } from '../../main/core/import-preview.ts';
import { inputFile } from '../../main/platform/file-ports.ts';
import { upsertUser } from '../../main/core/users.ts';

type V = Awaited<ReturnType<typeof makeVault>>;
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function fresh(): Promise<V> {
  const v = await makeVault();
  cleanups.push(v.cleanup);
  return v;
}

function file(v: V, name: string, text: string): string {
  const p = join(v.dir, name);
  writeFileSync(p, text);
  return p;
}

/** Every row of every table of the vault's database, in a stable order. */
function dump(v: V): Record<string, unknown[]> {
  const db = v.vault.db;
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>;
  const out: Record<string, unknown[]> = {};
  const text = (row: unknown) => JSON.stringify(row, (_k, x: unknown) => (Buffer.isBuffer(x) ? x.toString('hex') : x));
  for (const { name } of tables) out[name] = (db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).all() as unknown[]).map(text).sort();
  return out;
}

/** A directory to import into: three users, one with an external id and one with an SMS factor. */
async function seeded(): Promise<V> {
  const v = await fresh();
  await upsertUser(v.store, v.admin, { email: 'kari@example.no', name: 'Kari Nordmann', phone: '+4791111111', organization: 'Acme' });
  await upsertUser(v.store, v.admin, { email: 'ola@example.no', name: 'Ola Nordmann', organization: 'Acme', externalId: 'E1' });
  await upsertUser(v.store, v.admin, { email: 'nora@example.no', name: 'Nora Li', organization: 'Acme' });
  await importUsers(v.store, v.admin, inputFile(file(v, 'sms.csv', 'email,name,phone,organization,sms\nnora@example.no,Nora Li,,Acme,92222222\n')));
  return v;
}

// Line numbers are physical lines (1 = the header).
const MIXED = [
  'email,name,phone,organization,external_id,sms', // 1
  'kari@example.no,Kari Nordmann,+4791111111,Acme,,', // 2 unchanged
  'ola.new@example.no,Ola Nordmann,,Acme,E1,', // 3 changed (email, by external id)
  'nora@example.no,Nora Li,,Acme,,92222299', // 4 changed (SMS number only)
  'per@example.no,Per Hansen,,Acme,,', // 5 new
  'per@example.no,Per Hansen,,Acme,,', // 6 unchanged (as line 5 left it)
  'per@example.no,Per H. Hansen,,Acme,,', // 7 changed (a user the file itself added)
  'ola@example.no,Someone Else,,Acme,,', // 8 new: line 3 moved Ola away from this address
  'kari@example.no,Kari,,Acme,E1,', // 9 rejected: E1 is Ola's, the address Kari's
  'not-an-email,Broken,,Acme,,', // 10 rejected: no @
  'x@example.no,Too,Many,Fields,,,', // 11 rejected: field count
  'y@example.no,,,Acme,,', // 12 rejected: name missing
  `${'a'.repeat(65)}@example.no,Long,,Acme,,`, // 13 rejected: local part too long
  'anne.berg@example.no,Anne,,Acme,,91234567', // 14 rejected: the admin's own account
].join('\n');

describe('previewImport (dry run)', () => {
  it('counts new, changed, unchanged and rejected rows as the import then does, across batches, writing nothing', async () => {
    const v = await seeded();
    const before = dump(v);
    const preview = await previewImport(v.store, v.admin, inputFile(file(v, 'mixed.csv', MIXED + '\n')), { batchSize: 2 });
    // Nothing written: no user, SMS factor, audit event or outbox message; every table as it was.
    expect(dump(v)).toEqual(before);
    expect(preview).toMatchObject({ rows: 13, new: 2, changed: 3, unchanged: 2, rejectedCount: 6, cancelled: false, stopped: null, encoding: 'utf-8' });
    expect(preview.rejected.map((r) => [r.line, r.code, r.params ?? {}])).toEqual([
      [9, 'email-taken', { email: 'kari@example.no' }],
      [10, 'email-at', { field: 'email' }],
      [11, 'field-count', {}],
      [12, 'missing', { field: 'name' }],
      [13, 'email-local-too-long', { field: 'email', max: 64 }],
      [14, 'own-account', {}],
    ]);
    expect(preview.rejected.every((r) => r.reason.length > 0)).toBe(true);

    // The import itself reaches the same counts and rejects the same lines.
    const report = await importUsers(v.store, v.admin, inputFile(join(v.dir, 'mixed.csv')), { batchSize: 2 });
    expect({ rows: report.rows, new: report.inserted, changed: report.updated, unchanged: report.unchanged }).toEqual({ rows: 13, new: 2, changed: 3, unchanged: 2 });
    expect(report.rejected.map((r) => r.line)).toEqual(preview.rejected.map((r) => r.line));
    expect(dump(v)).not.toEqual(before);

    // Run again, the preview sees the directory the import left: nothing new.
    const again = await previewImport(v.store, v.admin, inputFile(join(v.dir, 'mixed.csv')));
    expect(again).toMatchObject({ new: 0, rejectedCount: 6 });
  });

  it('refuses a bad header as the import does, naming the columns it could not map and the ones it lacks', async () => {
    const v = await seeded();
    const before = dump(v);
    const err = await previewImport(v.store, v.admin, inputFile(file(v, 'bad.csv', 'e-mail,name,telefon,organization\nkari@example.no,Kari,,Acme\n'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FactorDeskError);
    const e = err as FactorDeskError;
    expect(e.code).toBe('BAD_REQUEST');
    expect(e.details).toMatchObject({ field: 'header', kind: 'header', unknown: ['e-mail', 'telefon'], missing: ['email', 'phone'] });
    expect(e.details?.['columns']).toContain('sms_purpose');
    expect(e.message).toMatch(/unknown columns: "e-mail", "telefon"/);
    expect(dump(v)).toEqual(before);
  });

  it('is for admins only', async () => {
    const v = await makeVault({ withAgent: true });
    cleanups.push(v.cleanup);
    const err = await previewImport(v.store, v.agent!, inputFile(file(v, 'a.csv', 'email,name,phone,organization\n'))).catch((e: unknown) => e);
    expect((err as FactorDeskError).code).toBe('FORBIDDEN');
  });
});
