/**
 * One clipboard write: the text and, in the same write, the OS formats that mark it as a secret
 * (written together, so that no format replaces another).
 */
export interface ClipboardEntry {
  text: string;
  formats: ReadonlyArray<{ format: string; data: Uint8Array }>;
}

/** What the guard needs from the OS clipboard (Electron's clipboard in the app, a fake in tests). */
export interface ClipboardPort {
  write(entry: ClipboardEntry): void | Promise<void>;
  read(): string | Promise<string>;
  clear(): void;
}

/** Timer functions, injectable so tests need not wait 30 s. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const DWORD_ZERO = new Uint8Array(4);
const ascii = (s: string) => new TextEncoder().encode(s);

/**
 * The markers that keep a copied secret out of clipboard history, cloud clipboard sync and
 * clipboard managers, for the platform the app runs on.
 */
export function concealedFormats(platform: NodeJS.Platform): ClipboardEntry['formats'] {
  switch (platform) {
    case 'win32':
      // Windows: clipboard monitors skip the content; history and cloud sync get DWORD 0.
      return [
        { format: 'ExcludeClipboardContentFromMonitorProcessing', data: DWORD_ZERO },
        { format: 'CanIncludeInClipboardHistory', data: DWORD_ZERO },
        { format: 'CanUploadToCloudClipboard', data: DWORD_ZERO },
      ];
    case 'darwin':
      // The nspasteboard.org convention clipboard managers (Maccy, Alfred, Raycast…) honour.
      return [{ format: 'org.nspasteboard.ConcealedType', data: new Uint8Array(0) }];
    case 'linux':
    case 'freebsd':
    case 'openbsd':
      // KDE's Klipper (and clipboard managers copying it) do not keep an entry with this hint.
      return [{ format: 'x-kde-passwordManagerHint', data: ascii('secret') }];
    default:
      return [];
  }
}

/**
 * Copies a secret to the clipboard, marked as concealed, and clears it after `clearAfterMs` if
 * the clipboard still holds that value (the agent may have copied something else since), and at
 * lock and quit. Every copy of a secret goes through here (the Copy buttons and Ctrl+C alike).
 */
export class ClipboardGuard {
  private pending: { value: string; timer: unknown } | null = null;
  private readonly port: ClipboardPort;
  private readonly timers: Timers;
  private readonly platform: NodeJS.Platform;
  readonly clearAfterMs: number;

  constructor(
    port: ClipboardPort,
    opts: { timers?: Timers; clearAfterMs?: number; platform?: NodeJS.Platform } = {},
  ) {
    this.port = port;
    this.timers = opts.timers ?? { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    this.clearAfterMs = opts.clearAfterMs ?? 30_000;
    this.platform = opts.platform ?? process.platform;
  }

  /** Writes `text` (one write, with the concealed markers) and schedules its removal. */
  async copy(text: string): Promise<{ clearsInSeconds: number }> {
    this.cancel();
    // Pending before the write, so a lock that arrives while the write is under way clears it.
    const timer = this.timers.setTimeout(() => void this.clearIfOurs(), this.clearAfterMs);
    this.pending = { value: text, timer };
    await this.port.write({ text, formats: concealedFormats(this.platform) });
    return { clearsInSeconds: Math.round(this.clearAfterMs / 1000) };
  }

  /** Clears the clipboard now if it still holds what we put there (lock, quit). */
  async clearIfOurs(): Promise<void> {
    if (!this.pending) return;
    const { value, timer } = this.pending;
    this.timers.clearTimeout(timer);
    this.pending = null;
    if ((await this.port.read()) === value) this.port.clear();
  }

  private cancel(): void {
    if (this.pending) this.timers.clearTimeout(this.pending.timer);
    this.pending = null;
  }
}
