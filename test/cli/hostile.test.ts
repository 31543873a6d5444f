// Hostile inputs to every command: unknown flags, missing arguments, SQL fragments, 10 kB
// arguments, control characters, malformed codes, bad --minutes, emails with quotes. Each must
// exit 2 (usage or validation), answer in the right shape, and change nothing in the vault but,
// at most, one audit event (the sign-in when the check needs the vault's settings). The cases
// run through the same entry point as the bin (in-process, for speed); a sample is spawned.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, AGENT, fingerprint, oneJson, runCli, spawnCli, type CliResult } from '../fixtures/cli-harness.ts';
import { unlockWithRecoveryKey } from '../../main/store/sqlite/unlock.ts';
import type { Vault } from '../../main/store/sqlite/vault.ts';
import { COMMANDS } from '../../main/cli/main.ts';

const CSV = new URL('../fixtures/cli-users.csv', import.meta.url).pathname;
const KARI = 'kari.nordmann@example.no';
const BIG = 'a'.repeat(10_000);
const BIG_EMAIL = `${'k'.repeat(10_000)}@example.no`;
const EXIT_2_CODES = new Set(['BAD_REQUEST', 'CHECKS_REQUIRED', 'TICKET_REQUIRED', 'REASON_REQUIRED', 'OWN_ACCOUNT', 'USER_DISABLED', 'WEAK_PASSWORD', 'FORBIDDEN', 'CONFLICT', 'NO_PENDING_ENROLLMENT', 'SERVICE_KEY_RETIRED']);

let root: string;
let vaultDir: string;
let work: string;
let probe: Vault;
let recoveryKey: string;

const PW = { FACTORDESK_PASSWORD: ADMIN.password };
const ACT = ['--checks', 'callback', '--ticket', 'HD-1', '--reason', 'Lost phone'];

function cli(args: string[], opts: { json?: boolean; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  return runCli(['--vault', vaultDir, '--operator', ADMIN.name, ...(opts.json ? ['--json'] : []), ...args], { ...PW, ...opts.env });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fd-cli-hostile-'));
  vaultDir = join(root, 'vault');
  work = join(root, 'work');
  mkdirSync(work);
  const init = await runCli(['--vault', vaultDir, '--json', 'init', '--name', ADMIN.name, '--display-name', ADMIN.displayName, '--email', ADMIN.email], PW);
  recoveryKey = oneJson(init.stdout).result.recoveryKey;
  expect((await cli(['import-users', CSV])).status).toBe(0);
  expect((await cli(['operators', 'add', AGENT.name, '--role', 'agent', '--email', AGENT.email], { env: { FACTORDESK_NEW_PASSWORD: AGENT.password } })).status).toBe(0);
  // Some factor state, so the fingerprint covers more than empty tables.
  expect((await cli(['reenroll', KARI, ...ACT])).status).toBe(0);
  expect((await cli(['backup-codes', 'ola.hansen@example.no', ...ACT])).status).toBe(0);
  writeFileSync(join(work, 'exists.html'), 'already here');
  writeFileSync(join(work, 'garbage.key'), '{"format":"factordesk.service-key","key":"\'; DROP TABLE users; --"}');
  // A connection of the test's own (recovery key: no audit event of its own) to look inside.
  probe = await unlockWithRecoveryKey({ dir: vaultDir }, recoveryKey);
});

afterAll(() => {
  probe?.close();
  rmSync(root, { recursive: true, force: true });
});

const w = (name: string) => join(root, 'work', name);

