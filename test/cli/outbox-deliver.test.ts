// `factordesk outbox deliver`: one delivery pass through the SMTP relay in the settings, to a
// local sink the test starts; admin only; the relay password from FACTORDESK_SMTP_PASSWORD is
// used, never printed; without a relay it says what to set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, AGENT, oneJson, runCli, type CliResult } from '../fixtures/cli-harness.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';

const CSV = new URL('../fixtures/cli-users.csv', import.meta.url).pathname;
const KARI = 'kari.nordmann@example.no';
const PASSWORD = 'relay-secret-41d7e2';
let root: string;
let vaultDir: string;
let sink: SmtpSink;

function cli(args: string[], opts: { as?: { name: string; password: string }; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  const who = opts.as ?? ADMIN;
  return runCli(['--vault', vaultDir, '--operator', who.name, '--json', ...args], { FACTORDESK_PASSWORD: who.password, ...opts.env });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fd-cli-deliver-'));
  vaultDir = join(root, 'vault');
  sink = await startSmtpSink({ auth: { user: 'factordesk', password: PASSWORD } });
  expect((await runCli(['--vault', vaultDir, '--json', 'init', '--name', ADMIN.name, '--display-name', ADMIN.displayName, '--email', ADMIN.email], { FACTORDESK_PASSWORD: ADMIN.password })).status).toBe(0);
  expect((await cli(['operators', 'add', AGENT.name, '--role', 'agent', '--email', AGENT.email], { env: { FACTORDESK_NEW_PASSWORD: AGENT.password } })).status).toBe(0);
  expect((await cli(['import-users', CSV])).status).toBe(0);
});

afterAll(async () => {
  await sink?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('factordesk outbox deliver', () => {
  let code = '';
  it('without a relay it says what to set (exit 2)', async () => {
    const issued = await cli(['issue-code', KARI, '--checks', 'callback', '--ticket', 'HD-1', '--reason', 'new phone'], { as: AGENT });
    expect(issued.status).toBe(0);
    code = oneJson(issued.stdout).result.code as string;
    const r = await cli(['outbox', 'deliver']);
    expect(r.status).toBe(2);
    expect(oneJson(r.stdout).error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/smtpHost/) });
  });

  it('is for admins only', async () => {
    const r = await cli(['outbox', 'deliver'], { as: AGENT });
    expect(oneJson(r.stdout).error!.code).toBe('FORBIDDEN');
  });

  it('with a relay user and no password it sends nothing and names the variable', async () => {
    for (const [k, v] of [['smtpHost', '127.0.0.1'], ['smtpPort', String(sink.port)], ['smtpStartTls', 'none'], ['smtpFrom', 'helpdesk@example.no'], ['smtpUser', 'factordesk'], ['supportContact', 'Brukerstøtte 815 00 000']]) {
      expect((await cli(['settings', 'set', k!, v!])).status).toBe(0);
    }
    const r = await cli(['outbox', 'deliver']);
    expect(r.status).toBe(2);
    expect(oneJson(r.stdout).error!.message).toMatch(/FACTORDESK_SMTP_PASSWORD/);
    expect(sink.seen).toHaveLength(0);
  });

  it('delivers each queued notification once, with no code and no password in sight', async () => {
    const r = await cli(['outbox', 'deliver'], { env: { FACTORDESK_SMTP_PASSWORD: PASSWORD } });
    expect(r.status).toBe(0);
    expect(oneJson(r.stdout).result).toEqual({ delivered: 1, failed: 0, skipped: 0 });
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    const [m] = sink.accepted();
    expect(m!.to).toEqual([KARI]);
    expect(m!.text).toContain('ring Brukerstøtte 815 00 000');
    expect(m!.text).not.toContain(code.replace(/\D/g, ''));
    expect(m!.raw).not.toContain(code);
    const again = await cli(['outbox', 'deliver'], { env: { FACTORDESK_SMTP_PASSWORD: PASSWORD } });
    expect(oneJson(again.stdout).result).toEqual({ delivered: 0, failed: 0, skipped: 0 });
    expect(sink.accepted()).toHaveLength(1);
    // Delivered is handed over: the export has nothing left.
    const exp = await runCli(['--vault', vaultDir, '--operator', ADMIN.name, 'outbox', 'export', '-'], { FACTORDESK_PASSWORD: ADMIN.password });
    expect(exp.stderr).toMatch(/0 notifications exported/);
  });

  it('a refused message is counted and tried again later', async () => {
    await cli(['backup-codes', KARI, '--checks', 'callback', '--ticket', 'HD-2', '--reason', 'used up'], { as: AGENT });
    sink.refuseNext(1);
    const r = await cli(['outbox', 'deliver'], { env: { FACTORDESK_SMTP_PASSWORD: PASSWORD } });
    expect(r.status).toBe(0);
    expect(oneJson(r.stdout).result).toEqual({ delivered: 0, failed: 1, skipped: 0 });
    // Not due yet (the back-off is a minute): the next pass leaves it.
    const soon = await cli(['outbox', 'deliver'], { env: { FACTORDESK_SMTP_PASSWORD: PASSWORD } });
    expect(oneJson(soon.stdout).result).toEqual({ delivered: 0, failed: 0, skipped: 0 });
  });
});
