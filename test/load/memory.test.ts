// Load suite: 10,000 mixed operations (lookups, views, one-time codes, backup codes, verifications,
// audit lists) through the guarded dispatcher in a child process started with --expose-gc.
// Resident memory is sampled every 500 operations after a full collection; the least-squares
// slope must stay small: memory does not keep growing with use.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slope, startFixture } from '../helpers/suites.ts';

// The vault lives in memory (/dev/shm) where there is one: this test measures the process's
// memory, not the disk, and fsync on tmpfs is nearly free, which keeps the run short.
// (Only when it has room: a container's /dev/shm may be a 64 MB default.)
const roomy = (dir: string) => {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize > 512 * 1024 * 1024;
  } catch {
    return false;
  }
};
const base = existsSync('/dev/shm') && roomy('/dev/shm') ? '/dev/shm' : tmpdir();

describe('memory under 10,000 mixed operations', () => {
  it('resident memory does not keep growing (least-squares slope per 1000 operations)', { timeout: 110_000 }, async () => {
    const parent = mkdtempSync(join(base, 'fd-mem-'));
    try {
      const child = startFixture('load-memory.ts', [parent, '10000', '500'], {}, ['--expose-gc']);
      const exit = await child.exit;
      expect(exit.code, exit.stderr.slice(-2000)).toBe(0);
      const out = JSON.parse(exit.stdout.trim().split('\n').pop()!) as { samples: Array<[number, number]>; ms: number; ops: number };
      expect(out.ops).toBe(10_000);
      expect(out.samples).toHaveLength(21);
      const bytesPerOp = slope(out.samples);
      const kbPer1000 = (bytesPerOp * 1000) / 1024;
      const first = out.samples[0]![1];
      const last = out.samples.at(-1)![1];
      console.log(
        `memory: RSS ${(first / 1048576).toFixed(1)} MB → ${(last / 1048576).toFixed(1)} MB over ${out.ops} operations in ${(out.ms / 1000).toFixed(1)} s; ` +
          `least-squares slope ${kbPer1000.toFixed(1)} KB per 1000 operations`,
      );
      // The bound: 1 MB per 1000 operations, i.e. 10 MB over the run. A real leak of anything the
      // operations touch (a response, a statement, a row buffer, a code ~1–10 kB each) grows by
      // megabytes per thousand; what legitimately moves RSS here (SQLite's bounded page cache of
      // ~2 MB per connection, V8 old-space settling after the warm-up, malloc arenas) is a few MB
      // at most and flat over the run. Generous on purpose: it must not flake on a busy 2-core CI.
      expect(kbPer1000).toBeLessThan(1024);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