/** Hostile argument lists per command (after the global flags). */
function cases(): Array<[string, string[]]> {
  const email = (cmd: string[], rest: string[] = []): Array<[string, string[]]> => [
    [`${cmd.join(' ')}: unknown flag`, [...cmd, KARI, ...rest, '--bogus']],
    [`${cmd.join(' ')}: unknown flag with value`, [...cmd, KARI, ...rest, '--drop-table=users']],
    [`${cmd.join(' ')}: missing EMAIL`, [...cmd, ...rest]],
    [`${cmd.join(' ')}: SQL fragment`, [...cmd, "x@example.no' OR '1'='1", ...rest]],
    [`${cmd.join(' ')}: SQL fragment 2`, [...cmd, 'kari.nordmann@example.no;DROP TABLE users;--', ...rest]],
    [`${cmd.join(' ')}: 10 kB email`, [...cmd, BIG_EMAIL, ...rest]],
    [`${cmd.join(' ')}: control characters`, [...cmd, 'kari\u001b[2J.nordmann@example.no', ...rest]],
    [`${cmd.join(' ')}: CR LF`, [...cmd, 'kari.nordmann@example.no\r\nX-Evil: 1', ...rest]],
    [`${cmd.join(' ')}: quotes`, [...cmd, '"kari"@example.no', ...rest]],
    [`${cmd.join(' ')}: bidi override`, [...cmd, 'kari\u202E@example.no', ...rest]],
    [`${cmd.join(' ')}: no @`, [...cmd, 'kari.nordmann', ...rest]],
    [`${cmd.join(' ')}: too many arguments`, [...cmd, KARI, 'extra', 'more', ...rest]],
  ];
  const action = (cmd: string[], extra: string[] = []): Array<[string, string[]]> => [
    ...email(cmd, [...ACT, ...extra]),
    [`${cmd[0]}: no checks`, [...cmd, KARI, '--ticket', 'HD-1', '--reason', 'r', ...extra]],
    [`${cmd[0]}: known-email alone`, [...cmd, KARI, '--checks', 'known-email', '--ticket', 'HD-1', '--reason', 'r', ...extra]],
    [`${cmd[0]}: unknown check`, [...cmd, KARI, '--checks', 'retina-scan', '--ticket', 'HD-1', '--reason', 'r', ...extra]],
    [`${cmd[0]}: SQL in checks`, [...cmd, KARI, '--checks', "callback');DROP TABLE users;--", '--ticket', 'HD-1', '--reason', 'r', ...extra]],
    [`${cmd[0]}: no ticket`, [...cmd, KARI, '--checks', 'callback', '--reason', 'r', ...extra]],
    [`${cmd[0]}: blank ticket`, [...cmd, KARI, '--checks', 'callback', '--ticket', '   ', '--reason', 'r', ...extra]],
    [`${cmd[0]}: no reason`, [...cmd, KARI, '--checks', 'callback', '--ticket', 'HD-1', ...extra]],
    [`${cmd[0]}: 10 kB reason`, [...cmd, KARI, '--checks', 'callback', '--ticket', 'HD-1', '--reason', BIG, ...extra]],
    [`${cmd[0]}: control chars in ticket`, [...cmd, KARI, '--checks', 'callback', '--ticket', 'HD\u0007-1\u001b[31m', '--reason', 'r', ...extra]],
    [`${cmd[0]}: flag without value`, [...cmd, KARI, '--checks', 'callback', '--ticket', 'HD-1', '--reason', ...extra]],
    [`${cmd[0]}: own account`, [...cmd, ADMIN.email, ...ACT, ...extra]],
    [`${cmd[0]}: disabled user`, [...cmd, 'siri.disabled@example.no', ...ACT, ...extra]],
  ];
  const code = (cmd: string[], extra: string[] = []): Array<[string, string[]]> => [
    ...email(cmd, ['123456', ...extra]).filter(([n]) => !n.includes('too many')),
    [`${cmd[0]}: missing CODE`, [...cmd, KARI, ...extra]],
    [`${cmd[0]}: 5 digits`, [...cmd, KARI, '12345', ...extra]],
    [`${cmd[0]}: 7 digits`, [...cmd, KARI, '1234567', ...extra]],
    [`${cmd[0]}: letters`, [...cmd, KARI, 'abcdef', ...extra]],
    [`${cmd[0]}: SQL code`, [...cmd, KARI, "1' OR '1'='1", ...extra]],
    [`${cmd[0]}: 10 kB code`, [...cmd, KARI, '1'.repeat(10_000), ...extra]],
    [`${cmd[0]}: control chars in code`, [...cmd, KARI, '123\u0000456'.replace('\u0000', '\u0008'), ...extra]],
    [`${cmd[0]}: backup alphabet with 0/O`, [...cmd, KARI, '0OIL-0OIL-0OIL-0OIL', ...extra]],
    [`${cmd[0]}: extra argument`, [...cmd, KARI, '123456', '654321', ...extra]],
  ];
  const file = (cmd: string[], name: string, extra: string[] = []): Array<[string, string[]]> => [
    [`${cmd.join(' ')}: missing FILE`, [...cmd, ...extra]],
    [`${cmd.join(' ')}: unknown flag`, [...cmd, w(name), '--bogus', ...extra]],
    [`${cmd.join(' ')}: folder missing`, [...cmd, join(root, 'no-such-dir', name), ...extra]],
    [`${cmd.join(' ')}: file exists`, [...cmd, w('exists.html'), ...extra]],
    [`${cmd.join(' ')}: 10 kB path`, [...cmd, join(work, BIG), ...extra]],
    [`${cmd.join(' ')}: control chars in path`, [...cmd, w('a\u001b[2Jb'), ...extra]],
    [`${cmd.join(' ')}: two files`, [...cmd, w(name), w(`${name}2`), ...extra]],
  ];
  return [
    ['global: unknown global flag', ['--bogus', 'find', 'kari']],
    ['global: command flag before command', ['--checks', 'callback', 'find', 'kari']],
    ['global: unknown command', ['drop-table', 'users']],
    ['global: SQL as command', ["'; DROP TABLE users; --"]],
    ['global: 10 kB command', [BIG]],
    ['global: group without sub-command', ['audit']],
    ['global: unknown sub-command', ['audit', 'delete']],

    ['init: missing --name', ['init']],
    ['init: bad name', ['init', '--name', "a'; DROP TABLE operators;--"]],
    ['init: 10 kB name', ['init', '--name', BIG]],
    ['init: email with quotes', ['init', '--name', 'bob', '--email', '"bob"@example.no']],
    ['init: positional', ['init', 'bob']],
    ['init: unknown flag', ['init', '--name', 'bob', '--password', 'x']],

    ['import-users: missing FILE', ['import-users']],
    ['import-users: no such file', ['import-users', w('none.csv')]],
    ['import-users: a folder', ['import-users', work]],
    ['import-users: 10 kB path', ['import-users', BIG]],
    ['import-users: unknown flag', ['import-users', CSV, '--truncate']],

    ['find: missing PREFIX', ['find']],
    ['find: 10 kB prefix', ['find', BIG]],
    ['find: control characters', ['find', 'kari\u001b[2J']],
    ['find: blank', ['find', '   ']],
    ['find: unknown flag', ['find', 'kari', '--sql', '1=1']],
    ['find: bad --limit', ['find', 'kari', '--limit', '0']],
    ['find: negative --limit', ['find', 'kari', '--limit', '-1']],
    ['find: huge --limit', ['find', 'kari', '--limit', '1000000']],
    ['find: SQL --offset', ['find', 'kari', '--offset', '0; DROP TABLE users']],

    ...email(['show']),

    ...action(['issue-code']),
    ...action(['issue-enrollment-code']),
    ['issue-code: --minutes 0', ['issue-code', KARI, ...ACT, '--minutes', '0']],
    ['issue-code: --minutes 9', ['issue-code', KARI, ...ACT, '--minutes', '9']],
    ['issue-code: --minutes 1441', ['issue-code', KARI, ...ACT, '--minutes', '1441']],
    ['issue-code: --minutes -5', ['issue-code', KARI, ...ACT, '--minutes', '-5']],
    ['issue-code: --minutes=-5', ['issue-code', KARI, ...ACT, '--minutes=-5']],
    ['issue-code: --minutes 1e3', ['issue-code', KARI, ...ACT, '--minutes', '1e3']],
    ['issue-code: --minutes 60.5', ['issue-code', KARI, ...ACT, '--minutes', '60.5']],
    ['issue-code: --minutes sixty', ['issue-code', KARI, ...ACT, '--minutes', 'sixty']],
    ['issue-code: --minutes empty', ['issue-code', KARI, ...ACT, '--minutes', '']],
    ['issue-code: --minutes 10 kB', ['issue-code', KARI, ...ACT, '--minutes', '9'.repeat(10_000)]],
    ['issue-code: --minutes twice', ['issue-code', KARI, ...ACT, '--minutes', '30', '--minutes', '40']],

    ...action(['backup-codes']),

    ...action(['lost-phone']),
    ['lost-phone: --language de', ['lost-phone', KARI, ...ACT, '--language', 'de']],
    ['lost-phone: --sheet exists', ['lost-phone', KARI, ...ACT, '--sheet', w('exists.html')]],
    ['lost-phone: --sheet 10 kB', ['lost-phone', KARI, ...ACT, '--sheet', join(work, BIG)]],
    ['lost-phone: --void-codes (not a flag of it)', ['lost-phone', KARI, ...ACT, '--void-codes']],
    ...action(['reenroll']),
    ['reenroll: --language de', ['reenroll', KARI, ...ACT, '--language', 'de']],
    ['reenroll: --sheet exists', ['reenroll', KARI, ...ACT, '--sheet', w('exists.html')]],
    ['reenroll: --sheet folder missing', ['reenroll', KARI, ...ACT, '--sheet', join(root, 'nope', 's.html')]],
    ['reenroll: --sheet 10 kB', ['reenroll', KARI, ...ACT, '--sheet', join(work, BIG)]],
    ['reenroll: --void-codes=yes', ['reenroll', KARI, ...ACT, '--void-codes=yes']],

    ...email(['reprint-sheet'], ['--sheet', w('reprint.pdf')]),
    ['reprint-sheet: no --sheet', ['reprint-sheet', KARI]],
    ['reprint-sheet: --sheet exists', ['reprint-sheet', KARI, '--sheet', w('exists.html')]],
    ['reprint-sheet: --sheet folder missing', ['reprint-sheet', KARI, '--sheet', join(root, 'nope', 's.pdf')]],
    ['reprint-sheet: --sheet 10 kB', ['reprint-sheet', KARI, '--sheet', join(work, BIG)]],
    ['reprint-sheet: --language de', ['reprint-sheet', KARI, '--sheet', w('reprint.pdf'), '--language', 'de']],

    ...code(['confirm']),
    ...code(['verify']),
    // verify --service-key is retired: refused before the file is looked at, whatever it is.
    ['verify: --service-key (retired), no such file', ['verify', KARI, '123456', '--service-key', w('none.key')]],
    ['verify: --service-key (retired), garbage file', ['verify', KARI, '123456', '--service-key', w('garbage.key')]],
    ['verify: --service-key (retired), a folder', ['verify', KARI, '123456', '--service-key', work]],

    ...action(['clear-lock']),

    ...email(['refuse'], ['--caller', 'X', '--requested', 'code', '--failed-checks', 'callback', '--ticket', 'HD-1']),
    ['refuse: no caller', ['refuse', KARI, '--requested', 'code', '--failed-checks', 'callback', '--ticket', 'HD-1']],
    ['refuse: no requested', ['refuse', KARI, '--caller', 'X', '--failed-checks', 'callback', '--ticket', 'HD-1']],
    ['refuse: no failed checks', ['refuse', KARI, '--caller', 'X', '--requested', 'code', '--ticket', 'HD-1']],
    ['refuse: unknown failed check', ['refuse', KARI, '--caller', 'X', '--requested', 'code', '--failed-checks', 'telepathy', '--ticket', 'HD-1']],
    ['refuse: SQL failed checks', ['refuse', KARI, '--caller', 'X', '--requested', 'code', '--failed-checks', "a');--", '--ticket', 'HD-1']],
    ['refuse: no ticket', ['refuse', KARI, '--caller', 'X', '--requested', 'code', '--failed-checks', 'callback']],
    ['refuse: 10 kB notes', ['refuse', KARI, '--caller', 'X', '--requested', 'code', '--failed-checks', 'callback', '--ticket', 'HD-1', '--notes', BIG]],
    ['refuse: control chars in caller', ['refuse', KARI, '--caller', 'X\u001b]0;pwned\u0007', '--requested', 'code', '--failed-checks', 'callback', '--ticket', 'HD-1']],

    ...file(['outbox', 'export'], 'outbox.csv'),
    ['outbox export: --format xml', ['outbox', 'export', w('o.xml'), '--format', 'xml']],
    ['outbox deliver: extra argument', ['outbox', 'deliver', 'now']],
    ['outbox deliver: unknown flag', ['outbox', 'deliver', '--password', 'x']],
    ['audit verify: extra argument', ['audit', 'verify', 'now']],
    ['audit verify: unknown flag', ['audit', 'verify', '--fix']],
    ...file(['audit', 'export'], 'audit.json'),
    ['audit export: --format pdf', ['audit', 'export', w('a.pdf'), '--format', 'pdf']],
    ...file(['backup'], 'b.fdbackup'),
    ['restore: missing FILE', ['restore']],
    ['restore: FILE and --undo', ['restore', w('b.fdbackup'), '--undo']],
    ['restore: no such file', ['restore', w('none.fdbackup')]],
    ['restore: 10 kB path', ['restore', join(work, BIG)]],
    ['restore: unknown flag', ['restore', w('b.fdbackup'), '--force']],
    ['rotate-key: extra argument', ['rotate-key', 'now']],
    ['rotate-key: unknown flag', ['rotate-key', '--keep-old']],
    // service-key create is retired: refused whatever its arguments.
    ...file(['service-key', 'create'], 'svc.key'),
    ['service-key create: bad label', ['service-key', 'create', w('svc.key'), '--label', "x'; DROP TABLE users;--"]],
    ['service-key create: 10 kB label', ['service-key', 'create', w('svc.key'), '--label', BIG]],
    ['service-key create: control label', ['service-key', 'create', w('svc.key'), '--label', 'a\u001b[2Jb']],
    ['service-key list: extra argument', ['service-key', 'list', 'x']],
    ['service-key list: unknown flag', ['service-key', 'list', '--all']],
    ['service-key revoke: missing key', ['service-key', 'revoke']],
    ['service-key revoke: SQL fragment', ['service-key', 'revoke', "x'; DROP TABLE users;--"]],
    ['service-key revoke: 10 kB key', ['service-key', 'revoke', BIG]],
    ['operators list: extra', ['operators', 'list', 'all']],
    ['operators add: missing NAME', ['operators', 'add', '--role', 'agent']],
    ['operators add: bad name', ['operators', 'add', 'bob smith', '--role', 'agent']],
    ['operators add: SQL name', ['operators', 'add', "bob');--", '--role', 'agent']],
    ['operators add: 10 kB name', ['operators', 'add', BIG, '--role', 'agent']],
    ['operators add: bad role', ['operators', 'add', 'bob', '--role', 'root']],
    ['operators add: no role', ['operators', 'add', 'bob']],
    ['operators add: email with quotes', ['operators', 'add', 'bob', '--role', 'agent', '--email', '"bob"@example.no']],
    ['operators disable: bad name', ['operators', 'disable', "per' OR 1=1"]],
    ['operators disable: missing NAME', ['operators', 'disable']],
    ['operators disable: self', ['operators', 'disable', ADMIN.name]],
    ['operators remove: bad name', ['operators', 'remove', 'a\u0000b'.replace('\u0000', '\u0001')]],
    ['operators remove: 10 kB', ['operators', 'remove', BIG]],
    ['operators reset-password: bad name', ['operators', 'reset-password', '../../etc/passwd']],
    ['operators update: nothing to change', ['operators', 'update', 'per']],
    ['operators update: bad role', ['operators', 'update', 'per', '--role', 'root']],
    ['operators update: user with quotes', ['operators', 'update', 'per', '--user', '"per"@example.no']],
    ['operators add: user with quotes', ['operators', 'add', 'bob', '--role', 'agent', '--user', '"bob"@example.no']],
    ['operators unlock: missing NAME', ['operators', 'unlock']],
    ['operators unlock: two names', ['operators', 'unlock', 'per', 'anne']],
    ['operators unlock: SQL name', ['operators', 'unlock', "per' OR 1=1"]],
    ['operators unlock: 10 kB name', ['operators', 'unlock', BIG]],
    ['operators unlock: control chars', ['operators', 'unlock', 'per\u001b[2J']],
    ['operators unlock: unknown flag', ['operators', 'unlock', 'per', '--all']],

    // `-` where standard output (or input) makes no sense is refused, not a file called "-".
    ['backup: - (stdout)', ['backup', '-']],
    ['restore: - (stdin)', ['restore', '-']],
    ['service-key create: - (stdout)', ['service-key', 'create', '-']],
    ['reenroll: --sheet - (stdout)', ['reenroll', KARI, ...ACT, '--sheet', '-']],

    ['check: extra argument', ['check', 'now']],
    ['check: unknown flag', ['check', '--repair']],
    ['settings show: extra argument', ['settings', 'show', 'issuer']],
    ['settings show: unknown flag', ['settings', 'show', '--logo']],
    ['settings set: missing KEY', ['settings', 'set']],
    ['settings set: missing VALUE', ['settings', 'set', 'issuer']],
    ['settings set: too many arguments', ['settings', 'set', 'issuer', 'A', 'B']],
    ['settings set: unknown key', ['settings', 'set', 'colour', 'red']],
    ['settings set: SQL key', ['settings', 'set', "issuer'; DROP TABLE settings;--", 'x']],
    ['settings set: 10 kB key', ['settings', 'set', BIG, 'x']],
    ['settings set: control chars in key', ['settings', 'set', 'iss\u001b[2Juer', 'x']],
    ['settings set: prototype key', ['settings', 'set', '__proto__', '{}']],
    ['settings set: minutes not a number', ['settings', 'set', 'oneTimeCodeMinutes', 'sixty']],
    ['settings set: minutes fraction', ['settings', 'set', 'oneTimeCodeMinutes', '12.5']],
    ['settings set: minutes huge', ['settings', 'set', 'oneTimeCodeMinutes', '9'.repeat(400)]],
    ['settings set: minutes below the limit', ['settings', 'set', 'oneTimeCodeMinutes', '9']],
    ['settings set: minutes above the limit', ['settings', 'set', 'oneTimeCodeMinutes', '1441']],
    ['settings set: minutes negative', ['settings', 'set', 'idleLockMinutes', '--', '-5']],
    ['settings set: days as JSON', ['settings', 'set', 'enrollmentDeadlineDays', '{"days":3}']],
    ['settings set: checks not JSON', ['settings', 'set', 'identityChecks', 'callback,photo-id']],
    ['settings set: checks empty', ['settings', 'set', 'identityChecks', '[]']],
    ['settings set: checks none strong', ['settings', 'set', 'identityChecks', '[{"id":"callback","strong":false,"label":{"nb":"a","en":"b"}}]']],
    ['settings set: known-email strong', ['settings', 'set', 'identityChecks', '[{"id":"known-email","strong":true,"label":{"nb":"a","en":"b"}}]']],
    ['settings set: checks wrong type', ['settings', 'set', 'identityChecks', '"callback"']],
    ['settings set: verification lockAfter', ['settings', 'set', 'verification', '{"lockAfter":1000}']],
    ['settings set: verification extra field', ['settings', 'set', 'verification', '{"cooldownMinutes":30,"x":1}']],
    ['settings set: verification huge JSON', ['settings', 'set', 'verification', `[${'1,'.repeat(20_000)}1]`]],
    ['settings set: issuer with colon', ['settings', 'set', 'issuer', 'Evil:Corp']],
    ['settings set: issuer 10 kB', ['settings', 'set', 'issuer', BIG]],
    ['settings set: issuer control chars', ['settings', 'set', 'issuer', 'Evil\u001b]0;pwned\u0007']],
    ['settings set: blank name', ['settings', 'set', 'organizationName', '   ']],
    ['settings set: logo not an image', ['settings', 'set', 'organizationLogo', w('garbage.key')]],
    ['settings set: logo missing', ['settings', 'set', 'organizationLogo', w('none.png')]],
    ['settings set: logo a folder', ['settings', 'set', 'organizationLogo', work]],
    ['settings set: unknown flag', ['settings', 'set', 'issuer', 'X', '--force']],
    ['server init: no flags', ['server', 'init']],
    ['server init: password in the store URL', ['server', 'init', '--store', 'postgres://u:pw@127.0.0.1/db', '--key-file', w('new.key'), '--name', 'anne']],
    ['server init: not a URL', ['server', 'init', '--store', 'postgres://[', '--key-file', w('new.key'), '--name', 'anne']],
    ['server init: bad admin name', ['server', 'init', '--store', 'postgres://u@127.0.0.1/db', '--key-file', w('new.key'), '--name', 'a\u001b[2Jb']],
    ['server recover-key: no flags', ['server', 'recover-key']],
    ['server audit-export: no flags', ['server', 'audit-export']],
    ['server audit-verify: no key', ['server', 'audit-verify', '--file', w('none.json')]],
    ['server audit-verify: both sources', ['server', 'audit-verify', '--file', w('none.json'), '--store', 'postgres://u@h/d', '--public-key', 'A'.repeat(44)]],
    ['serve: no store', ['serve', '--listen', '127.0.0.1:0']],
    ['serve: bad listen address', ['serve', '--store', 'postgres://u@127.0.0.1/db', '--listen', 'everywhere', '--tls-cert', w('c.pem'), '--tls-key', w('k.pem')]],
    ['serve: port out of range', ['serve', '--store', 'postgres://u@127.0.0.1/db', '--listen', '127.0.0.1:70000', '--tls-cert', w('c.pem'), '--tls-key', w('k.pem')]],
    ['serve: bad --radius address', ['serve', '--store', 'postgres://u@127.0.0.1/db', '--listen', '127.0.0.1:0', '--tls-cert', w('c.pem'), '--tls-key', w('k.pem'), '--radius', 'udp:1812']],
    ['approvals list: unknown flag', ['approvals', 'list', '--bogus']],
    ['approvals list: positional', ['approvals', 'list', '1']],
    ['approvals approve: missing ID', ['approvals', 'approve']],
    ['approvals approve: not a number', ['approvals', 'approve', 'x1']],
    ['approvals approve: 10 kB reason', ['approvals', 'approve', '1', '--reason', BIG]],
    ['approvals reject: no reason', ['approvals', 'reject', '1']],
    ['approvals reject: control chars in reason', ['approvals', 'reject', '1', '--reason', 'a\u001b[2J']],
    ['approvals run: SQL id', ['approvals', 'run', '1 OR 1=1']],
    ['approvals run: zero', ['approvals', 'run', '0']],
    ['privileged: missing STATE', ['privileged', KARI]],
    ['privileged: bad state', ['privileged', KARI, 'maybe']],
    ['privileged: bad email', ['privileged', 'not an email', 'on']],
    ['alerts list: unknown flag', ['alerts', 'list', '--bogus']],
    ['alerts list: positional', ['alerts', 'list', '1']],
    ['alerts ack: no id', ['alerts', 'ack']],
    ['alerts ack: not a number', ['alerts', 'ack', '1; DROP TABLE alerts;--']],
    ['alerts ack: zero', ['alerts', 'ack', '0']],
    ['alerts ack: 10 kB id', ['alerts', 'ack', BIG]],
    ['radius-client add: no flags', ['radius-client', 'add']],
    ['radius-client add: no address', ['radius-client', 'add', '--label', 'vpn']],
    ['radius-client add: host name', ['radius-client', 'add', '--label', 'vpn', '--address', 'vpn.example.no']],
    ['radius-client add: SQL address', ['radius-client', 'add', '--label', 'vpn', '--address', "1.2.3.4'; DROP TABLE radius_clients;--"]],
    ['radius-client add: 10 kB label', ['radius-client', 'add', '--label', BIG, '--address', '192.0.2.1']],
    ['radius-client add: control label', ['radius-client', 'add', '--label', 'a\u001b[2Jb', '--address', '192.0.2.1']],
    ['radius-client add: positional', ['radius-client', 'add', 'vpn', '--label', 'vpn', '--address', '192.0.2.1']],
    ['radius-client add: not over a server', ['radius-client', 'add', '--label', 'vpn', '--address', '192.0.2.1']],
    ['radius-client list: extra argument', ['radius-client', 'list', 'all']],
    ['radius-client list: not over a server', ['radius-client', 'list']],
    ['radius-client remove: missing ID', ['radius-client', 'remove']],
    ['radius-client remove: SQL id', ['radius-client', 'remove', "x'; DROP TABLE radius_clients;--"]],
    ['radius-client remove: 10 kB id', ['radius-client', 'remove', BIG]],
    ['radius-client remove: unknown flag', ['radius-client', 'remove', '0123456789abcdef0123456789abcdef', '--all']],
    ['automation-client create: no flags', ['automation-client', 'create']],
    ['automation-client create: no scope', ['automation-client', 'create', '--label', 'nightly']],
    ['automation-client create: unknown scope', ['automation-client', 'create', '--label', 'nightly', '--scope', 'users:import,operators:add']],
    ['automation-client create: empty scope', ['automation-client', 'create', '--label', 'nightly', '--scope', ',']],
    ['automation-client create: control label', ['automation-client', 'create', '--label', 'a\u001b[2Jb', '--scope', 'users:import']],
    ['automation-client create: 10 kB scope', ['automation-client', 'create', '--label', 'nightly', '--scope', BIG]],
    ['automation-client create: not over a server', ['automation-client', 'create', '--label', 'nightly', '--scope', 'users:import']],
    ['automation-client list: extra argument', ['automation-client', 'list', 'all']],
    ['automation-client list: not over a server', ['automation-client', 'list']],
    ['automation-client revoke: missing ID', ['automation-client', 'revoke']],
    ['automation-client revoke: SQL id', ['automation-client', 'revoke', "x'; DROP TABLE automation_clients;--"]],
    ['automation-client revoke: not over a server', ['automation-client', 'revoke', '0123456789abcdef0123456789abcdef']],
    ['login: no server', ['login']],
    ['service-client create: no server', ['service-client', 'create', '--label', 'vpn']],
    ['service-client list: no server', ['service-client', 'list']],
    ['service-client revoke: no server', ['service-client', 'revoke', '0123456789abcdef']],
    ['logout: no server', ['logout']],
  ];
}

