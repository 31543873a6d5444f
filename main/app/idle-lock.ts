/**
 * Idle lock, as plain logic: after `idleMs` without input the session locks, with a warning
 * `warnMs` before. Main calls `touch()` on input and `tick()` once a second; tests call them
 * with a moved clock instead of waiting.
 */
export class IdleLock {
  private last: number;
  private warned = false;
  private idleMs: number;
  private readonly warnMs: number;
  private readonly now: () => number;
  private readonly onWarn: (secondsLeft: number) => void;
  private readonly onLock: () => void;
  private active = false;

  constructor(opts: { idleMs: number; warnMs?: number; now: () => number; onWarn: (secondsLeft: number) => void; onLock: () => void }) {
    this.idleMs = opts.idleMs;
    this.warnMs = opts.warnMs ?? 30_000;
    this.now = opts.now;
    this.onWarn = opts.onWarn;
    this.onLock = opts.onLock;
    this.last = opts.now();
  }

  /** Starts watching (after sign-in). */
  start(idleMs?: number): void {
    if (idleMs) this.idleMs = idleMs;
    this.active = true;
    this.touch();
  }

  /** Stops watching (after lock). */
  stop(): void {
    this.active = false;
    this.warned = false;
  }

  /** Records input in the app. */
  touch(): void {
    this.last = this.now();
    this.warned = false;
  }

  /** Checks the time; warns once inside the warning window, locks when idle long enough. */
  tick(): void {
    if (!this.active) return;
    const idle = this.now() - this.last;
    if (idle >= this.idleMs) {
      this.stop();
      this.onLock();
    } else if (idle >= this.idleMs - this.warnMs && !this.warned) {
      this.warned = true;
      this.onWarn(Math.ceil((this.idleMs - idle) / 1000));
    }
  }
}
