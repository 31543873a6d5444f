// Security suite: no stored secret ever leaves the main process, and none is written down in
// the clear. A full helpdesk journey runs through the guarded dispatcher (first run, agent,
// import, sign-in, lookup, every action that issues a secret, printing, confirmation, refusal,
// exports, backup, key rotation). Every secret issued is collected; then (a) each appears only
// in the one response that issued it (no response or pushed event ever carries a stored secret,
// a code hash or salt, the vault key or a password) and (b) no file the journey left behind —
// the vault, its WAL, the key-slot file, the sign-in journal, every export and the backup —
// holds any of them in any common encoding.
import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CTX, codeOf, encodings, findSecrets, makeSuiteApp, secretFromUri, type SuiteApp } from '../helpers/suites.ts';
import { ADMIN, AGENT } from '../helpers/vault.ts';
import { ManualClock } from '../../main/core/clock.ts';
import { totpAt } from '../../main/core/totp.ts';
import { verifyCode } from '../../main/core/verify.ts';
import { parseRawKey } from '../../main/store/sqlite/key-slots.ts';
import { createServiceKey } from '../../main/core/service-keys.ts';
import { authenticatorSecretAad } from '../../main/core/value-cipher.ts';
import type { Channel, Req } from '../../contract/index.ts';
import type { AnyResult } from '../helpers/suites.ts';

const NEW_AGENT_PASSWORD = 'a brand new passphrase for per 7';

interface Secret {
  name: string;
  value: string | Buffer;
  /** Index of the one response allowed to carry it (none: no response may). */
  issuedIn: number | null;
}

let app: SuiteApp;
afterAll(() => app?.cleanup());

