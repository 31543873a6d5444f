/**
 * Runs chaining passes after kicks (commits that left audit events pending): the first pass
 * `delayMs` after a kick, so one pass takes the events of every commit in that time (each pass
 * costs round trips and a COMMIT of its own); one pass at a time, a kick during a pass making
 * one more after it. `drained()` starts an owed pass at once and settles once a pass that began
 * after every kick so far has ended: a read that awaits it sees those events in the chain.
 */
export class Chainer {
  private readonly pass: () => Promise<void>;
  private readonly delayMs: number;
  private running = false;
  /** A kick came since the running pass began (or none is running): one more pass is owed. */
  private owed = false;
  /** The owed pass's start, while it waits out the delay. */
  private timer: NodeJS.Timeout | null = null;
  /** Settled when the running pass ends. */
  private current: Array<() => void> = [];
  /** Settled when the owed pass ends. */
  private next: Array<() => void> = [];
  /** The passes running now, if any. */
  private loop: Promise<void> | null = null;

  constructor(pass: () => Promise<void>, delayMs = 0) {
    this.pass = pass;
    this.delayMs = delayMs;
  }

  kick(): void {
    this.owed = true;
    if (this.running || this.timer) return;
    if (this.delayMs <= 0) this.start();
    else this.timer = setTimeout(() => this.start(), this.delayMs);
  }

  drained(): Promise<void> {
    if (this.owed) {
      const p = new Promise<void>((r) => this.next.push(r));
      // Someone waits for it: the owed pass starts now, not after the delay.
      if (this.timer) this.start();
      return p;
    }
    if (this.running) return new Promise((r) => this.current.push(r));
    return Promise.resolve();
  }

  /** Settles when no pass runs or waits (close waits for it). */
  async idle(): Promise<void> {
    if (this.owed) await this.drained();
    await (this.loop ?? Promise.resolve());
  }

  private start(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.running) this.loop = this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.owed) {
        this.owed = false;
        this.current.push(...this.next.splice(0));
        try {
          await this.pass();
        } catch {
          // The events stay pending (nothing is lost): the next kick or the store's sweep chains them.
        }
        for (const settle of this.current.splice(0)) settle();
        // Kicked during the pass and nobody waiting: the next one waits out the delay too.
        if (this.owed && this.next.length === 0 && this.delayMs > 0) {
          this.timer = setTimeout(() => this.start(), this.delayMs);
          return;
        }
      }
    } finally {
      this.running = false;
      this.loop = null;
    }
  }
}
