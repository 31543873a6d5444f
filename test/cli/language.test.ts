// The command line's error lines follow the locale: LANG=nb… (or LC_ALL / LC_MESSAGES) gives
// bokmål, anything else English; the --json answer keeps the English message and the code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oneJson, runCli } from '../fixtures/cli-harness.ts';
import { cliLanguage } from '../../main/cli/language.ts';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fd-cli-lang-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('CLI language', () => {
  it('reads the locale as POSIX does: LC_ALL, then LC_MESSAGES, then LANG', () => {
    expect(cliLanguage({ LANG: 'nb_NO.UTF-8' })).toBe('nb');
    expect(cliLanguage({ LANG: 'no_NO' })).toBe('nb');
    expect(cliLanguage({ LANG: 'nb' })).toBe('nb');
    expect(cliLanguage({ LANG: 'en_GB.UTF-8' })).toBe('en');
    expect(cliLanguage({ LANG: 'C.UTF-8' })).toBe('en');
    expect(cliLanguage({})).toBe('en');
    expect(cliLanguage({ LANG: 'nb_NO.UTF-8', LC_ALL: 'en_US.UTF-8' })).toBe('en');
    expect(cliLanguage({ LANG: 'en_US.UTF-8', LC_MESSAGES: 'nb_NO.UTF-8' })).toBe('nb');
    expect(cliLanguage({ LANG: 'nbx' })).toBe('en');
  });

  it('LANG=nb_NO.UTF-8: the error line and the hint in bokmål, exit code unchanged', async () => {
    const r = await runCli(['no-such-command'], { LANG: 'nb_NO.UTF-8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^factordesk: Kommandoen eller en verdi i den er ikke gyldig\. \(BAD_REQUEST\)\n/);
    expect(r.stderr).toMatch(/Kjør "factordesk --help" for kommandoene\./);
    const missing = await runCli(['--vault', join(root, 'none'), '--operator', 'anne', 'find', 'kari'], { LANG: 'nb_NO.UTF-8', FACTORDESK_PASSWORD: 'x' });
    expect(missing.status).toBe(6);
    expect(missing.stderr).toMatch(/Hvelvmappen mangler eller kan ikke leses\. \(VAULT_MISSING\)/);
  });

  it('LANG=nb: a refused password says in bokmål what is wrong with it, as the app does (issue 12, item 15)', async () => {
    const cases: Array<[string, RegExp]> = [
      ['123456789012345', /Dette er et mye brukt passord/],
      ['               x', /Passordet gjentar seg eller er en rekkefølge/],
      ['kort', /Passordet må ha minst 15 tegn/],
    ];
    for (const [password, nb] of cases) {
      const r = await runCli(['--vault', join(root, 'weak'), 'init', '--name', 'anne'], { LANG: 'nb_NO.UTF-8', FACTORDESK_PASSWORD: password });
      expect(r.status, password).toBe(2);
      expect(r.stderr, password).toMatch(new RegExp(`^factordesk: ${nb.source}[^\\n]*\\(WEAK_PASSWORD\\)\\n$`));
      // Only bokmål: the English reason is not repeated under it.
      expect(r.stderr, password).not.toMatch(/password|Choose another/);
    }
  });

  it('English otherwise; --json keeps the English message under any locale', async () => {
    const en = await runCli(['no-such-command'], { LANG: 'en_US.UTF-8' });
    expect(en.stderr).toMatch(/^factordesk: Unknown command 'no-such-command'\. \(BAD_REQUEST\)\nRun "factordesk --help"/);
    const json = await runCli(['--json', 'no-such-command'], { LANG: 'nb_NO.UTF-8' });
    expect(oneJson(json.stdout).error).toMatchObject({ code: 'BAD_REQUEST', message: "Unknown command 'no-such-command'." });
  });
});
