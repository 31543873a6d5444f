// Saving the sheet as PDF from the app (main/electron/adapters.ts) with a mocked Electron: the
// file is a new 0600 file renamed into place, whatever the file it replaces allowed.
import { describe, expect, it, vi } from 'vitest';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PDF = Buffer.from('%PDF-1.7 test sheet');

vi.mock('electron', () => {
  class BrowserWindow {
    webContents = { printToPDF: async () => PDF, print: () => {} };
    setContentProtection() {}
    loadURL() {
      return Promise.resolve();
    }
    destroy() {}
  }
  const electron = { BrowserWindow, clipboard: {}, ClipboardItem: class {}, dialog: {}, shell: {} };
  return { ...electron, default: electron };
});
vi.mock('electron-store', () => ({ default: class {} }));

const { electronPrinter } = await import('../../main/electron/adapters.ts');

describe('saving the sheet as PDF', () => {
  it('replaces an existing world-readable file with a new 0600 file and leaves no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-pdf-'));
    const path = join(dir, 'sheet.pdf');
    writeFileSync(path, 'old contents');
    chmodSync(path, 0o644);
    const before = statSync(path).ino;
    await electronPrinter.savePdf('<p>sheet</p>', path);
    expect(readFileSync(path)).toEqual(PDF);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(path).ino).not.toBe(before);
    expect(readdirSync(dir)).toEqual(['sheet.pdf']);
  });

  it('writes a new file with mode 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-pdf-'));
    const path = join(dir, 'new.pdf');
    await electronPrinter.savePdf('<p>sheet</p>', path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
