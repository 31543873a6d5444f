// `factordesk approvals list|approve|reject|run` and `privileged` on a vault: a change that waits
// answers {"ok": true, "result": {"status": "pending-approval", "approvalId": …}} with exit 0;
// another admin approves; the requester runs it once and only then gets the code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, AGENT, oneJson, runCli, type CliResult } from '../fixtures/cli-harness.ts';

const CSV = new URL('../fixtures/cli-users.csv', import.meta.url).pathname;
const KARI = 'kari.nordmann@example.no';
const KIM = { name: 'kim', password: 'a third long passphrase for kim' };
const CHECKS = ['--checks', 'photo-id', '--ticket', 'HD-7', '--reason', 'Lost phone'];
let root: string;
let vaultDir: string;

function cli(args: string[], opts: { as?: { name: string; password: string }; json?: boolean; env?: Record<string, string> } = {}): Promise<CliResult> {
  const who = opts.as ?? ADMIN;
  return runCli(['--vault', vaultDir, '--operator', who.name, ...(opts.json === false ? [] : ['--json']), ...args], { FACTORDESK_PASSWORD: who.password, ...opts.env });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fd-cli-approvals-'));
  vaultDir = join(root, 'vault');
  const init = await runCli(['--vault', vaultDir, '--json', 'init', '--name', ADMIN.name, '--display-name', ADMIN.displayName, '--email', ADMIN.email], { FACTORDESK_PASSWORD: ADMIN.password });
  expect(init.status).toBe(0);
  expect((await cli(['operators', 'add', AGENT.name, '--role', 'agent', '--email', AGENT.email], { env: { FACTORDESK_NEW_PASSWORD: AGENT.password } })).status).toBe(0);
  expect((await cli(['operators', 'add', KIM.name, '--role', 'admin'], { env: { FACTORDESK_NEW_PASSWORD: KIM.password } })).status).toBe(0);
  expect((await cli(['import-users', CSV])).status).toBe(0);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('factordesk approvals', () => {
  it('a privileged user: the code waits (exit 0, pending-approval), the requester cannot approve, another admin approves, the requester runs it once', async () => {
    expect(oneJson((await cli(['privileged', KARI, 'on'])).stdout)).toMatchObject({ ok: true, result: { privileged: true, changed: true } });
    expect((await cli(['privileged', KARI, 'maybe'])).status).toBe(2);
    expect(oneJson((await cli(['privileged', KARI, 'off'], { as: AGENT })).stdout)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    const asked = await cli(['issue-code', KARI, ...CHECKS], { as: AGENT });
    expect(asked.status).toBe(0);
    const answer = oneJson(asked.stdout);
    expect(answer).toMatchObject({ ok: true, result: { status: 'pending-approval', approvalId: expect.any(Number) } });
    expect(asked.stdout).not.toMatch(/\d{4} \d{4}/);
    const id = String(answer.result.approvalId);

    // Without --json a person reads what happens next.
    const human = await cli(['approvals', 'list'], { as: AGENT, json: false });
    expect(human.stdout).toMatch(new RegExp(`^${id}\\tpending\\tcode\\.issue-one-time\\t${KARI}\\t${AGENT.name}\\t`));
    expect(oneJson((await cli(['approvals', 'list'])).stdout).result.approvals).toHaveLength(1);

    expect(oneJson((await cli(['approvals', 'approve', id], { as: AGENT })).stdout)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const early = await cli(['approvals', 'run', id], { as: AGENT });
    expect(early.status).toBe(0);
    expect(oneJson(early.stdout).result).toMatchObject({ status: 'pending-approval' });
    expect((await cli(['approvals', 'reject', id], { as: KIM })).status).toBe(2);
    expect((await cli(['approvals', 'approve', 'x1'], { as: KIM })).status).toBe(2);

    const ok = await cli(['approvals', 'approve', id, '--reason', 'called back'], { as: KIM });
    expect(oneJson(ok.stdout)).toMatchObject({ ok: true, result: { approval: { status: 'approved', decidedBy: KIM.name } } });
    const twice = await cli(['approvals', 'approve', id], { as: KIM });
    expect(twice.status).toBe(7);
    expect(oneJson(twice.stdout)).toMatchObject({ ok: false, error: { code: 'APPROVAL_CLOSED' } });

    const run = await cli(['approvals', 'run', id], { as: AGENT, json: false });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d{4} \d{4}$/);
    const again = await cli(['approvals', 'run', id], { as: AGENT });
    expect(again.status).toBe(7);
    expect(oneJson(again.stdout)).toMatchObject({ ok: false, error: { code: 'APPROVAL_CLOSED' } });
    expect(oneJson((await cli(['approvals', 'list', '--all'], { as: AGENT })).stdout).result.approvals[0]).toMatchObject({ status: 'done' });
  });

  it('Norwegian: the waiting answer and the refusal of one\'s own request are in bokmål', async () => {
    const asked = await cli(['issue-code', KARI, ...CHECKS], { as: ADMIN });
    expect(oneJson(asked.stdout).result.status).toBe('pending-approval');
    const id = String(oneJson(asked.stdout).result.approvalId);
    const own = await cli(['approvals', 'approve', id], { json: false, env: { LANG: 'nb_NO.UTF-8' } });
    expect(own.status).toBe(7);
    expect(own.stderr).toContain('Du kan ikke avgjøre din egen forespørsel');
    const waits = await cli(['backup-codes', KARI, ...CHECKS], { as: AGENT, json: false, env: { LANG: 'nb_NO.UTF-8' } });
    expect(waits.status).toBe(0);
    expect(waits.stderr).toContain('Endringen venter på godkjenning');
  });
});
