import { randomBytes } from 'node:crypto';

/** Source of the current time; tests move it instead of sleeping. */
export interface Clock {
  now(): number; // epoch milliseconds
}

/** Source of randomness; the default is the OS CSPRNG. */
export interface Random {
  bytes(n: number): Buffer;
}

export const systemClock: Clock = { now: () => Date.now() };
export const systemRandom: Random = { bytes: (n) => randomBytes(n) };

/** A clock a test can set and move. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: number | Date = Date.UTC(2026, 10, 26, 9, 0, 0)) {
    this.t = typeof start === 'number' ? start : start.getTime();
  }
  now(): number {
    return this.t;
  }
  set(t: number | Date): void {
    this.t = typeof t === 'number' ? t : t.getTime();
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Uniform random integer in [0, max) without modulo bias. */
export function randomInt(random: Random, max: number): number {
  if (max <= 0 || max > 2 ** 32) throw new RangeError('max out of range');
  const limit = Math.floor(2 ** 32 / max) * max;
  for (;;) {
    const v = random.bytes(4).readUInt32BE(0);
    if (v < limit) return v % max;
  }
}
