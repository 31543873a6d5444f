/**
 * Signs the audit chain's head while the server runs: every `intervalMs` when the head moved,
 * and once more at stop. Each signed head goes into the database and, as one JSON line, into a
 * file outside it (the heads file), so deleting the newest events (and their heads) from the
 * database is still caught by the file.
 */
import { open } from 'node:fs/promises';
import type { ServerStore } from '../store/port.ts';
import { signHead, type SignedHead } from '../core/audit-signing.ts';

export class HeadSigner {
  private readonly store: ServerStore;
  private readonly signingKey: Buffer;
  private readonly headsFile: string | null;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private last: { count: number; hash: string } | null = null;
  private running: Promise<void> = Promise.resolve();
  /** The last failure (a full disk, the database away); signing goes on at the next tick. */
  lastError: string | null = null;

  constructor(store: ServerStore, signingKey: Buffer, headsFile: string | null, intervalMs = 10_000) {
    this.store = store;
    this.signingKey = signingKey;
    this.headsFile = headsFile;
    this.intervalMs = intervalMs;
  }

  start(): void {
    this.timer = setInterval(() => void this.signNow(), this.intervalMs);
    this.timer.unref();
  }

  /** Signs the current head unless it was signed already; one signing at a time. */
  signNow(): Promise<void> {
    this.running = this.running.then(() => this.signOnce()).catch((err: unknown) => {
      this.lastError = err instanceof Error ? err.message : String(err);
    });
    return this.running;
  }

  private async signOnce(): Promise<void> {
    const head = await this.store.read((tx) => tx.audit.head());
    if (head.count === 0 || (this.last && this.last.count === head.count && this.last.hash === head.hash)) return;
    const signed: SignedHead = signHead(this.signingKey, { storeId: this.store.storeId, count: head.count, hash: head.hash, at: this.store.clock.now() });
    if (this.headsFile) {
      // Off the event loop: a flush to disk can take tens of milliseconds, which requests must not wait out.
      const file = await open(this.headsFile, 'a', 0o600);
      try {
        await file.appendFile(JSON.stringify(signed) + '\n');
        await file.sync();
      } finally {
        await file.close();
      }
    }
    await this.store.write(async (tx) => tx.serverAuth.addSignedHead({ count: signed.count, hash: signed.hash, at: signed.at, sig: signed.sig }));
    this.last = head;
    this.lastError = null;
  }

  /** Stops the timer and signs the final head. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.signNow();
  }
}
