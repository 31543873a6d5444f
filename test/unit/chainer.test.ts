// The PostgreSQL store's chaining passes: paced after commits, at once for a reader that waits.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Chainer } from '../../main/store/postgres/chainer.ts';

/** A pass that runs until released, counting its starts. */
function gatedPass() {
  let release: (() => void) | null = null;
  const state = {
    starts: 0,
    fail: false,
    release: () => {
      const r = release;
      release = null;
      r?.();
    },
  };
  const pass = () => {
    state.starts++;
    return new Promise<void>((resolve, reject) => {
      release = () => (state.fail ? reject(new Error('database gone')) : resolve());
    });
  };
  return { state, pass };
}

const flush = () => new Promise<void>((r) => queueMicrotask(r)).then(() => Promise.resolve());

describe('chainer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('one pass for the kicks within the delay, started when the delay is over', async () => {
    const { state, pass } = gatedPass();
    const c = new Chainer(pass, 10);
    c.kick();
    c.kick();
    await vi.advanceTimersByTimeAsync(9);
    expect(state.starts).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.starts).toBe(1);
    state.release();
    await flush();
    await vi.advanceTimersByTimeAsync(50);
    expect(state.starts).toBe(1);
  });

  it('a reader that waits starts the owed pass at once and goes on when it has ended', async () => {
    const { state, pass } = gatedPass();
    const c = new Chainer(pass, 10);
    c.kick();
    let done = false;
    const waiting = c.drained().then(() => (done = true));
    await flush();
    expect(state.starts).toBe(1);
    expect(done).toBe(false);
    state.release();
    await waiting;
    expect(done).toBe(true);
    // Nothing owed: the next reader goes on at once.
    await c.drained();
  });

  it('a kick during a pass makes one more, paced, or at once for a reader that waits for it', async () => {
    const { state, pass } = gatedPass();
    const c = new Chainer(pass, 10);
    c.kick();
    await vi.advanceTimersByTimeAsync(10);
    expect(state.starts).toBe(1);
    c.kick();
    // A reader now waits for the pass after this one (the running one began before the kick).
    let done = false;
    const waiting = c.drained().then(() => (done = true));
    state.release();
    await flush();
    await flush();
    expect(state.starts).toBe(2);
    expect(done).toBe(false);
    state.release();
    await waiting;
    // Kicked during a pass with nobody waiting: the next pass waits out the delay.
    await vi.advanceTimersByTimeAsync(10);
    c.kick();
    await vi.advanceTimersByTimeAsync(10);
    expect(state.starts).toBe(3);
    c.kick();
    state.release();
    await flush();
    await flush();
    expect(state.starts).toBe(3);
    await vi.advanceTimersByTimeAsync(10);
    expect(state.starts).toBe(4);
    state.release();
  });

  it('a failed pass still lets its readers go on, and the next kick runs again', async () => {
    const { state, pass } = gatedPass();
    const c = new Chainer(pass, 0);
    state.fail = true;
    c.kick();
    const waiting = c.drained();
    state.release();
    await waiting;
    expect(state.starts).toBe(1);
    state.fail = false;
    c.kick();
    const again = c.idle();
    state.release();
    await again;
    expect(state.starts).toBe(2);
  });
});
