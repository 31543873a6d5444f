// `factordesk init` where the vault folder is not there yet: the per-user default is created
// (with the folders above it, owner-only) on a fresh account without ~/.config; a configured
// folder whose parent is missing (a typo) is still refused and nothing is created.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, oneJson, spawnCli } from '../fixtures/cli-harness.ts';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fd-cli-init-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const mode = (p: string) => statSync(p).mode & 0o777;

describe('init', () => {
  it('creates the per-user folder on a fresh account without ~/.config (mode 0700)', () => {
    const home = join(root, 'fresh-home');
    const env = { HOME: home, XDG_CONFIG_HOME: undefined, FACTORDESK_PASSWORD: ADMIN.password };
    const r = spawnCli(['--json', 'init', '--name', ADMIN.name], { env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const dir = join(home, '.config', 'FactorDesk');
    expect(oneJson(r.stdout).result.vaultDir).toBe(dir);
    expect(existsSync(join(dir, 'vault.db'))).toBe(true);
    if (process.platform !== 'win32') {
      expect(mode(dir)).toBe(0o700);
      expect(mode(join(home, '.config'))).toBe(0o700);
    }
    // The same default folder is found again.
    const again = spawnCli(['--json', '--operator', ADMIN.name, 'find', 'x'], { env });
    expect(again.status).toBe(0);
  });

  it('a weak password creates no folder', () => {
    const home = join(root, 'weak-home');
    const r = spawnCli(['init', '--name', ADMIN.name], { env: { HOME: home, XDG_CONFIG_HOME: undefined, FACTORDESK_PASSWORD: '123456789012345' } });
    expect(r.status).toBe(2);
    expect(existsSync(home)).toBe(false);
  });

  it('refuses a configured folder whose parent does not exist, naming it, and creates nothing', () => {
    const typo = join(root, 'srv', 'factordsk', 'vault');
    for (const [args, env] of [
      [['--vault', typo, '--json', 'init', '--name', ADMIN.name], { FACTORDESK_PASSWORD: ADMIN.password }],
      [['--json', 'init', '--name', ADMIN.name], { FACTORDESK_PASSWORD: ADMIN.password, FACTORDESK_VAULT: typo }],
    ] as const) {
      const r = spawnCli([...args], { env: { ...env } });
      expect(r.status).toBe(6);
      const e = oneJson(r.stdout).error!;
      expect(e.code).toBe('VAULT_MISSING');
      expect(e.message).toContain(join(root, 'srv', 'factordsk'));
      expect(e.message).toMatch(/typo/);
    }
    expect(existsSync(join(root, 'srv'))).toBe(false);
  });

  it('--organization and --support-contact are stored with the vault; a bad value creates nothing', () => {
    const dir = join(root, 'site-vault');
    const env = { FACTORDESK_PASSWORD: ADMIN.password };
    const bad = spawnCli(['--vault', dir, '--json', 'init', '--name', ADMIN.name, '--organization', 'Eksempel\u202Ekommune'], { env });
    expect(bad.status).toBe(2);
    expect(oneJson(bad.stdout).error!.message).toMatch(/organizationName/);
    expect(existsSync(join(dir, 'vault.db'))).toBe(false);
    const r = spawnCli(['--vault', dir, '--json', 'init', '--name', ADMIN.name, '--organization', 'Eksempel kommune', '--support-contact', 'IT-brukerstøtte, 22 00 00 00'], { env });
    expect(r.status).toBe(0);
    const show = spawnCli(['--vault', dir, '--json', '--operator', ADMIN.name, 'settings', 'show'], { env });
    expect(oneJson(show.stdout).result.settings).toMatchObject({ organizationName: 'Eksempel kommune', supportContact: 'IT-brukerstøtte, 22 00 00 00' });
  });
});
