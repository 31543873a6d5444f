// `factordesk lost-phone`: the --json answer (one-time code, URI and key once, one action id),
// the human answer, the sheet, and the exit codes of a refused request (unknown user, missing
// checks, own account, hostile input, over the velocity limits) with nothing changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, oneJson, runCli, type CliResult } from '../fixtures/cli-harness.ts';

const CSV = new URL('../fixtures/cli-users.csv', import.meta.url).pathname;
const KARI = 'kari.nordmann@example.no';
const OLA = 'ola.hansen@example.no';
const ACT = ['--checks', 'callback', '--ticket', 'HD-77', '--reason', 'Lost phone'];

let root: string;
let vaultDir: string;

function cli(args: string[], json = true): Promise<CliResult> {
  return runCli(['--vault', vaultDir, '--operator', ADMIN.name, ...(json ? ['--json'] : []), ...args], { FACTORDESK_PASSWORD: ADMIN.password });
}

let exports = 0;
/** The audit events of lost-phone actions so far, from an exported audit file. */
async function lostPhoneEvents(): Promise<number> {
  const file = join(root, `audit-${++exports}.json`);
  const r = await cli(['audit', 'export', file, '--format', 'json']);
  expect(r.status, r.stdout).toBe(0);
  const events = (JSON.parse(readFileSync(file, 'utf8')) as { events: Array<{ action: string }> }).events;
  return events.filter((e) => e.action.startsWith('lost-phone')).length;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fd-cli-lost-'));
  vaultDir = join(root, 'vault');
  const init = await runCli(['--vault', vaultDir, '--json', 'init', '--name', ADMIN.name, '--display-name', ADMIN.displayName, '--email', ADMIN.email], { FACTORDESK_PASSWORD: ADMIN.password });
  expect(init.status).toBe(0);
  expect((await cli(['import-users', CSV])).status).toBe(0);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('factordesk lost-phone', () => {
  it('--json answers the code, the enrollment and the action id once, exit 0; the human form prints the same lines', async () => {
    const r = await cli(['lost-phone', KARI, ...ACT]);
    expect(r.status, r.stdout).toBe(0);
    const j = oneJson(r.stdout);
    expect(Object.keys(j.result).sort()).toEqual(['actionId', 'enrollment', 'oneTimeCode', 'revokedAuthenticator', 'sheet']);
    expect(j.result).toMatchObject({
      actionId: expect.stringMatching(/^lp-[0-9a-f]{16}$/),
      revokedAuthenticator: false,
      oneTimeCode: { code: expect.stringMatching(/^\d{4} \d{4}$/), expiresAt: expect.any(Number) },
      enrollment: { mode: 'agent', enrollmentId: expect.any(Number), uri: expect.stringMatching(/^otpauth:\/\/totp\/.*kari\.nordmann/), key: expect.any(String), deadline: expect.any(Number), sheetId: expect.any(String) },
      sheet: null,
    });
    expect(Object.keys(j.result.enrollment).sort()).toEqual(['deadline', 'enrollmentId', 'key', 'mode', 'sheetId', 'uri']);

    const h = await cli(['lost-phone', OLA, ...ACT], false);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/^One-time code: \d{4} \d{4} \(valid until .+\)\nURI: otpauth:\/\/totp\/.+\nKey: .+\nSet up before: .+\nSheet id: .+\n$/);
    expect(h.stderr).toMatch(/Lost phone for ola\.hansen@example\.no/);
  });

  it('writes the sheet with --sheet, mode 0600', async () => {
    const sheet = join(root, 'lost.html');
    const r = await cli(['lost-phone', KARI, ...ACT, '--sheet', sheet, '--language', 'en']);
    expect(r.status, r.stdout).toBe(0);
    const j = oneJson(r.stdout);
    expect(j.result.sheet).toBe(sheet);
    expect(readFileSync(sheet, 'utf8')).toContain(j.result.enrollment.key);
    if (process.platform !== 'win32') expect(statSync(sheet).mode & 0o777).toBe(0o600);
  });

  it('refuses with the exit code of its class and changes nothing', async () => {
    const before = await lostPhoneEvents();
    const factors = async () => {
      const { recentEvents: _events, ...rest } = oneJson((await cli(['show', KARI])).stdout).result;
      return rest;
    };
    const shown = await factors();
    const cases: Array<[string[], number, string]> = [
      [['lost-phone', 'nobody@example.no', ...ACT], 4, 'NOT_FOUND'],
      [['lost-phone', KARI, '--ticket', 'HD-1', '--reason', 'r'], 2, 'CHECKS_REQUIRED'],
      [['lost-phone', KARI, '--checks', 'known-email', '--ticket', 'HD-1', '--reason', 'r'], 2, 'CHECKS_REQUIRED'],
      [['lost-phone', KARI, '--checks', 'callback', '--reason', 'r'], 2, 'TICKET_REQUIRED'],
      [['lost-phone', KARI, '--checks', 'callback', '--ticket', 'HD-1\u001b[2J', '--reason', 'r'], 2, 'BAD_REQUEST'],
      [['lost-phone', "kari'; DROP TABLE users;--@example.no", ...ACT], 2, 'BAD_REQUEST'],
      [['lost-phone', KARI, ...ACT, '--ticket', 'x'.repeat(10_000)], 2, 'BAD_REQUEST'],
      [['lost-phone', KARI, ...ACT, '--language', 'de'], 2, 'BAD_REQUEST'],
      [['lost-phone', KARI, ...ACT, '--sheet', join(root, 'no-such-dir', 's.html')], 2, 'BAD_REQUEST'],
    ];
    for (const [args, exit, code] of cases) {
      const r = await cli(args);
      const j = oneJson(r.stdout);
      expect(j.ok, args.join(' ')).toBe(false);
      expect([r.status, j.error!.code], args.join(' ')).toEqual([exit, code]);
      expect(r.stdout).not.toMatch(/otpauth|"code":"\d{4} \d{4}"/);
    }
    expect(await lostPhoneEvents()).toBe(before);
    expect(await factors()).toEqual(shown);
  });

  it('refuses the own account (exit 2 OWN_ACCOUNT) and, over the velocity limits, waits for approval (exit 0, pending-approval) with nothing issued', async () => {
    expect((await cli(['import-users', CSV])).status).toBe(0);
    const own = await runCli(['--vault', vaultDir, '--json', '--operator', ADMIN.name, 'operators', 'update', ADMIN.name, '--user', KARI], { FACTORDESK_PASSWORD: ADMIN.password });
    expect(own.status, own.stdout).toBe(0);
    const r = await cli(['lost-phone', KARI, ...ACT]);
    expect([r.status, oneJson(r.stdout).error?.code]).toEqual([2, 'OWN_ACCOUNT']);

    expect((await cli(['settings', 'set', 'velocityPerHour', '4'])).status).toBe(0);
    // Three lost-phone actions (4 events each) are three changes: the limit of 4 is reached only now.
    const ok = await cli(['issue-code', OLA, ...ACT]);
    expect(ok.status, ok.stdout).toBe(0);
    const over = await cli(['lost-phone', OLA, ...ACT]);
    expect(over.status).toBe(0);
    expect(oneJson(over.stdout)).toMatchObject({ ok: true, result: { status: 'pending-approval' } });
    expect(over.stdout).not.toMatch(/otpauth/);
  });
});
