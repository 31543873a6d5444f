// The repository's .oxlintrc.json is what keeps each layer to its imports, so it is run on a
// small tree with one offender (and one allowed import) per rule: each offender must be flagged
// at its line, and nothing allowed may be.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const OXLINT = join(REPO, 'node_modules', '.bin', process.platform === 'win32' ? 'oxlint.cmd' : 'oxlint');

// file → [import line, allowed?]
const CASES: Record<string, Array<[string, boolean]>> = {
  'renderer/src/App.tsx': [
    ["import type { Api } from '../../contract/index.ts';", true],
    ["import { helper } from './helper.ts';", true],
    ["import { useState } from 'react';", true],
    ["import { CHANNELS } from '../../main/ipc/schemas.ts';", false],
    ["import { readFileSync } from 'node:fs';", false],
    ["import { join } from 'path';", false],
    ["import { ipcRenderer } from 'electron';", false],
  ],
  'renderer/src/screens/Deep.tsx': [
    ["import type { Api } from '../../../contract/index.ts';", true],
    ["import { api } from '../../../preload/index.ts';", false],
    ["import { ADMIN } from '../../../test/helpers/vault.ts';", false],
  ],
  'preload/index.ts': [
    ["import { contextBridge } from 'electron';", true],
    ["import { CHANNEL_NAMES } from '../contract/channel-names.ts';", true],
    ["import type { Api } from '../contract/index.ts';", false],
    ["import { z } from 'zod';", false],
    ["import { join } from 'node:path';", false],
  ],
  'contract/index.ts': [
    ["export * from './errors.ts';", true],
    ["import { z } from 'zod';", false],
    ["import { join } from 'node:path';", false],
    ["import type { App } from 'electron';", false],
    ["import type { Session } from '../main/core/session.ts';", false],
  ],
  'main/core/service.ts': [
    ["import type { Store } from '../store/port.ts';", true],
    ["import type { ErrorCode } from '../../contract/index.ts';", true],
    ["import { createHash } from 'node:crypto';", true],
    ["import { readFileSync } from 'node:fs';", false],
    ["import { writeFile } from 'node:fs/promises';", false],
    ["import type { Database } from 'better-sqlite3-multiple-ciphers';", false],
    ["import type { App } from 'electron';", false],
    ["import { Vault } from '../store/sqlite/vault.ts';", false],
    ["import { createDispatcher } from '../ipc/guard.ts';", false],
  ],
  'main/ipc/handlers/x.ts': [
    ["import { readFileSync } from 'node:fs';", true],
    ["import { dialog } from 'electron';", false],
    ["import Database from 'better-sqlite3-multiple-ciphers';", false],
  ],
  'main/shell/window-options.ts': [
    ["import type { WebPreferences } from 'electron';", true],
    ["import { BrowserWindow } from 'electron';", false],
  ],
  'main/index.ts': [
    ["import { app } from 'electron';", true],
    ["import Database from 'better-sqlite3-multiple-ciphers';", false],
  ],
  'main/electron/adapters.ts': [["import { dialog } from 'electron';", true]],
  'main/store/sqlite/database.ts': [
    ["import Database from 'better-sqlite3-multiple-ciphers';", true],
    ["import { statSync } from 'node:fs';", true],
    ["import { app } from 'electron';", false],
  ],
  'main/store/port.ts': [["import type { Database } from 'better-sqlite3-multiple-ciphers';", false]],
  'main/cli/files.ts': [["import Database from 'better-sqlite3-multiple-ciphers';", false]],
  'test/helpers/vault.ts': [
    ["import Database from 'better-sqlite3-multiple-ciphers';", true],
    ["import { app } from 'electron';", true],
  ],
};

let root = '';
let flagged = new Set<string>();

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fd-oxlint-'));
  copyFileSync(join(REPO, '.oxlintrc.json'), join(root, '.oxlintrc.json'));
  for (const [file, lines] of Object.entries(CASES)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), `${lines.map(([l]) => l).join('\n')}\n`);
  }
  const r = spawnSync(OXLINT, ['-f', 'json', 'main', 'contract', 'preload', 'renderer', 'test'], { cwd: root, encoding: 'utf8' });
  const out = JSON.parse(r.stdout) as { diagnostics: Array<{ code: string; filename: string; labels: Array<{ span: { line: number } }> }> };
  flagged = new Set(out.diagnostics.filter((d) => d.code.includes('no-restricted-imports')).map((d) => `${d.filename.replaceAll('\\', '/')}:${d.labels[0]!.span.line}`));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('layer rules in .oxlintrc.json', () => {
  for (const [file, lines] of Object.entries(CASES)) {
    it(`${file}: flags exactly the imports its layer may not make`, () => {
      const wrong = lines
        .map(([line, allowed], i) => ({ line, allowed, hit: flagged.has(`${file}:${i + 1}`) }))
        .filter((c) => c.hit === c.allowed)
        .map((c) => `${c.allowed ? 'flagged but allowed' : 'not flagged'}: ${c.line}`);
      expect(wrong).toEqual([]);
    });
  }
});
