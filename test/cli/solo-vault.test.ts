// The solo-vault items of the command line: `check`, `settings show|set`, `-` as standard output
// for the exports (and refused where it makes no sense), and the operator lock in
// `operators list|unlock`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, AGENT, oneJson, runCli, spawnCli, spawnCliAsync, type CliResult } from '../fixtures/cli-harness.ts';
import { unlockWithRecoveryKey } from '../../main/store/sqlite/unlock.ts';
import { listAuditRows as listAudit } from '../../main/store/sqlite/audit-rows.ts';
import { verifyExportedAudit } from '../../main/core/audit-export.ts';
import { journalName } from '../../main/core/signin.ts';
import { accountState, appendJournalEvent, readJournal } from '../../main/store/sqlite/signin-journal.ts';

let root: string;
let vaultDir: string;
let recoveryKey: string;
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a0e1e8d70000000049454e44ae426082', 'hex');

function cli(args: string[], opts: { as?: { name: string; password: string }; json?: boolean; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  const who = opts.as ?? ADMIN;
  return runCli(['--vault', vaultDir, '--operator', who.name, ...(opts.json === false ? [] : ['--json']), ...args], { FACTORDESK_PASSWORD: who.password, ...opts.env });
}

function fd(args: string[], opts: { as?: { name: string; password: string }; cwd?: string } = {}): CliResult {
  const who = opts.as ?? ADMIN;
  return spawnCli(['--vault', vaultDir, '--operator', who.name, ...args], { env: { FACTORDESK_PASSWORD: who.password }, cwd: opts.cwd });
}

/** The newest audit events, read with the recovery key (which writes none of its own). */
async function lastEvents(n: number) {
  const v = await unlockWithRecoveryKey({ dir: vaultDir }, recoveryKey);
  try {
    return listAudit(v.db, { limit: n });
  } finally {
    v.close();
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fd-cli-solo-'));
  vaultDir = join(root, 'vault');
  const init = await runCli(['--vault', vaultDir, '--json', 'init', '--name', ADMIN.name, '--display-name', ADMIN.displayName, '--email', ADMIN.email], { FACTORDESK_PASSWORD: ADMIN.password });
  recoveryKey = oneJson(init.stdout).result.recoveryKey;
  expect((await cli(['operators', 'add', AGENT.name, '--role', 'agent', '--email', AGENT.email], { env: { FACTORDESK_NEW_PASSWORD: AGENT.password } })).status).toBe(0);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('factordesk check', () => {
  it('exit 0 with no problems, audited; the same shape as other commands', async () => {
    const r = await cli(['check']);
    expect(r.status).toBe(0);
    expect(oneJson(r.stdout)).toEqual({ ok: true, result: { ok: true, problems: [] }, warnings: [] });
    expect((await lastEvents(1))[0]).toMatchObject({ action: 'vault.integrity-check', operator: ADMIN.name, outcome: 'ok', details: { problems: 0, via: 'cli' } });
    const human = await cli(['check'], { json: false });
    expect(human.status).toBe(0);
    expect(human.stdout).toBe('ok\n');
    expect(human.stderr).toMatch(/no problems/);
  });

  it('is for admins: an agent gets FORBIDDEN (exit 2)', async () => {
    const r = await cli(['check'], { as: AGENT });
    expect(r.status).toBe(2);
    expect(oneJson(r.stdout).error!.code).toBe('FORBIDDEN');
  });

  it('a damaged database: exit 6, VAULT_DAMAGED, the problems listed (human and --json)', async () => {
    // A copy with many users, then pages in the middle of the file overwritten: the operators,
    // settings and audit head still read (sign-in works), the users' pages do not.
    const dir = join(root, 'damaged');
    mkdirSync(dir);
    const env = { FACTORDESK_PASSWORD: ADMIN.password };
    const made = await runCli(['--vault', dir, '--json', 'init', '--name', ADMIN.name], env);
    expect(made.status).toBe(0);
    const key = oneJson(made.stdout).result.recoveryKey as string;
    const csv = ['email,name,phone,organization', ...Array.from({ length: 3000 }, (_, i) => `user${i}@example.no,User Number${i},,Org`)].join('\n');
    writeFileSync(join(root, 'many.csv'), csv);
    expect((await runCli(['--vault', dir, '--operator', ADMIN.name, '--json', 'import-users', join(root, 'many.csv')], env)).status).toBe(0);
    // Checkpoint the WAL into the file: a recovery-key unlock and close does that.
    (await unlockWithRecoveryKey({ dir }, key)).close();
    const db = join(dir, 'vault.db');
    const bytes = readFileSync(db);
    const page = 4096;
    const pages = bytes.length / page;
    for (let p = Math.floor(pages / 2); p < Math.floor(pages / 2) + 3; p++) bytes.fill(0x41, p * page + 100, p * page + 200);
    writeFileSync(db, bytes);
    const r = await runCli(['--vault', dir, '--operator', ADMIN.name, '--json', 'check'], env);
    expect(r.status, r.stdout).toBe(6);
    const j = oneJson(r.stdout);
    expect(j.error!.code).toBe('VAULT_DAMAGED');
    const details = j.error!.details as { ok: boolean; problems: string[] };
    expect(details.ok).toBe(false);
    expect(details.problems.length).toBeGreaterThan(0);
    const human = await runCli(['--vault', dir, '--operator', ADMIN.name, 'check'], env);
    expect(human.status).toBe(6);
    expect(human.stderr).toMatch(/integrity check found \d+ problems?/);
    expect(human.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});


describe('factordesk settings show|set', () => {
  it('show: every setting, the logo as set or none (never its bytes); any operator', async () => {
    const r = await cli(['settings', 'show'], { as: AGENT });
    expect(r.status).toBe(0);
    const s = oneJson(r.stdout).result.settings;
    expect(s).toMatchObject({ organizationName: 'FactorDesk', organizationLogo: 'none', oneTimeCodeMinutes: 60, verification: { burnAfter: 5, lockAfter: 10, cooldownMinutes: 30 } });
    const human = await cli(['settings', 'show'], { json: false });
    expect(human.stdout).toMatch(/^oneTimeCodeMinutes\t60$/m);
    expect(human.stdout).toMatch(/^organizationLogo\tnone$/m);
    expect(human.stdout).toMatch(/^defaultCountryCode\t\+47$/m);
  });

  it('set: the default country code for local phone numbers, + and 1–3 digits', async () => {
    let r = await cli(['settings', 'set', 'defaultCountryCode', '46']);
    expect(r.status, r.stdout).toBe(0);
    expect(oneJson(r.stdout).result.settings.defaultCountryCode).toBe('+46');
    r = await cli(['settings', 'set', 'defaultCountryCode', '+4a']);
    expect(r.status).toBe(2);
    expect(oneJson(r.stdout).error!.message).toMatch(/defaultCountryCode must be \+ and a country calling code of 1–3 digits/);
    r = await cli(['settings', 'set', 'defaultCountryCode', '+47']);
    expect(oneJson(r.stdout).result.settings.defaultCountryCode).toBe('+47');
  });

  it('set: numbers, JSON and text per key, validated and audited as in the app', async () => {
    let r = await cli(['settings', 'set', 'oneTimeCodeMinutes', '30']);
    expect(r.status, r.stdout).toBe(0);
    expect(oneJson(r.stdout).result.settings.oneTimeCodeMinutes).toBe(30);
    expect((await lastEvents(1))[0]).toMatchObject({ action: 'settings.update', operator: ADMIN.name, details: { changed: ['oneTimeCodeMinutes'], via: 'cli' } });
    r = await cli(['settings', 'set', 'verification', '{"cooldownMinutes": 45}']);
    expect(oneJson(r.stdout).result.settings.verification).toEqual({ burnAfter: 5, lockAfter: 10, cooldownMinutes: 45 });
    const checks = [
      { id: 'callback', strong: true, label: { nb: 'Ringt tilbake', en: 'Called back' } },
      { id: 'badge', strong: true, label: { nb: 'Adgangskort', en: 'Staff badge' } },
    ];
    r = await cli(['settings', 'set', 'identityChecks', JSON.stringify(checks)]);
    expect(oneJson(r.stdout).result.settings.identityChecks).toEqual(checks);
    r = await cli(['settings', 'set', 'issuer', 'Nordlys IT'], { json: false });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/issuer is now Nordlys IT/);
    // A wrong value: exit 2 naming the key, nothing changed, nothing audited but the sign-in.
    const before = (await lastEvents(1))[0]!.seq;
    r = await cli(['settings', 'set', 'oneTimeCodeMinutes', '5000']);
    expect(r.status).toBe(2);
    expect(oneJson(r.stdout).error!.message).toMatch(/oneTimeCodeMinutes must be at most 1440/);
    r = await cli(['settings', 'set', 'oneTimeCodeMinutes', 'soon']);
    expect(r.status).toBe(2);
    expect(oneJson(r.stdout).error!.message).toMatch(/oneTimeCodeMinutes takes a whole number/);
    const events = await lastEvents(5);
    expect(events.filter((e) => e.seq > before).map((e) => e.action)).toEqual(['signin']);
    expect(oneJson((await cli(['settings', 'show'])).stdout).result.settings.oneTimeCodeMinutes).toBe(30);
  });

  it('set: an unknown key is exit 2 naming it and the known keys', async () => {
    const r = await cli(['settings', 'set', 'colour', 'red']);
    expect(r.status).toBe(2);
    const m = oneJson(r.stdout).error!.message;
    expect(m).toMatch(/no setting called 'colour'/);
    expect(m).toMatch(/oneTimeCodeMinutes, enrollmentDeadlineDays, idleLockMinutes, defaultCountryCode, paperSize, velocityPerHour, velocityPerDay, approvalMinutes, approvalCooldownMinutes, approveEveryReenrollment, approveEveryOneTimeCode, identityChecks, reasonPresets, verification/);
  });

  it('set: the velocity limits are whole numbers from 1', async () => {
    expect((await cli(['settings', 'set', 'velocityPerHour', '5'])).status).toBe(0);
    expect(oneJson((await cli(['settings', 'show'])).stdout).result.settings).toMatchObject({ velocityPerHour: 5, velocityPerDay: 30 });
    expect((await cli(['settings', 'set', 'velocityPerDay', '0'])).status).toBe(2);
    expect((await cli(['settings', 'set', 'velocityPerDay', 'many'])).status).toBe(2);
    expect((await cli(['settings', 'set', 'velocityPerHour', '10'])).status).toBe(0);
  });

  it('set: the logo from a PNG file, shown only as set; none clears it; agents may not', async () => {
    const png = join(root, 'logo.png');
    writeFileSync(png, PNG);
    let r = await cli(['settings', 'set', 'organizationLogo', png]);
    expect(r.status, r.stdout).toBe(0);
    expect(oneJson(r.stdout).result.settings.organizationLogo).toBe('set');
    const shown = await cli(['settings', 'show'], { json: false });
    expect(shown.stdout).toMatch(/^organizationLogo\tset$/m);
    expect(shown.stdout + shown.stderr).not.toMatch(/base64|iVBOR/);
    r = await cli(['settings', 'set', 'organizationLogo', 'none']);
    expect(oneJson(r.stdout).result.settings.organizationLogo).toBe('none');
    r = await cli(['settings', 'set', 'issuer', 'Agent Corp'], { as: AGENT });
    expect(r.status).toBe(2);
    expect(oneJson(r.stdout).error!.code).toBe('FORBIDDEN');
  });
});

describe('- is standard output for the exports', () => {
  it('audit export - (json and csv) prints the export, writes no file called "-", and is audited', () => {
    const cwd = join(root, 'cwd');
    mkdirSync(cwd);
    const json = fd(['audit', 'export', '-'], { cwd });
    expect(json.status, json.stderr).toBe(0);
    expect(verifyExportedAudit(json.stdout)).toEqual({ ok: true, firstBroken: null, problem: null });
    expect(json.stderr).toMatch(/exported to standard output/);
    const csv = fd(['audit', 'export', '-', '--format', 'csv'], { cwd });
    expect(csv.status).toBe(0);
    const lines = csv.stdout.split('\r\n');
    // The header row first; the chain head in one trailing comment line.
    expect(lines[0]).toBe('seq,at,operator,action,userId,userEmail,checks,ticket,reason,outcome,details,prevHash,hash');
    expect(lines.at(-1)).toBe('');
    expect(lines.at(-2)).toMatch(/^# factordesk\.audit-export v1 vault=\w+ exported=\S+ head=\d+:[0-9a-f]{64} anchor=\d+:[0-9a-f]{64}:valid complete=true$/);
    expect(lines.slice(1, -2).every((l) => /^\d+,/.test(l))).toBe(true);
    expect(existsSync(join(cwd, '-'))).toBe(false);
  });

  it('the export to stdout is audited before it is printed', async () => {
    const r = await cli(['audit', 'export', '-'], { json: false });
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { head: { count: number } };
    const [last] = await lastEvents(1);
    expect(last).toMatchObject({ action: 'audit.export', details: { format: 'json', via: 'cli' } });
    expect(last!.seq).toBe(doc.head.count + 1);
  });

  it('outbox export - prints the notifications and marks them exported', async () => {
    const first = await cli(['outbox', 'export', '-'], { json: false });
    expect(first.status).toBe(0);
    expect(first.stdout.split('\r\n')[0] ?? first.stdout.split('\n')[0]).toMatch(/^id,user_id,email,kind/);
    expect(first.stderr).toMatch(/notifications? exported to standard output/);
  });

  it('with --json, - is refused (stdout carries the one JSON answer); backup and the like refuse -', async () => {
    for (const args of [['audit', 'export', '-'], ['outbox', 'export', '-']]) {
      const r = await cli(args);
      expect(r.status).toBe(2);
      expect(oneJson(r.stdout).error!.message).toMatch(/With --json, standard output carries the JSON answer/);
    }
    const b = await cli(['backup', '-'], { json: false });
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/backup file cannot go to standard output/);
    expect(b.stdout).toBe('');
    expect((await cli(['restore', '-'])).status).toBe(2);
    expect((await cli(['service-key', 'create', '-'])).status).toBe(2);
  });
});

describe('operator sign-in locks: operators list and operators unlock', () => {
  /** Twenty wrong passwords for `name` (written to the journal as sign-in would, without its delays). */
  function lockOut(name: string, at = Date.now()): void {
    for (let i = 0; i < 20; i++) appendJournalEvent(vaultDir, { at: at + i, name: journalName(name), outcome: 'failed' });
  }

  it('a locked operator shows as locked, with until when (human and --json); an unlock clears it, audited', async () => {
    lockOut(AGENT.name);
    const refused = await cli(['settings', 'show'], { as: AGENT });
    expect(refused.status).toBe(3);
    expect(oneJson(refused.stdout).error!.code).toBe('OPERATOR_LOCKED');

    const list = oneJson((await cli(['operators', 'list'])).stdout).result.operators as Array<{ name: string; lockedUntil: number | null; failedSignIns: number }>;
    const per = list.find((o) => o.name === AGENT.name)!;
    const anne = list.find((o) => o.name === ADMIN.name)!;
    expect(per.lockedUntil).toBeGreaterThan(Date.now() + 10 * 60_000);
    expect(per.failedSignIns).toBeGreaterThanOrEqual(20);
    expect(anne).toMatchObject({ lockedUntil: null, failedSignIns: 0 });
    const human = await cli(['operators', 'list'], { json: false });
    expect(human.stdout).toMatch(new RegExp(`^${AGENT.name}\\t.*\\tlocked until \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} \\(UTC[+-]\\d{2}:\\d{2}\\)$`, 'm'));
    expect(human.stdout).toMatch(new RegExp(`^${ADMIN.name}\\t.*\\t-$`, 'm'));
    expect(human.stderr).toMatch(/1 operator is locked/);

    const before = (await lastEvents(1))[0]!.seq;
    const r = await cli(['operators', 'unlock', AGENT.name]);
    expect(r.status, r.stdout).toBe(0);
    const j = oneJson(r.stdout).result;
    expect(j).toMatchObject({ wasLocked: true, lockedUntil: per.lockedUntil, operator: { name: AGENT.name, lockedUntil: null, failedSignIns: 0 } });
    const events = (await lastEvents(40)).filter((e) => e.seq > before);
    // Newest first: the unlock is the last event written.
    expect(events[0]).toMatchObject({ action: 'operator.unlock', operator: ADMIN.name, outcome: 'ok', details: { name: AGENT.name, wasLocked: true, via: 'cli' } });
    // The refused attempt that met the lock is in the audit (folded in at the admin's sign-in).
    expect((await lastEvents(40)).some((e) => e.action === 'signin.locked' && (e.details as { name?: string }).name === AGENT.name)).toBe(true);

    const again = await cli(['settings', 'show'], { as: AGENT });
    expect(again.status).toBe(0);
    const after = oneJson((await cli(['operators', 'list'])).stdout).result.operators as Array<{ name: string; lockedUntil: number | null }>;
    expect(after.find((o) => o.name === AGENT.name)!.lockedUntil).toBeNull();
  });

  it('unlock of an operator who is not locked changes and records nothing', async () => {
    const before = (await lastEvents(1))[0]!.seq;
    const r = await cli(['operators', 'unlock', AGENT.name], { json: false });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/was not locked; nothing changed/);
    expect((await lastEvents(5)).filter((e) => e.seq > before).map((e) => e.action)).toEqual(['signin']);
  });

  it('an expired lock is not shown as locked', async () => {
    lockOut('ghost-op', Date.now() - 60 * 60_000);
    lockOut(AGENT.name, Date.now() - 60 * 60_000);
    const list = oneJson((await cli(['operators', 'list'])).stdout).result.operators as Array<{ name: string; lockedUntil: number | null }>;
    expect(list.find((o) => o.name === AGENT.name)!.lockedUntil).toBeNull();
  });

  it('unlock: unknown operator exit 4, agent FORBIDDEN exit 2, bad name exit 2 before sign-in', async () => {
    let r = await cli(['operators', 'unlock', 'nobody']);
    expect(r.status).toBe(4);
    expect(oneJson(r.stdout).error!.code).toBe('NOT_FOUND');
    r = await cli(['operators', 'unlock', ADMIN.name], { as: AGENT });
    expect(r.status).toBe(2);
    expect(oneJson(r.stdout).error!.code).toBe('FORBIDDEN');
    r = await cli(['operators', 'unlock', 'a b'], { env: { FACTORDESK_PASSWORD: 'wrong' } });
    expect(r.status).toBe(2);
  });

  it('the spawned binary shows the lock too', () => {
    lockOut(AGENT.name);
    const r = fd(['operators', 'list']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${AGENT.name}\\t.*locked until`, 'm'));
    const u = fd(['operators', 'unlock', AGENT.name]);
    expect(u.status).toBe(0);
    expect(u.stderr).toMatch(/Cleared the sign-in lock of per/);
  });
});

describe('factordesk restore of another vault', () => {
  it('refuses a backup of another vault (exit 2, both vault ids, nothing changed); --other-vault replaces it and says what', async () => {
    const env = { FACTORDESK_PASSWORD: ADMIN.password };
    const mine = join(root, 'restore-mine');
    const theirs = join(root, 'restore-theirs');
    const init = async (dir: string) => {
      const r = await runCli(['--vault', dir, '--json', 'init', '--name', ADMIN.name], env);
      expect(r.status, r.stdout).toBe(0);
    };
    await init(mine);
    await init(theirs);
    const csv = join(root, 'restore-users.csv');
    writeFileSync(csv, ['email,name,phone,organization', ...Array.from({ length: 7 }, (_, i) => `u${i}@example.no,User ${i},,Org`)].join('\n'));
    expect((await runCli(['--vault', mine, '--operator', ADMIN.name, '--json', 'import-users', csv], env)).status).toBe(0);
    const file = join(root, 'theirs.fdbackup');
    expect((await runCli(['--vault', theirs, '--operator', ADMIN.name, '--json', 'backup', file], env)).status).toBe(0);
    const idOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'keyslots.json'), 'utf8')).vaultId as string;
    const before = readFileSync(join(mine, 'keyslots.json'), 'utf8');

    const refused = await runCli(['--vault', mine, '--operator', ADMIN.name, '--json', 'restore', file], env);
    expect(refused.status, refused.stdout).toBe(2);
    const e = oneJson(refused.stdout).error!;
    expect(e.code).toBe('CONFLICT');
    expect(e.message).toContain(idOf(theirs));
    expect(e.message).toContain(idOf(mine));
    expect(e.message).toMatch(/--other-vault/);
    expect(readdirSync(mine).filter((f) => f.includes('before-restore'))).toEqual([]);
    expect(readFileSync(join(mine, 'keyslots.json'), 'utf8')).toBe(before);

    const mineId = idOf(mine);
    const done = await runCli(['--vault', mine, '--operator', ADMIN.name, 'restore', file, '--other-vault'], env);
    expect(done.status, done.stderr).toBe(0);
    expect(done.stderr).toContain(`vault id ${mineId}, 7 users`);
    expect(done.stderr).toMatch(new RegExp(`replaced vault ${mineId} \\(7 users\\) with vault ${idOf(theirs)} \\(0 users\\)`));
    expect(idOf(mine)).toBe(idOf(theirs));
    // And back: undo puts the original vault in place.
    expect((await runCli(['--vault', mine, '--operator', ADMIN.name, '--json', 'restore', '--undo'], env)).status).toBe(0);
    expect(idOf(mine)).toBe(mineId);
  });

  it('restore --undo with nothing to undo is a usage message (exit 2), not NOT_FOUND', async () => {
    const r = await cli(['restore', '--undo']);
    expect(r.status, r.stdout).toBe(2);
    const e = oneJson(r.stdout).error!;
    expect(e.code).toBe('BAD_REQUEST');
    expect(e.message).toMatch(/nothing to undo/);
  });
});

describe('parallel sign-ins', () => {
  it('12 parallel wrong guesses from separate processes: every one that ran the KDF is counted', { timeout: 120_000 }, async () => {
    const dir = join(root, 'parallel');
    expect((await runCli(['--vault', dir, '--json', 'init', '--name', ADMIN.name], { FACTORDESK_PASSWORD: ADMIN.password })).status).toBe(0);
    const runs = Array.from({ length: 12 }, (_, i) => {
      const child = spawnCliAsync(['--vault', dir, '--operator', ADMIN.name, '--json', 'find', 'kari'], { env: { FACTORDESK_PASSWORD: `wrong guess number ${i}` } });
      child.stdin.end();
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
      return new Promise<string>((resolve) =>
        child.on('close', () => {
          try {
            resolve(oneJson(out).error!.code);
          } catch {
            resolve(`unreadable answer: ${out.slice(0, 200)}`);
          }
        }),
      );
    });
    const codes = await Promise.all(runs);
    const failed = codes.filter((c) => c === 'SIGNIN_FAILED').length;
    expect(codes.every((c) => c === 'SIGNIN_FAILED' || c === 'RATE_LIMITED' || c === 'OPERATOR_LOCKED'), codes.join(',')).toBe(true);
    expect(failed).toBeGreaterThan(0);
    const counted = accountState(readJournal(dir).journal, journalName(ADMIN.name)).failures;
    expect(counted).toBe(failed);
  });
});
