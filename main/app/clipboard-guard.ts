/** What the guard needs from the OS clipboard (Electron's clipboard in the app, a fake in tests). */
export interface ClipboardPort {
  write(text: string): void;
  read(): string | Promise<string>;
  clear(): void;
}

/** Timer functions, injectable so tests need not wait 30 s. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Copies a code to the clipboard and clears it after `clearAfterMs` if the clipboard still holds
 * that value (the agent may have copied something else since), and at lock and quit.
 */
export class ClipboardGuard {
  private pending: { value: string; timer: unknown } | null = null;
  private readonly port: ClipboardPort;
  private readonly timers: Timers;
  readonly clearAfterMs: number;

  constructor(port: ClipboardPort, timers: Timers = { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) }, clearAfterMs = 30_000) {
    this.port = port;
    this.timers = timers;
    this.clearAfterMs = clearAfterMs;
  }

  /** Writes `text` and schedules its removal. */
  copy(text: string): { clearsInSeconds: number } {
    this.cancel();
    this.port.write(text);
    const timer = this.timers.setTimeout(() => void this.clearIfOurs(), this.clearAfterMs);
    this.pending = { value: text, timer };
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
