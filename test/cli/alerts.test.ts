// `factordesk alerts list|ack`: an over-limit attempt from the command line raises an alert, written
// as one JSON line to the alert log; admins list it (--json: result.alerts) and acknowledge it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, AGENT, oneJson, runCli, type CliResult } from '../fixtures/cli-harness.ts';

const CSV = new URL('../fixtures/cli-users.csv', import.meta.url).pathname;
const KARI = 'kari.nordmann@example.no';
let root: string;
let vaultDir: string;

function cli(args: string[], opts: { as?: { name: string; password: string }; json?: boolean; env?: Record<string, string> } = {}): Promise<CliResult> {
  const who = opts.as ?? ADMIN;
  return runCli(['--vault', vaultDir, '--operator', who.name, ...(opts.json === false ? [] : ['--json']), ...args], { FACTORDESK_PASSWORD: who.password, ...opts.env });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fd-cli-alerts-'));
  vaultDir = join(root, 'vault');
  const init = await runCli(['--vault', vaultDir, '--json', 'init', '--name', ADMIN.name, '--display-name', ADMIN.displayName, '--email', ADMIN.email], { FACTORDESK_PASSWORD: ADMIN.password });
  expect(init.status).toBe(0);
  expect((await cli(['operators', 'add', AGENT.name, '--role', 'agent', '--email', AGENT.email], { env: { FACTORDESK_NEW_PASSWORD: AGENT.password } })).status).toBe(0);
  expect((await cli(['import-users', CSV])).status).toBe(0);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('factordesk alerts', () => {
  it('an over-limit attempt is one alert line in the log, listed and acknowledged by an admin', async () => {
    const log = join(root, 'alerts.log');
    expect((await cli(['settings', 'set', 'alertLogPath', log])).status).toBe(0);
    expect((await cli(['settings', 'set', 'velocityPerHour', '1'])).status).toBe(0);
    const issue = () => cli(['issue-code', KARI, '--checks', 'photo-id', '--ticket', 'HD-1', '--reason', 'Lost phone'], { as: AGENT });
    expect((await issue()).status).toBe(0);
    // Over the limit: the change waits for approval (exit 0, result.status pending-approval) and raises the alert.
    const over = await issue();
    expect(over.status).toBe(0);
    expect(oneJson(over.stdout)).toMatchObject({ ok: true, result: { status: 'pending-approval' } });

    const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ type: 'factordesk.alert', kind: 'over-limit', action: 'approval.requested', operator: AGENT.name, userEmail: KARI });

    const listed = oneJson((await cli(['alerts', 'list'])).stdout);
    expect(listed.ok).toBe(true);
    expect(Array.isArray(listed.result.alerts)).toBe(true);
    expect(listed.result.alerts).toHaveLength(1);
    const alert = listed.result.alerts[0];
    expect(alert).toMatchObject({ id: line['id'], kind: 'over-limit', operator: AGENT.name, userEmail: KARI, acknowledgedAt: null });
    expect(listed.result.open).toBe(1);

    const refused = await cli(['alerts', 'list'], { as: AGENT });
    expect(refused.status).not.toBe(0);
    expect(oneJson(refused.stdout)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect((await cli(['alerts', 'ack', 'x1'])).status).not.toBe(0);

    const acked = oneJson((await cli(['alerts', 'ack', String(alert.id)])).stdout);
    expect(acked).toMatchObject({ ok: true, result: { changed: true, alert: { id: alert.id, acknowledgedBy: ADMIN.name } } });
    expect(oneJson((await cli(['alerts', 'list'])).stdout).result.alerts).toEqual([]);
    expect(oneJson((await cli(['alerts', 'list', '--all'])).stdout).result.alerts).toHaveLength(1);
    // Acknowledging writes an audit event, which raises no alert: still one line.
    expect(readFileSync(log, 'utf8').trimEnd().split('\n')).toHaveLength(1);
    const human = await cli(['alerts', 'list', '--all'], { json: false });
    expect(human.stdout).toMatch(new RegExp(`^${alert.id}\\t.*\\tover-limit\\t${AGENT.name}\\t${KARI}\\tapproval\\.requested pending\\tacknowledged by ${ADMIN.name}\\n$`));
  });
});
