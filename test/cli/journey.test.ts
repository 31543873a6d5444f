// A full journey through the real `factordesk` binary (spawned under this Node 22): init, import,
// find, show, re-enroll with a sheet, confirm with a code computed from the sheet's secret,
// verify (and replay), backup codes, one-time code, a service key, audit verify and export,
// outbox export, backup/restore/undo and key rotation; then no secret may be found where it
// must not be: vault files, other commands' output, the audit export, `show`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, base32Decode, oneJson, spawnCli, type CliResult } from '../fixtures/cli-harness.ts';
import { totpAt, TOTP_PERIOD_SECONDS } from '../../main/core/totp.ts';
import { verifyExportedAudit } from '../../main/core/audit-export.ts';
import { unlockWithRecoveryKey, unlockWithServiceKey } from '../../main/store/sqlite/unlock.ts';
import { errorCode, legacyServiceKey } from '../helpers/vault.ts';
import type { Vault } from '../../main/store/sqlite/vault.ts';

const CSV = new URL('../fixtures/cli-users.csv', import.meta.url).pathname;
const KARI = 'kari.nordmann@example.no';

let root: string;
let vaultDir: string;
/** A connection held open by the test while secrets are issued, so the WAL stays on disk to be searched. */
let holder: Vault | null = null;
/** Every command run, with the secrets it was allowed to print. */
const runs: Array<{ args: string[]; r: CliResult; issues: string[] }> = [];
/** Secrets by name, collected as the journey issues them. */
const secrets = new Map<string, string>();

function fd(args: string[], opts: { json?: boolean; env?: Record<string, string | undefined>; issues?: string[]; operator?: boolean; input?: string } = {}): CliResult {
  const globals = ['--vault', vaultDir, ...(opts.operator === false ? [] : ['--operator', ADMIN.name]), ...(opts.json === false ? [] : ['--json'])];
  const r = spawnCli([...globals, ...args], { env: { FACTORDESK_PASSWORD: ADMIN.password, ...opts.env }, ...(opts.input === undefined ? {} : { input: opts.input }) });
  runs.push({ args, r, issues: opts.issues ?? [] });
  return r;
}

function ok(r: CliResult): any {
  const j = oneJson(r.stdout);
  if (!j.ok) throw new Error(`command failed: ${JSON.stringify(j.error)} / ${r.stderr}`);
  expect(r.status).toBe(0);
  return j.result;
}

const stripSeparators = (s: string) => s.replace(/[\s-]/g, '');

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fd-cli-'));
  vaultDir = join(root, 'vault');
});
afterAll(() => {
  holder?.close();
  rmSync(root, { recursive: true, force: true });
});

/** Each secret issued so far in the forms it could be stored in: as printed, without separators, raw bytes. */
function needles(): Array<{ name: string; forms: Buffer<ArrayBufferLike>[] }> {
  const out: Array<{ name: string; forms: Buffer<ArrayBufferLike>[] }> = [];
  for (const [name, value] of secrets) {
    for (const one of value.split('|')) {
      const forms: Buffer<ArrayBufferLike>[] = [...new Set([one, stripSeparators(one)])].map((f) => Buffer.from(f, 'utf8'));
      if (name === 'totp') forms.push(base32Decode(one));
      out.push({ name, forms });
    }
  }
  return out;
}

