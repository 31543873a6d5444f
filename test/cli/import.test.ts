// `factordesk import-users`: the report, progress on stderr (never with --json), standard input,
// a file that is not CSV, and Ctrl-C between batches (exit 130, the committed rows stay).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, oneJson, runCli, spawnCli, spawnCliAsync } from '../fixtures/cli-harness.ts';

const CSV = new URL('../fixtures/cli-users.csv', import.meta.url).pathname;
let root: string;
let vaultDir: string;
const env = () => ({ FACTORDESK_PASSWORD: ADMIN.password });
const g = () => ['--vault', vaultDir, '--operator', ADMIN.name];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fd-cli-import-'));
  vaultDir = join(root, 'vault');
  expect((await runCli(['--vault', vaultDir, 'init', '--name', ADMIN.name, '--email', ADMIN.email], env())).status).toBe(0);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('import-users', () => {
  it('reads standard input with FILE -, and reports rejected lines by number (exit 0)', async () => {
    const r = await runCli([...g(), '--json', 'import-users', '-'], env(), readFileSync(CSV, 'utf8'));
    expect(r.status).toBe(0);
    const rep = oneJson(r.stdout).result;
    expect(rep).toMatchObject({ rows: 6, inserted: 5, updated: 0, unchanged: 0, cancelled: false });
    expect(rep.rejected).toEqual([{ line: 5, reason: expect.stringMatching(/@/) }]);
    expect(r.stderr).toBe('');
  });

  it('an empty file or one without a header is a validation error (exit 2)', async () => {
    writeFileSync(join(root, 'empty.csv'), '');
    const r = await runCli([...g(), '--json', 'import-users', join(root, 'empty.csv')], env());
    expect(r.status).toBe(2);
    expect(oneJson(r.stdout).error!.code).toBe('BAD_REQUEST');
  });

  it('shows progress on stderr without --json, and stops cleanly on Ctrl-C (exit 130)', async () => {
    const lines = ['email,name,phone,organization,external_id,status'];
    for (let i = 0; i < 60_000; i++) lines.push(`user${i}@bulk.example.no,Bulk User ${i},,Bulk AS,B-${i},`);
    const big = join(root, 'big.csv');
    writeFileSync(big, lines.join('\n') + '\n');
    const child = spawnCliAsync([...g(), 'import-users', big], { env: env() });
    let stderr = '';
    let stdout = '';
    let signalled = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      if (!signalled && /Read \d+ rows/.test(stderr)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    expect(signalled).toBe(true);
    expect(stderr).toMatch(/Read \d+ rows \(\d+ %\)/);
    expect(status).toBe(130);
    expect(stdout).toMatch(/cancelled/);
    const inserted = Number(/inserted (\d+)/.exec(stdout)?.[1]);
    expect(inserted).toBeGreaterThan(0);
    expect(inserted).toBeLessThan(60_000);
    // What was committed stays; the audit still verifies.
    const v = spawnCli([...g(), '--json', 'audit', 'verify'], { env: env() });
    expect(oneJson(v.stdout).result.ok).toBe(true);
    const again = spawnCli([...g(), '--json', 'import-users', big], { env: env() });
    const rep = oneJson(again.stdout).result;
    expect(rep.unchanged).toBe(inserted);
    expect(rep.inserted + rep.unchanged).toBe(60_000);
  });
});
