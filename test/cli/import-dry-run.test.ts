// `factordesk import-users FILE --dry-run`: the counts and the first rejected rows (under
// `result` with --json, worded by the locale otherwise), nothing written, and a bad header named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, fingerprint, oneJson, runCli } from '../fixtures/cli-harness.ts';
import { unlockWithRecoveryKey } from '../../main/store/sqlite/unlock.ts';
import type { Vault } from '../../main/store/sqlite/vault.ts';

const CSV = new URL('../fixtures/cli-users.csv', import.meta.url).pathname;
let root: string;
let vaultDir: string;
let probe: Vault;
const env = (extra: Record<string, string> = {}) => ({ FACTORDESK_PASSWORD: ADMIN.password, ...extra });
const g = () => ['--vault', vaultDir, '--operator', ADMIN.name];
const lastSeq = () => (probe.db.prepare('SELECT max(seq) AS n FROM audit_events').get() as { n: number }).n;
/** The audit actions after event `seq`. */
const actionsSince = (seq: number) => (probe.db.prepare('SELECT action FROM audit_events WHERE seq > ? ORDER BY seq').all(seq) as Array<{ action: string }>).map((e) => e.action);
/** Users, factors, outbox, operators and settings as they were; the only new audit event is the command's own sign-in. */
function unchangedSince(before: { fp: ReturnType<typeof fingerprint>; seq: number }): void {
  expect(fingerprint(probe.db, vaultDir).tables).toBe(before.fp.tables);
  expect(actionsSince(before.seq)).toEqual(['signin']);
}
const snapshot = () => ({ fp: fingerprint(probe.db, vaultDir), seq: lastSeq() });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fd-cli-dry-'));
  vaultDir = join(root, 'vault');
  const init = await runCli(['--vault', vaultDir, '--json', 'init', '--name', ADMIN.name, '--email', ADMIN.email], env());
  expect(init.status).toBe(0);
  probe = await unlockWithRecoveryKey({ dir: vaultDir }, oneJson(init.stdout).result.recoveryKey);
  // Two of the file's users are in already, one of them with another organization.
  writeFileSync(join(root, 'first.csv'), 'email,name,phone,organization,external_id\nkari.nordmann@example.no,Kari Nordmann,+47 912 34 567,Nordlys AS,E-1001\nola.hansen@example.no,Ola Hansen,,Old Org,E-1002\n');
  expect((await runCli([...g(), 'import-users', join(root, 'first.csv')], env())).status).toBe(0);
});
afterAll(() => {
  probe?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('import-users --dry-run', () => {
  it('--json gives the counts and the rejected rows with codes under result, and writes nothing', async () => {
    const before = snapshot();
    const r = await runCli([...g(), '--json', 'import-users', CSV, '--dry-run'], env());
    expect(r.status, r.stdout).toBe(0);
    const out = oneJson(r.stdout);
    // 6 rows: Kari unchanged, Ola changed (organization), 3 new (Øyvind, Siri, Anne), one without @.
    expect(out.result).toMatchObject({ rows: 6, new: 3, changed: 1, unchanged: 1, rejectedCount: 1, cancelled: false, stopped: null });
    expect(out.result.rejected).toEqual([{ line: 5, code: 'email-at', params: { field: 'email' }, reason: expect.stringMatching(/exactly one @/) }]);
    unchangedSince(before);
    // The import then does what the dry run said.
    const real = await runCli([...g(), '--json', 'import-users', CSV], env());
    expect(oneJson(real.stdout).result).toMatchObject({ rows: 6, inserted: 3, updated: 1, unchanged: 1, rejected: [{ line: 5 }] });
    expect(fingerprint(probe.db, vaultDir).tables).not.toBe(before.fp.tables);
    expect(actionsSince(before.seq)).toContain('user.import');
  });

  it('prints the counts and the rejected rows for a person, in bokmål under LANG=nb_NO', async () => {
    const en = await runCli([...g(), 'import-users', CSV, '--dry-run'], env({ LANG: 'en_US.UTF-8' }));
    expect(en.status).toBe(0);
    expect(en.stdout).toBe('rows 6: new 0, changed 0, unchanged 5, rejected 1\nline 5: the email address must contain exactly one @\n');
    expect(en.stderr).toMatch(/Dry run: nothing was written\. Run without --dry-run to import 0 users\./);
    const nb = await runCli([...g(), 'import-users', CSV, '--dry-run'], env({ LANG: 'nb_NO.UTF-8' }));
    expect(nb.stdout).toBe('rader 6: nye 0, endret 0, uendret 5, avvist 1\nlinje 5: e-postadressen må inneholde nøyaktig én @\n');
    expect(nb.stderr).toMatch(/Prøvekjøring: ingenting ble skrevet\./);
  });

  it('a bad header is refused (exit 2), naming the columns it could not map and those missing', async () => {
    const bad = join(root, 'bad-header.csv');
    writeFileSync(bad, 'E-post,navn,phone,organization\nkari@example.no,Kari,,Acme\n');
    const before = snapshot();
    const r = await runCli([...g(), '--json', 'import-users', bad, '--dry-run'], env());
    expect(r.status).toBe(2);
    const err = oneJson(r.stdout).error!;
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toMatch(/cannot be mapped: "E-post", "navn"\. These required columns are missing: email, name\./);
    expect(err.details).toMatchObject({ unknown: ['E-post', 'navn'], missing: ['email', 'name'], columns: expect.arrayContaining(['email', 'sms_purpose']) });
    unchangedSince(before);
    const nb = await runCli([...g(), 'import-users', bad, '--dry-run'], env({ LANG: 'nb_NO.UTF-8' }));
    expect(nb.status).toBe(2);
    expect(nb.stderr).toMatch(/Overskriftsraden har kolonner som ikke kan brukes: "E-post", "navn"\. Disse påkrevde kolonnene mangler: email, name\./);
  });
});