/** Every file under `dir`, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('no secret leaks', () => {
  const responses: Array<{ channel: string; json: string; value: unknown }> = [];
  const secrets: Secret[] = [];
  let exportsDir = '';
  let serviceKeyFile = '';
  let openFilesDuringJourney: Array<{ path: string; bytes: Buffer }> = [];

  const call = async <C extends Channel>(channel: C, req: Req<C>): Promise<AnyResult & { index: number }> => {
    const r = await app.call(channel, req);
    responses.push({ channel, json: JSON.stringify(r), value: r });
    expect(r, `${channel}: ${r.ok ? '' : `${r.error.code} ${r.error.message}`}`).toMatchObject({ ok: true });
    return { ...r, index: responses.length - 1 };
  };
  const secret = (name: string, value: string | Buffer, issuedIn: number | null) => secrets.push({ name, value, issuedIn });

  it('runs the full journey through the dispatcher', { timeout: 60_000 }, async () => {
    app = makeSuiteApp({ clock: new ManualClock(Date.UTC(2026, 10, 26, 9, 0, 15)) });
    exportsDir = join(app.dir, '..', 'exports');
    mkdirSync(exportsDir);
    secret('admin password', ADMIN.password, null);
    secret('agent password', AGENT.password, null);
    secret('agent new password', NEW_AGENT_PASSWORD, null);

    const first = await call('session:first-run', { name: ADMIN.name, displayName: ADMIN.displayName, email: ADMIN.email, password: ADMIN.password });
    secret('recovery key (first run)', first.value.recoveryKey, first.index);
    secret('recovery key bytes (first run)', parseRawKey(first.value.recoveryKey)!, first.index);
    secret('vault key', app.controller.vaultOrNull!.keyForWorker(), null);
    await call('session:recovery-stored', {});
    await call('operators:add', { name: AGENT.name, displayName: AGENT.displayName, role: 'agent', email: AGENT.email, password: AGENT.password });

    // Users arrive by the real import (worker thread), as an admin would do it.
    const csv = join(exportsDir, 'users.csv');
    writeFileSync(
      csv,
      'email,name,phone,organization,external_id,status\n' +
        'kari.nordmann@example.no,Kari Nordmann,+47 912 34 567,Nordlys AS,E-1,active\n' +
        'ola.hansen@example.no,Ola Hansen,+47 923 45 678,Nordlys AS,E-2,active\n' +
        'not-an-email,Broken Row,,,E-3,\n',
    );
    app.opened.csv = csv;
    const imp = await call('users:import', {});
    await app.controller.job(imp.value.jobId)!.done;
    await call('jobs:reports', {});
    app.db().prepare("INSERT INTO sms_factors (user_id, phone, verified, created_at) SELECT id, phone, 1, created_at FROM users WHERE email = 'kari.nordmann@example.no'").run();

    // The agent's day.
    await call('session:lock', {});
    await call('session:sign-in', { name: AGENT.name, password: AGENT.password });
    await call('session:activity', {});
    const found = await call('users:find', { query: 'kari' });
    const kari = found.value.items[0].id as number;
    const ola = (await call('users:find', { query: 'ola.hansen@' })).value.items[0].id as number;
    await call('users:view', { userId: kari });

    const otc1 = await call('codes:issue-one-time', { userId: kari, ...CTX });
    secret('one-time code 1', otc1.value.code, otc1.index);
    await call('clipboard:copy', { text: otc1.value.code });
    const set1 = await call('codes:backup', { userId: kari, ...CTX });
    set1.value.codes.forEach((c: string, i: number) => secret(`backup code set 1 #${i}`, c, set1.index));

    const re = await call('enrollment:reenroll', { userId: kari, ...CTX, voidCodes: false, withBackupCodes: true });
    const totp = secretFromUri(re.value.uri);
    secret('TOTP secret (raw bytes)', totp, re.index);
    secret('TOTP secret (base32)', re.value.key, re.index);
    re.value.backupCodes.forEach((c: string, i: number) => secret(`backup code set 2 #${i}`, c, re.index));
    await call('enrollment:reveal-key', { userId: kari, enrollmentId: re.value.enrollmentId });
    const printed = await call('enrollment:print-sheet', { userId: kari, enrollmentId: re.value.enrollmentId, mode: 'print', language: 'nb' });
    expect(printed.value).toEqual({ done: true, file: null });
    // The printer (main process only) got the sheet with the key and the backup codes.
    expect(app.printed).toHaveLength(1);
    expect(app.printed[0]).toContain(re.value.key);
    expect(app.printed[0]).toContain(re.value.backupCodes[0]);
    app.saved['sheet-pdf'] = join(exportsDir, 'sheet.pdf');
    await call('enrollment:print-sheet', { userId: kari, enrollmentId: re.value.enrollmentId, mode: 'pdf', language: 'en' });
    await call('enrollment:confirm', { userId: kari, code: totpAt(totp, app.clock.now()) });

    // Codes verified as a login service would (no IPC channel verifies codes).
    const store = () => app.controller.store();
    const session = () => app.controller.session!;
    expect((await verifyCode(store(), session(), kari, otc1.value.code)).result).toBe('accepted');
    expect((await verifyCode(store(), session(), kari, re.value.backupCodes[0])).result).toBe('accepted');
    app.clock.advance(30_000);
    expect((await verifyCode(store(), session(), kari, totpAt(totp, app.clock.now()))).result).toBe('accepted');
    expect((await verifyCode(store(), session(), kari, set1.value.codes[0])).result).toBe('rejected'); // voided by the new set

    const otc2 = await call('codes:issue-one-time', { userId: ola, ...CTX, minutes: 30 });
    secret('one-time code 2 (left unused)', otc2.value.code, otc2.index);
    const set3 = await call('codes:backup', { userId: ola, ...CTX });
    set3.value.codes.forEach((c: string, i: number) => secret(`backup code set 3 #${i}`, c, set3.index));
    const re2 = await call('enrollment:reenroll', { userId: ola, ...CTX, voidCodes: false, withBackupCodes: false });
    secret('TOTP secret 2 (raw bytes)', secretFromUri(re2.value.uri), re2.index);
    const regen = await call('enrollment:regenerate', { userId: ola, ...CTX });
    secret('TOTP secret 3 after regenerate (raw bytes)', secretFromUri(regen.value.uri), regen.index);
    await call('sms:remove', { userId: kari, ...CTX });
    await call('requests:refuse', { userId: ola, callerName: 'Someone', callerNumber: '+4799999999', requested: 'a one-time code by e-mail', failedChecks: ['known-email'], ticket: 'HD-77', notes: 'no call-back possible' });
    await call('settings:get', {});
    await call('session:change-password', { oldPassword: AGENT.password, newPassword: NEW_AGENT_PASSWORD });
    await call('users:view', { userId: kari });
    await call('users:view', { userId: ola });

    // The admin's day: exports, backup, key rotation, a service key.
    await call('session:lock', {});
    await call('session:sign-in', { name: ADMIN.name, password: ADMIN.password });
    await call('lock:clear', { userId: ola, ...CTX });
    await call('audit:list', { limit: 1000 });
    await call('audit:verify', {});
    await call('operators:list', {});
    await call('outbox:list', { pendingOnly: false });
    await call('vault:info', {});
    await call('vault:integrity', {});
    for (const [format, kind] of [['json', 'audit-json'], ['csv', 'audit-csv']] as const) {
      app.saved[kind] = join(exportsDir, `audit.${format}`);
      await call('audit:export', { format });
    }
    app.saved['outbox-csv'] = join(exportsDir, 'outbox.csv');
    expect((await call('outbox:export', { format: 'csv' })).value.count).toBeGreaterThan(5);
    // A second pair of notifications, for the JSON export.
    await call('codes:issue-one-time', { userId: ola, ...CTX }).then((r) => secret('one-time code 3', r.value.code, r.index));
    app.saved['outbox-json'] = join(exportsDir, 'outbox.json');
    expect((await call('outbox:export', { format: 'json' })).value.count).toBeGreaterThan(0);
    app.saved.backup = join(exportsDir, 'vault.fdbackup');
    await call('vault:backup', {});
    serviceKeyFile = join(exportsDir, 'login.key');
    // Service keys are retired: the channel is refused; a vault made before may still hold one (made directly here).
    const refused = await app.call('service-keys:create', { label: 'login' });
    responses.push({ channel: 'service-keys:create', json: JSON.stringify(refused), value: refused });
    expect(refused).toMatchObject({ ok: false, error: { code: 'SERVICE_KEY_RETIRED' } });
    await createServiceKey(app.controller.store(), app.controller.session!, 'login', (content) => writeFileSync(serviceKeyFile, content, { mode: 0o600 }));
    const sk = JSON.parse(readFileSync(serviceKeyFile, 'utf8')) as { key: string };
    secret('service key', sk.key, null);
    secret('service key bytes', parseRawKey(sk.key)!, null);
    const rekey = await call('vault:rekey', {});
    secret('recovery key (after rekey)', rekey.value.recoveryKey, rekey.index);
    secret('recovery key bytes (after rekey)', parseRawKey(rekey.value.recoveryKey)!, rekey.index);
    secret('vault key after rekey', app.controller.vaultOrNull!.keyForWorker(), null);
    await call('jobs:reports', {});
    await call('app:status', {});
    await call('audit:verify', {});

    // Stored secrets and code hashes, read from the vault: none may ever leave it.
    const db = app.db();
    for (const r of db.prepare('SELECT id, salt, hash FROM one_time_codes').all() as Array<{ id: number; salt: Buffer; hash: Buffer }>) {
      secret(`one-time code ${r.id} salt`, r.salt, null);
      secret(`one-time code ${r.id} hash`, r.hash, null);
    }
    for (const r of db.prepare('SELECT id, salt, hash FROM backup_codes').all() as Array<{ id: number; salt: Buffer; hash: Buffer }>) {
      secret(`backup code ${r.id} salt`, r.salt, null);
      secret(`backup code ${r.id} hash`, r.hash, null);
    }
    const vault = app.controller.vaultOrNull!;
    for (const r of db.prepare("SELECT id, user_id, sheet_id, secret FROM authenticators WHERE status IN ('active', 'pending')").all() as Array<{ id: number; user_id: number; sheet_id: string; secret: Buffer }>) {
      // The vault keeps the seed sealed to its row; what it opens to is the seed that was issued.
      const seed = vault.values.open(r.secret, authenticatorSecretAad(vault.vaultId, r.user_id, r.sheet_id));
      expect(secrets.some((s) => Buffer.isBuffer(s.value) && s.value.equals(seed)), `authenticator ${r.id}'s secret was issued in a response`).toBe(true);
    }
    expect(secrets.length).toBeGreaterThan(60);

    // What is on disk while the vault is open (the WAL holds the latest pages).
    openFilesDuringJourney = files(app.dir).map((path) => ({ path, bytes: readFileSync(path) }));
    expect(openFilesDuringJourney.map((f) => relative(app.dir, f.path))).toEqual(expect.arrayContaining(['vault.db', 'vault.db-wal', 'keyslots.json', 'signin-journal.json']));
    app.close();
  });

  it('(a) each secret appears only in the one response that issued it; no pushed event carries one', () => {
    expect(responses.length).toBeGreaterThan(40);
    const problems: string[] = [];
    responses.forEach((r, i) => {
      const hay = Buffer.from(r.json, 'utf8');
      for (const name of findSecrets(hay, secrets.filter((s) => s.issuedIn !== i))) problems.push(`response ${i} (${r.channel}) carries ${name}`);
    });
    // The issuing responses really carry their secret (the scan can see what it looks for).
    // (A recovery key's raw bytes are only in it grouped, as printed: checked as text above.)
    for (const s of secrets.filter((x) => x.issuedIn !== null && (typeof x.value === 'string' || x.name.startsWith('TOTP')))) {
      if (findSecrets(Buffer.from(responses[s.issuedIn!]!.json, 'utf8'), [s]).length === 0) problems.push(`${s.name} not found in its own response`);
    }
    for (const e of app.events) {
      for (const name of findSecrets(Buffer.from(JSON.stringify(e), 'utf8'), secrets)) problems.push(`event ${e.event} carries ${name}`);
    }
    expect(problems).toEqual([]);
  });

  it('(a) no response has a secret, salt or hash field (except the audit chain’s public hash and prevHash)', () => {
    const problems: string[] = [];
    const walk = (v: unknown, where: string, inAuditEvent: boolean) => {
      if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${where}[${i}]`, false));
      if (!v || typeof v !== 'object') return;
      const o = v as Record<string, unknown>;
      const isEvent = 'seq' in o && 'action' in o && 'outcome' in o;
      for (const [k, x] of Object.entries(o)) {
        // `smtpPasswordSet` is a boolean (the relay password is set in the delivering process, never its value).
        const flagOnly = k === 'smtpPasswordSet' && typeof x === 'boolean';
        if (/secret|salt|hash|dek|private|mac|kek|password/i.test(k) && !((k === 'hash' || k === 'prevHash') && isEvent) && !flagOnly) problems.push(`${where}.${k}`);
        walk(x, `${where}.${k}`, isEvent || inAuditEvent);
      }
    };
    responses.forEach((r, i) => walk(r.value, `#${i} ${r.channel}`, false));
    for (const e of app.events) walk(e.data, e.event, false);
    expect(problems).toEqual([]);
  });

  it('(b) no file left behind holds a secret in any encoding: vault, WAL, key slots, journal, exports, backup', () => {
    const closedFiles = files(app.dir).map((path) => ({ path, bytes: readFileSync(path) }));
    const exported = files(exportsDir).filter((p) => p !== serviceKeyFile).map((path) => ({ path, bytes: readFileSync(path) }));
    const all = [...openFilesDuringJourney, ...closedFiles, ...exported];
    const names = all.map((f) => relative(join(app.dir, '..'), f.path));
    for (const must of ['vault/vault.db', 'vault/vault.db-wal', 'vault/keyslots.json', 'vault/signin-journal.json', 'exports/audit.json', 'exports/audit.csv', 'exports/outbox.json', 'exports/outbox.csv', 'exports/vault.fdbackup']) {
      expect(names, must).toContain(must);
    }
    // The exports are real: they hold the events and notifications of the journey.
    expect(readFileSync(join(exportsDir, 'audit.json'), 'utf8')).toContain('code.issue-one-time');
    expect(readFileSync(join(exportsDir, 'outbox.csv'), 'utf8')).toContain('kari.nordmann@example.no');
    expect(statSync(join(exportsDir, 'vault.fdbackup')).size).toBeGreaterThan(10_000);
    const problems: string[] = [];
    for (const f of all) for (const name of findSecrets(f.bytes, secrets)) problems.push(`${relative(join(app.dir, '..'), f.path)} holds ${name}`);
    expect(problems).toEqual([]);
    // The service key file holds its key and nothing else secret.
    const keyFile = readFileSync(serviceKeyFile);
    expect(findSecrets(keyFile, secrets)).toEqual(['service key']);
  });

  it('the scan itself finds a planted secret in every encoding it claims to check (control)', () => {
    const s = secrets.find((x) => x.name === 'TOTP secret (raw bytes)')!;
    for (const e of encodings(s.value)) expect(findSecrets(Buffer.concat([Buffer.from('xx'), e, Buffer.from('yy')]), [s])).toEqual([s.name]);
    const code = secrets.find((x) => x.name === 'one-time code 1')!;
    expect(findSecrets(Buffer.from(`{"code":"${String(code.value).replace(' ', '')}"}`), [code])).toEqual([code.name]);
    expect(codeOf({ ok: true, value: null })).toBe('OK');
  });
});
