// What a person at a terminal meets: --checks in any case and a list of the known checks when
// one is unknown, a global flag put after the command, and times shown in local time with the
// zone (JSON keeps epoch milliseconds).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, oneJson, runCli, spawnCli } from '../fixtures/cli-harness.ts';
import { localTime, localizeTimes } from '../../main/cli/format.ts';

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

describe('times', () => {
  it('are printed in local time with the zone; JSON keeps epoch ms', () => {
    const env = { ...PW, TZ: 'Asia/Kolkata' }; // UTC+05:30 all year
    const issued = spawnCli([...g(), 'issue-code', OLA, ...act('callback'), '--minutes', '30'], { env });
    expect(issued.status).toBe(0);
    expect(issued.stderr).toMatch(/valid until \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(UTC\+05:30\)/);
    const shown = spawnCli([...g(), 'show', OLA], { env });
    expect(shown.stdout).toMatch(/One-time code: +active until \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(UTC\+05:30\)/);
    expect(shown.stdout).toMatch(/^ {2}\d{4}-\d{2}-\d{2} \d{2}:\d{2} \(UTC\+05:30\) {2}code\.issue-one-time/m);
    expect(shown.stdout).not.toMatch(/\d{2}:\d{2}(:\d{2})?Z/);
    const json = spawnCli([...g(), '--json', 'show', OLA], { env });
    expect(typeof oneJson(json.stdout).result.oneTimeCode.expiresAt).toBe('number');
  });

  it('formats an instant with its offset, and rewrites ISO times in service messages', () => {
    const t = Date.UTC(2026, 11, 3, 13, 0);
    const prev = process.env.TZ;
    try {
      process.env.TZ = 'Europe/Oslo';
      expect(localTime(t)).toBe('2026-12-03 14:00 (UTC+01:00)');
      expect(localTime(Date.UTC(2026, 6, 1, 10, 30))).toBe('2026-07-01 12:30 (UTC+02:00)');
      expect(localizeTimes('locked until 2026-12-03T13:00:00.000Z. An admin can clear it.')).toBe('locked until 2026-12-03 14:00 (UTC+01:00). An admin can clear it.');
      process.env.TZ = 'America/St_Johns';
      expect(localTime(t)).toBe('2026-12-03 09:30 (UTC-03:30)');
      expect(localTime(null)).toBe('-');
    } finally {
      if (prev === undefined) delete process.env.TZ;
      else process.env.TZ = prev;
    }
  });
});