describe('factordesk command line: the whole journey', () => {
  let secretB32 = '';
  let step = 0;

  it('creates the vault and prints the recovery key once', () => {
    const res = ok(fd(['init', '--name', ADMIN.name, '--display-name', ADMIN.displayName, '--email', ADMIN.email], { operator: false, issues: ['recovery'] }));
    expect(res.recoveryKey).toMatch(/^([A-Z2-7]{4}-){12}[A-Z2-7]{4}$/);
    secrets.set('recovery', res.recoveryKey);
    expect(statSync(vaultDir).mode & 0o777).toBe(0o700);
    // A second init never touches the vault.
    const again = fd(['init', '--name', 'bob'], { operator: false });
    expect(again.status).toBe(6);
    expect(oneJson(again.stdout).error!.code).toBe('VAULT_EXISTS');
  });

  it('imports users from a CSV file, listing the rejected line (exit 0)', () => {
    const res = ok(fd(['import-users', CSV]));
    expect(res.rows).toBe(6);
    expect(res.inserted).toBe(5);
    expect(res.rejected).toHaveLength(1);
    expect(res.rejected[0].line).toBe(5);
    // Again, without --json: the report on stdout, nothing is new.
    const r = fd(['import-users', CSV], { json: false });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/unchanged 5/);
    expect(r.stdout).toMatch(/line 5:/);
  });

  it('finds users by prefix; no match is exit 0 with nothing on stdout', () => {
    const res = ok(fd(['find', 'kari']));
    expect(res.users.map((u: { email: string }) => u.email)).toContain(KARI);
    const byName = ok(fd(['find', 'nordm']));
    expect(byName.users.map((u: { email: string }) => u.email)).toContain(KARI);
    const none = fd(['find', 'zzz-nobody'], { json: false });
    expect(none.status).toBe(0);
    expect(none.stdout).toBe('');
  });

  it('keeps a connection open meanwhile, so the WAL stays on disk', async () => {
    holder = await unlockWithRecoveryKey({ dir: vaultDir }, secrets.get('recovery')!);
  });

  it('shows the factor summary', () => {
    const res = ok(fd(['show', KARI]));
    expect(res.user.email).toBe(KARI);
    expect(res.authenticator.status).toBe('none');
    expect(res.sms).toBeNull();
  });

  it('re-enrolls with a sheet (0600) whose secret is the one in the URI', () => {
    const sheet = join(root, 'sheet.html');
    const res = ok(
      fd(['reenroll', KARI, '--checks', 'callback,photo-id', '--ticket', 'HD-1001', '--reason', 'Lost phone', '--sheet', sheet, '--backup-codes', '--language', 'en'], {
        issues: ['totp', 'reenroll-codes'],
      }),
    );
    expect(res.uri).toMatch(/^otpauth:\/\/totp\/FactorDesk:kari\.nordmann%40example\.no\?secret=[A-Z2-7]{32}&issuer=FactorDesk$/);
    secretB32 = new URL(res.uri).searchParams.get('secret')!;
    expect(stripSeparators(res.key)).toBe(secretB32);
    expect(res.codes).toHaveLength(10);
    secrets.set('totp', secretB32);
    secrets.set('reenroll-codes', res.codes.join('|'));
    expect(statSync(sheet).mode & 0o777).toBe(0o600);
    const html = readFileSync(sheet, 'utf8');
    const fromSheet = /secret=([A-Z2-7]+)/.exec(html)?.[1] ?? stripSeparators(/id="key">([^<]+)</.exec(html)?.[1] ?? '');
    expect(fromSheet).toBe(secretB32);
    expect(html).toContain(res.codes[0]);
    // The sheet is never overwritten.
    const again = fd(['reenroll', KARI, '--checks', 'callback', '--ticket', 'HD-1001', '--reason', 'again', '--sheet', sheet]);
    expect(again.status).toBe(2);
  });

  it('confirms with a code computed from the secret, then verifies; a reused time step is rejected (exit 1)', () => {
    const secret = base32Decode(secretB32);
    const now = Date.now();
    step = Math.floor(now / 1000 / TOTP_PERIOD_SECONDS);
    const codeNow = totpAt(secret, step * TOTP_PERIOD_SECONDS * 1000);
    const codeNext = totpAt(secret, (step + 1) * TOTP_PERIOD_SECONDS * 1000);
    const c = ok(fd(['confirm', KARI, codeNow]));
    expect(c.status).toBe('active');
    // The step just used cannot be used again, not even through verify.
    const replay = fd(['verify', KARI, codeNow]);
    expect(replay.status).toBe(1);
    expect(oneJson(replay.stdout).result).toEqual({ result: 'rejected' });
    // A fresh code (the next step, inside the window) is accepted once.
    const v = fd(['verify', KARI, codeNext]);
    expect(oneJson(v.stdout).result).toEqual({ result: 'accepted' });
    expect(v.status).toBe(0);
    const v2 = fd(['verify', KARI, codeNext], { json: false });
    expect(v2.status).toBe(1);
    expect(v2.stdout.trim()).toBe('rejected');
  });

  it('issues backup codes; one verifies once', () => {
    // Without --json: the codes alone on stdout, one per line; the message on stderr.
    const r = fd(['backup-codes', KARI, '--checks', 'callback', '--ticket', 'HD-1002', '--reason', 'New set'], { issues: ['backup'], json: false });
    expect(r.status).toBe(0);
    const res = { codes: r.stdout.trim().split('\n') };
    expect(res.codes).toHaveLength(10);
    for (const c of res.codes) expect(c).toMatch(/^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}$/);
    expect(r.stderr).toMatch(/backup codes/i);
    secrets.set('backup', res.codes.join('|'));
    const first = res.codes[0] as string;
    expect(fd(['verify', KARI, first]).status).toBe(0);
    // Normalised input (lower case, no separators) is the same code: used already.
    expect(fd(['verify', KARI, stripSeparators(first).toLowerCase()]).status).toBe(1);
    // The set made by the re-enrollment was voided by the new one.
    expect(fd(['verify', KARI, secrets.get('reenroll-codes')!.split('|')[1]!]).status).toBe(1);
  });

  it('issues a one-time code (grouped for reading) that verifies once', () => {
    const res = ok(fd(['issue-code', KARI, '--checks', 'photo-id', '--ticket', 'HD-1003', '--reason', 'Travelling', '--minutes', '15'], { issues: ['otc'] }));
    expect(res.code).toMatch(/^\d{4} \d{4}$/);
    expect(res.expiresAt - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    secrets.set('otc', res.code);
    // Without --json a new code replaces it: only the code on stdout, the message on stderr.
    const text = fd(['issue-code', KARI, '--checks', 'photo-id', '--ticket', 'HD-1003', '--reason', 'Travelling'], { issues: ['otc2'], json: false });
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^\d{4} \d{4}\n$/);
    expect(text.stderr).toMatch(/valid until/);
    secrets.set('otc2', text.stdout.trim());
    // The first code was voided by the second.
    expect(fd(['verify', KARI, res.code]).status).toBe(1);
    const again = ok(fd(['issue-code', KARI, '--checks', 'photo-id', '--ticket', 'HD-1003', '--reason', 'Travelling', '--minutes', '15'], { issues: ['otc3'] }));
    secrets.set('otc3', again.code);
    res.code = again.code;
    expect(fd(['verify', KARI, res.code]).status).toBe(0);
    expect(fd(['verify', KARI, res.code]).status).toBe(1);
  });

  it('has no secret in the WAL and shared memory while the vault is open', () => {
    const wal = join(vaultDir, 'vault.db-wal');
    expect(statSync(wal).size).toBeGreaterThan(0);
    const ns = needles();
    expect(ns.map((n) => n.name)).toEqual(expect.arrayContaining(['totp', 'backup', 'otc', 'recovery']));
    for (const f of ['vault.db-wal', 'vault.db-shm', 'vault.db']) {
      const bytes = readFileSync(join(vaultDir, f));
      for (const n of ns) for (const form of n.forms) expect(bytes.includes(form), `${n.name} in ${f}`).toBe(false);
    }
    holder!.close();
    holder = null;
  });

  it('shows the summary as text without any secret', () => {
    const r = fd(['show', KARI], { json: false });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Authenticator:\s+active/);
    expect(r.stdout).toMatch(/Backup codes:\s+9 of 10 left/);
  });

  it('service keys are retired: create and verify --service-key are refused (exit 2) and point to the HTTP API; the operator still verifies', async () => {
    const keyFile = join(root, 'portal.key');
    const made = fd(['service-key', 'create', keyFile, '--label', 'login portal']);
    expect(made.status).toBe(2);
    expect(oneJson(made.stdout).error).toMatchObject({ code: 'SERVICE_KEY_RETIRED', message: expect.stringMatching(/unwraps the vault key/) });
    expect(existsSync(keyFile)).toBe(false);
    // A vault made before the retirement has one: made here directly, as no door makes one any more.
    const content = await legacyServiceKey(vaultDir, ADMIN, 'login portal');
    writeFileSync(keyFile, content, { mode: 0o600 });
    secrets.set('service', (JSON.parse(content) as { key: string }).key);
    const code = secrets.get('backup')!.split('|')[1]!;
    const svc = { operator: false, env: { FACTORDESK_PASSWORD: undefined } } as const;
    for (const json of [true, false]) {
      const r = fd(['verify', KARI, '-', '--service-key', keyFile], { ...svc, json, input: `${code}\n` });
      expect(r.status).toBe(2);
      if (json) expect(oneJson(r.stdout).error).toMatchObject({ code: 'SERVICE_KEY_RETIRED', message: expect.stringMatching(/POST \/api\/v1\/validate of "factordesk serve"/) });
      else expect(r.stderr).toMatch(/verify --service-key is retired.*POST \/api\/v1\/validate/);
    }
    // The refused calls used nothing: the operator verifies the same code once.
    expect(oneJson(fd(['verify', KARI, '-'], { input: `${code}\n` }).stdout).result).toEqual({ result: 'accepted' });
    expect(fd(['verify', KARI, code]).status).toBe(1);
    expect(fd(['verify', 'nobody@example.no', '000000']).status).toBe(1);
  });

  it('verifies the audit chain and exports it with its head', () => {
    const v = ok(fd(['audit', 'verify']));
    expect(v.ok).toBe(true);
    expect(v.anchor).toBe('ok');
    const file = join(root, 'audit.json');
    const e = ok(fd(['audit', 'export', file]));
    expect(e.count).toBeGreaterThan(10);
    const content = readFileSync(file, 'utf8');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(verifyExportedAudit(content).ok).toBe(true);
    const csv = join(root, 'audit.csv');
    const r = fd(['audit', 'export', csv, '--format', 'csv'], { json: false });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(csv);
    expect(readFileSync(csv, 'utf8')).toMatch(/code\.issue-one-time/);
  });

  it('exports the outbox once', () => {
    const file = join(root, 'outbox.csv');
    const r = ok(fd(['outbox', 'export', file]));
    expect(r.count).toBeGreaterThanOrEqual(4);
    expect(readFileSync(file, 'utf8')).toContain(KARI);
    const again = ok(fd(['outbox', 'export', join(root, 'outbox2.json'), '--format', 'json']));
    expect(again.count).toBe(0);
  });

  it('records a refused request and clears a lock', () => {
    const r = ok(fd(['refuse', KARI, '--caller', 'Someone', '--caller-number', '+47 400 00 000', '--requested', 'new code by chat', '--failed-checks', 'callback', '--ticket', 'HD-1004']));
    expect(r.seq).toBeGreaterThan(0);
    expect(ok(fd(['clear-lock', KARI, '--checks', 'manager', '--ticket', 'HD-1005', '--reason', 'Cleared after call'])).locked).toBe(false);
  });

  it('backs up, restores (keeping the old vault aside) and undoes the restore', () => {
    const file = join(root, 'vault.fdbackup');
    expect(ok(fd(['backup', file])).file).toBe(file);
    const r = ok(fd(['restore', file]));
    expect(r.kept.length).toBeGreaterThanOrEqual(2);
    for (const k of r.kept as string[]) expect(k.startsWith(vaultDir)).toBe(true);
    const text = fd(['restore', '--undo'], { json: false });
    expect(text.status).toBe(0);
    expect(ok(fd(['audit', 'verify'])).ok).toBe(true);
  });

  it('rotates the vault key: a new recovery key, and the service slot is carried over (until revoked)', async () => {
    const res = ok(fd(['rotate-key'], { issues: ['recovery2'] }));
    expect(res.recoveryKey).not.toBe(secrets.get('recovery'));
    secrets.set('recovery2', res.recoveryKey);
    const opened = await unlockWithServiceKey({ dir: vaultDir }, readFileSync(join(root, 'portal.key'), 'utf8'));
    opened.vault.close();
    expect(ok(fd(['audit', 'verify'])).ok).toBe(true);
  });

  it('lists the service key with its warning and revokes it, rotating the key: the key file then no longer opens the vault', async () => {
    const keys = ok(fd(['service-key', 'list'])) as Array<{ keyId: string; label: string; warning: string }>;
    expect(keys.map((k) => [k.label, k.warning])).toEqual([['login portal', 'this key file unwraps the vault key: revoke it']]);
    expect(JSON.stringify(keys)).not.toMatch(/"key"/);
    expect(ok(fd(['service-key', 'revoke', 'login portal']))).toEqual({ revoked: 1, keyRotated: true });
    expect(await errorCode(unlockWithServiceKey({ dir: vaultDir }, readFileSync(join(root, 'portal.key'), 'utf8')))).toBe('SIGNIN_FAILED');
    expect(fd(['service-key', 'revoke', 'login portal']).status).toBe(4);
    expect(ok(fd(['service-key', 'list']))).toEqual([]);
  });

  it('leaves no secret in the vault files, in other commands’ output, in `show` or in the audit export', () => {
    const all = needles();
    expect(all.length).toBeGreaterThan(20);
    // Every file in the vault folder: the database, its WAL and shared memory, the slots, the
    // journal, the copies kept by restore.
    const files = readdirSync(vaultDir);
    expect(files).toContain('vault.db');
    for (const f of files) {
      const bytes = readFileSync(join(vaultDir, f));
      for (const n of all) for (const form of n.forms) expect(bytes.includes(form), `${n.name} in ${f}`).toBe(false);
    }
    // The audit exports.
    for (const f of ['audit.json', 'audit.csv', 'outbox.csv']) {
      const text = readFileSync(join(root, f));
      for (const n of all) for (const form of n.forms) expect(text.includes(form), `${n.name} in ${f}`).toBe(false);
    }
    // Each command's stdout and stderr: only the command that issued a secret prints it, on stdout.
    for (const { args, r, issues } of runs) {
      for (const n of all) {
        for (const form of n.forms) {
          const s = form.toString('utf8');
          if (!/^[\x20-\x7e]+$/.test(s)) continue;
          expect(r.stderr.includes(s), `${n.name} on stderr of ${args[0]}`).toBe(false);
          if (!issues.includes(n.name)) expect(r.stdout.includes(s), `${n.name} on stdout of ${args.join(' ').slice(0, 60)}`).toBe(false);
        }
      }
    }
    // Never a stack trace.
    for (const { r } of runs) expect(r.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
  });
});
