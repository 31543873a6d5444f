import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeVault, AGENT } from '../helpers/vault.ts';
import { foldKey, identityKey } from '../../main/core/text.ts';
import { issueBackupCodes } from '../../main/core/backup-codes.ts';
import { signIn } from '../../main/store/sqlite/unlock.ts';
import { storeOf } from '../../main/store/sqlite/sqlite-store.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/verify-code.ts', import.meta.url));
const RACERS = 20;

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});

interface Racer {
  child: ChildProcessWithoutNullStreams;
  ready: Promise<void>;
  done: Promise<{ result?: string; error?: string }>;
}

/** Starts one child process that signs in and waits for the code on stdin. */
function startRacer(vaultDir: string, userId: number): Racer {
  const child = spawn(process.execPath, [FIXTURE, vaultDir, AGENT.name, String(userId)], {
    env: { ...process.env, FACTORDESK_TEST_HOOKS: '1', FD_PASSWORD: AGENT.password },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    out += d;
    if (out.startsWith('ready\n')) onReady();
  });
  child.stderr.on('data', (d: string) => (err += d));
  const done = new Promise<{ result?: string; error?: string }>((resolve, reject) => {
    child.on('exit', (code) => {
      const lines = out.trim().split('\n');
      if (code !== 0 || lines[0] !== 'ready' || lines.length < 2) reject(new Error(`racer exited ${code}: ${out} ${err}`));
      else resolve(JSON.parse(lines[1]!) as { result?: string; error?: string });
    });
  });
  done.catch(() => onReady()); // a racer that dies early must not hang the start line
  return { child, ready, done };
}

describe('concurrent redemption of one backup code', () => {
  it(`${RACERS} separate processes redeeming the same code on the same vault: exactly one is accepted, the rest are replays that lock nobody`, { timeout: 180_000 }, async () => {
    const v = await makeVault({ withAgent: true });
    cleanup = v.cleanup;
    const now = v.clock.now();
    const email = 'kari.nordmann@example.no';
    const userId = Number(
      v.vault.db
        .prepare('INSERT INTO users (email, email_identity, email_key, name, name_key, phone, organization, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(email, identityKey(email), foldKey(email), 'Kari Nordmann', foldKey('Kari Nordmann'), null, null, 'active', now, now).lastInsertRowid,
    );
    const { codes } = await issueBackupCodes(storeOf(v.vault), v.admin, userId, { checks: ['photo-id'], ticket: 'HD-1', reason: 'race test' });
    const code = codes[0]!;
    v.vault.close();

    const racers = Array.from({ length: RACERS }, () => startRacer(v.vaultDir, userId));
    await Promise.all(racers.map((r) => r.ready));
    // Everyone is signed in: release them together.
    for (const r of racers) r.child.stdin.end(`${code}\n`);
    const results = await Promise.all(racers.map((r) => r.done));

    const accepted = results.filter((r) => r.result === 'accepted');
    expect(results.filter((r) => r.error)).toEqual([]);
    expect(accepted).toHaveLength(1);
    // Nobody is locked out by the replays: every other answer is a plain rejection.
    expect(results.filter((r) => r.result === 'rejected')).toHaveLength(RACERS - 1);

    // The vault agrees: the code is used once, and the audit holds one acceptance.
    const { vault } = await signIn({ dir: v.vaultDir }, AGENT.name, AGENT.password);
    try {
      const used = vault.db
        .prepare('SELECT count(*) AS n FROM backup_codes c JOIN backup_code_sets s ON s.id = c.set_id WHERE s.user_id = ? AND c.used_at IS NOT NULL')
        .get(userId) as { n: number };
      expect(used.n).toBe(1);
      const events = await storeOf(vault).read((tx) => tx.audit.list({ action: 'code.verify', userId }));
      expect(events).toHaveLength(RACERS);
      expect(events.filter((e) => e.outcome === 'accepted')).toHaveLength(1);
      // The other 19 are replays of the right code: refused, audited as such, and not counted.
      const replays = events.filter((e) => e.outcome === 'rejected');
      expect(replays).toHaveLength(RACERS - 1);
      expect(replays.every((e) => e.details.reason === 'replay' && e.details.failures === undefined)).toBe(true);
      // Whatever client the racers came through, nobody is locked and nothing is counted (an
      // accepted code that finds its client's state clear writes none).
      const states = await storeOf(vault).read((tx) => tx.verification.list(userId));
      expect(states.map(({ failures, lockedAt, lockedUntil }) => ({ failures, lockedAt, lockedUntil }))).toEqual(states.map(() => ({ failures: 0, lockedAt: null, lockedUntil: null })));
    } finally {
      vault.close();
    }
  });
});
