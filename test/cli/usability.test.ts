// What a person at a terminal meets: --checks in any case and a list of the known checks when
// one is unknown, a global flag put after the command, and times shown in local time with the
// zone (JSON keeps epoch milliseconds).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, oneJson, runCli } from '../fixtures/cli-harness.ts';

const CSV = new URL('../fixtures/cli-users.csv', import.meta.url).pathname;
const KARI = 'kari.nordmann@example.no';
const OLA = 'ola.hansen@example.no';
const PW = { FACTORDESK_PASSWORD: ADMIN.password };
let root: string;
let vaultDir: string;
const g = () => ['--vault', vaultDir, '--operator', ADMIN.name];
const act = (checks: string) => ['--checks', checks, '--ticket', 'HD-9', '--reason', 'Lost phone'];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fd-cli-usability-'));
  vaultDir = join(root, 'vault');
  expect((await runCli(['--vault', vaultDir, 'init', '--name', ADMIN.name, '--email', ADMIN.email], PW)).status).toBe(0);
  expect((await runCli([...g(), 'import-users', CSV], PW)).status).toBe(0);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('--checks', () => {
  it('accepts any case (and _ or a space for -)', async () => {
    for (const checks of ['CALLBACK', 'Photo-ID', 'photo_id,Known-Email', 'Photo ID']) {
      const r = await runCli([...g(), '--json', 'issue-code', KARI, ...act(checks)], PW);
      expect(r.status, checks).toBe(0);
    }
  });

  it('names the unknown check and lists the known ones', async () => {
    const r = await runCli([...g(), 'issue-code', KARI, ...act('callback,selfie')], PW);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("'selfie'");
    expect(r.stderr).toContain('The known checks are: callback (strong), photo-id (strong), manager (strong), known-email.');
    expect(r.stderr).toContain('--checks');
    const refused = await runCli([...g(), '--json', 'refuse', OLA, '--caller', 'Someone', '--requested', 'new codes', '--failed-checks', 'Selfie', '--ticket', 'HD-10'], PW);
    expect(refused.status).toBe(2);
    expect(oneJson(refused.stdout).error!.message).toMatch(/'selfie' in --failed-checks\. The known checks are: callback \(strong\)/);
  });
});

describe('a global flag after the command', () => {
  it('says to put it before the command, naming it', async () => {
    for (const [flag, extra] of [['--vault', [vaultDir]], ['--json', []], ['--operator', ['anne']], [`--vault=${vaultDir}`, []]] as const) {
      const r = await runCli(['find', 'kari', flag, ...extra], PW);
      expect(r.status).toBe(2);
      const name = flag.split('=')[0]!;
      expect(r.stderr).toContain(`put ${name} before the command, e.g. factordesk ${name}`);
      expect(r.stderr).not.toMatch(/Unknown flag/);
    }
  });
});