describe('hostile inputs to every command', () => {
  it('covers every command', () => {
    const covered = new Set(cases().map(([, args]) => (args[0] === 'outbox' || args[0] === 'audit' || args[0] === 'service-key' || args[0] === 'operators' || args[0] === 'settings' || args[0] === 'server' || args[0] === 'service-client' || args[0] === 'radius-client' || args[0] === 'automation-client' || args[0] === 'alerts' || args[0] === 'approvals' ? `${args[0]} ${args[1]}` : args[0])));
    for (const c of COMMANDS) expect(covered.has(c.name), c.name).toBe(true);
  });

  it('exit 2 and change nothing but at most one audit event (human and --json answers)', async () => {
    const problems: string[] = [];
    let signIns = 0;
    for (const [label, args] of cases()) {
      for (const json of [false, true]) {
        const before = fingerprint(probe.db, vaultDir);
        const filesBefore = [readdirSync(vaultDir).filter((f) => !f.endsWith('-wal') && !f.endsWith('-shm')).sort().join(','), readdirSync(work).sort().join(',')];
        const r = await cli(args, { json });
        const after = fingerprint(probe.db, vaultDir);
        const filesAfter = [readdirSync(vaultDir).filter((f) => !f.endsWith('-wal') && !f.endsWith('-shm')).sort().join(','), readdirSync(work).sort().join(',')];
        const tag = `${label}${json ? ' (--json)' : ''}`;
        if (r.status !== 2) problems.push(`${tag}: exit ${r.status} ${r.stdout.slice(0, 200)} ${r.stderr.slice(0, 200)}`);
        if (after.tables !== before.tables) problems.push(`${tag}: tables changed`);
        if (after.slots !== before.slots) problems.push(`${tag}: key slots changed`);
        if (after.audit - before.audit > 1) problems.push(`${tag}: ${after.audit - before.audit} audit events`);
        if (after.audit > before.audit) signIns++;
        if (filesAfter.join('|') !== filesBefore.join('|')) problems.push(`${tag}: files changed`);
        if (/\n\s+at .+:\d+:\d+/.test(r.stderr + r.stdout)) problems.push(`${tag}: stack trace`);
        if (r.stderr.includes(BIG) || r.stdout.includes(BIG)) problems.push(`${tag}: echoed the 10 kB argument`);
        if (/\u001b|\u0007|\u202E/.test(r.stderr + r.stdout)) problems.push(`${tag}: control characters in the output`);
        if (json) {
          try {
            const j = oneJson(r.stdout);
            if (j.ok || !EXIT_2_CODES.has(j.error!.code)) problems.push(`${tag}: JSON ${JSON.stringify(j).slice(0, 200)}`);
          } catch (err) {
            problems.push(`${tag}: ${(err as Error).message}`);
          }
        } else if (r.stdout !== '') {
          problems.push(`${tag}: stdout not empty: ${r.stdout.slice(0, 100)}`);
        }
      }
    }
    expect(problems).toEqual([]);
    // Most hostile input is refused before any sign-in; only checks that need the vault sign in.
    expect(signIns).toBeLessThan(cases().length);
  });

  it('a search for an SQL fragment finds nothing and changes nothing (exit 0)', async () => {
    const before = fingerprint(probe.db, vaultDir);
    for (const q of ["' OR '1'='1", "%'; DROP TABLE users; --", '%', '_', '*']) {
      const r = await cli(['find', q], { json: true });
      expect(r.status).toBe(0);
      expect(oneJson(r.stdout).result.users).toEqual([]);
    }
    const after = fingerprint(probe.db, vaultDir);
    expect(after.tables).toBe(before.tables);
    expect(after.audit - before.audit).toBe(10); // the five sign-ins and their five folded search events, nothing else
  });

  it('the spawned binary gives the same answers', () => {
    const before = fingerprint(probe.db, vaultDir);
    const env = { FACTORDESK_PASSWORD: ADMIN.password };
    for (const args of [
      ['issue-code', KARI, ...ACT, '--minutes', '1441'],
      ['verify', KARI, "1' OR '1'='1"],
      ['show', '"kari"@example.no'],
      ['find', BIG],
      ['reenroll', KARI, '--bogus'],
    ]) {
      const r = spawnCli(['--vault', vaultDir, '--operator', ADMIN.name, '--json', ...args], { env });
      expect(r.status, args.join(' ').slice(0, 60)).toBe(2);
      expect(oneJson(r.stdout).ok).toBe(false);
      expect(r.stderr).toBe('');
    }
    const after = fingerprint(probe.db, vaultDir);
    expect(after.tables).toBe(before.tables);
    expect(after.audit).toBe(before.audit);
  });
});
