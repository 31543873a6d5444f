// The project's `factordesk` command runs a bundle of the command line (out/cli/, made by
// `npm run build:cli`, part of `npm test`) while it matches the sources, and the TypeScript
// sources otherwise. Whether it is faster is measured by `npm run bench` (bench/cli-figure.ts),
// not here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshCliBundle } from '../../bin/bundle-check.js';
import { buildProjectCli } from '../../scripts/build-cli.ts';
import { ADMIN, BIN, ROOT, cliEnv } from '../fixtures/cli-harness.ts';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fd-bundle-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A fake project: two sources, a bundle and its manifest as build-cli writes it. */
function fakeProject(name: string): string {
  const root = join(tmp, name);
  mkdirSync(join(root, 'main'), { recursive: true });
  mkdirSync(join(root, 'out', 'cli'), { recursive: true });
  writeFileSync(join(root, 'main', 'a.ts'), 'export const a = 1;\n');
  writeFileSync(join(root, 'package-lock.json'), '{}\n');
  writeFileSync(join(root, 'out', 'cli', 'factordesk.cjs'), '"use strict";\n');
  const stamp = (f: string) => {
    const buf = readFileSync(join(root, f));
    const t = new Date('2026-11-01T10:00:00Z');
    utimesSync(join(root, f), t, t);
    return [buf.length, t.getTime()];
  };
  const sources = { 'package-lock.json': stamp('package-lock.json'), 'main/a.ts': stamp('main/a.ts') };
  writeFileSync(join(root, 'out', 'cli', 'sources.json'), JSON.stringify({ format: 1, sources }));
  return root;
}

describe('whether the bundle matches the sources', () => {
  it('is used while every source it was made from is unchanged', () => {
    const root = fakeProject('fresh');
    expect(freshCliBundle(root)).toBe(join(root, 'out', 'cli', 'factordesk.cjs'));
  });

  it('is not used once a source changed, even with the same size, or a package was updated', () => {
    const edited = fakeProject('edited');
    writeFileSync(join(edited, 'main', 'a.ts'), 'export const a = 2;\n');
    expect(freshCliBundle(edited)).toBeNull();
    const touched = fakeProject('touched');
    utimesSync(join(touched, 'main', 'a.ts'), new Date(), new Date());
    expect(freshCliBundle(touched)).toBeNull();
    const updated = fakeProject('updated');
    writeFileSync(join(updated, 'package-lock.json'), '{"lockfileVersion":3}\n');
    expect(freshCliBundle(updated)).toBeNull();
  });

  it('is not used when a source is gone, the manifest is damaged or the bundle is missing', () => {
    const gone = fakeProject('gone');
    rmSync(join(gone, 'main', 'a.ts'));
    expect(freshCliBundle(gone)).toBeNull();
    const damaged = fakeProject('damaged');
    writeFileSync(join(damaged, 'out', 'cli', 'sources.json'), '{"format":1,"sources":');
    expect(freshCliBundle(damaged)).toBeNull();
    const empty = fakeProject('empty');
    writeFileSync(join(empty, 'out', 'cli', 'sources.json'), '{"format":1,"sources":{}}');
    expect(freshCliBundle(empty)).toBeNull();
    const noBundle = fakeProject('no-bundle');
    rmSync(join(noBundle, 'out', 'cli', 'factordesk.cjs'));
    expect(freshCliBundle(noBundle)).toBeNull();
    expect(freshCliBundle(join(tmp, 'never-built'))).toBeNull();
  });
});

describe('the project bundle', () => {
  beforeAll(async () => {
    if (freshCliBundle(ROOT)) return;
    // npm test builds it before the suite; CI must find it built, a developer's run makes it.
    if (process.env.CI === 'true') throw new Error('out/cli is missing or stale: npm test runs `npm run build:cli` before vitest');
    await buildProjectCli(ROOT);
  }, 120_000);

  /** Runs bin/factordesk.js, reporting which CommonJS files Node loaded (NODE_DEBUG=module). */
  function run(args: string[], env: Record<string, string> = {}) {
    const r = spawnSync(process.execPath, [BIN, ...args], { env: cliEnv({ NODE_DEBUG: 'module', ...env }), encoding: 'utf8', timeout: 60_000 });
    const loaded = [...r.stderr.matchAll(/load "([^"]+)"/g)].map((m) => m[1]!);
    const stderr = r.stderr
      .split('\n')
      .filter((l) => !/^MODULE \d+:/.test(l))
      .join('\n');
    return { status: r.status, stdout: r.stdout, stderr, loaded };
  }

  it('lists every source it was made from, and runs instead of the sources', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'out', 'cli', 'sources.json'), 'utf8'));
    expect(Object.keys(manifest.sources)).toEqual(expect.arrayContaining(['package-lock.json', 'main/cli/main.ts', 'main/cli/sea-main.ts', 'main/core/passwords.ts', 'contract/index.ts']));
    const bundled = run(['--help']);
    expect(bundled.status).toBe(0);
    expect(bundled.loaded).toContain(join(ROOT, 'out', 'cli', 'factordesk.cjs'));
    // A command that sets no password never loads the password estimator's word lists, nor the PDF, mail or PostgreSQL code.
    expect(bundled.loaded.filter((f) => f.includes(`${join('out', 'cli', 'chunks')}`)).map((f) => f.split('/').pop())).not.toEqual(expect.arrayContaining([expect.stringMatching(/^(pg-store|nodemailer)-/)]));
    const sources = run(['--help'], { FACTORDESK_CLI_SOURCES: '1' });
    expect(sources.loaded).not.toContain(join(ROOT, 'out', 'cli', 'factordesk.cjs'));
    expect(bundled.stdout).toBe(sources.stdout);
  });

  it('gives the same answers as the sources for a journey on a vault (first run, a weak password refused, a lookup)', () => {
    for (const [mode, env] of [
      ['bundle', {}],
      ['sources', { FACTORDESK_CLI_SOURCES: '1' }],
    ] as const) {
      const vault = join(tmp, `vault-${mode}`);
      mkdirSync(vault, { mode: 0o700 });
      const base = { ...env, FACTORDESK_VAULT: vault, LANG: 'C.UTF-8' };
      const weak = run(['--json', 'init', '--name', ADMIN.name, '--display-name', ADMIN.displayName], { ...base, FACTORDESK_PASSWORD: 'passwordpassword1' });
      expect(weak.status, `${mode}: ${weak.stderr}`).toBe(2);
      expect(JSON.parse(weak.stdout).error.code).toBe('WEAK_PASSWORD');
      const init = run(['--json', 'init', '--name', ADMIN.name, '--display-name', ADMIN.displayName], { ...base, FACTORDESK_PASSWORD: ADMIN.password });
      expect(init.status, `${mode}: ${init.stderr}`).toBe(0);
      expect(JSON.parse(init.stdout).ok).toBe(true);
      const find = run(['--json', '--operator', ADMIN.name, 'find', 'nobody'], { ...base, FACTORDESK_PASSWORD: ADMIN.password });
      expect(find.status, `${mode}: ${find.stderr}`).toBe(0);
      expect(JSON.parse(find.stdout)).toMatchObject({ ok: true });
      if (mode === 'bundle') expect(init.loaded).toContain(join(ROOT, 'out', 'cli', 'factordesk.cjs'));
    }
  });
});
