// Load suite: a 100,000-user vault, waves of 100 concurrent dispatcher calls mixing lookups and
// actions (views, one-time codes, backup codes, confirmations, verifications), while a second
// process — the `factordesk` command line — issues codes and verifies codes on the same vault.
// Every call is answered, no SQLITE_BUSY / VAULT_BUSY reaches a caller (writers take the lock up
// front and queue), no code is redeemed twice, backup codes never repeat, the chain is intact.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { bulkEmail, CTX, insertUsers, makeSuiteApp, ROOT, secretFromUri } from '../helpers/suites.ts';
import { AGENT } from '../helpers/vault.ts';
import { systemClock } from '../../main/core/clock.ts';
import { totpAt } from '../../main/core/totp.ts';
import { verifyCode } from '../../main/core/verify.ts';
import { storeOf } from '../../main/store/sqlite/sqlite-store.ts';
import { verifyAuditRows as verifyAuditChain } from '../../main/store/sqlite/audit-rows.ts';

const BIN = join(ROOT, 'bin/factordesk.js');
const USERS = 100_000;
const WAVE = 100;

let app: ReturnType<typeof makeSuiteApp<typeof systemClock>>;
afterAll(() => app?.cleanup());

interface CliRun {
  args: string[];
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the real command line as the agent, asynchronously (the dispatcher keeps working meanwhile). */
function cli(dir: string, args: string[]): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FACTORDESK_') || k.startsWith('FACTORDESK_TEST_RUNNER_')) env[k] = v;
    Object.assign(env, { FACTORDESK_TEST_HOOKS: '1', FACTORDESK_OPERATOR: AGENT.name, FACTORDESK_PASSWORD: AGENT.password });
    const child = spawn(process.execPath, [BIN, '--vault', dir, '--json', ...args], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('exit', (status) => resolve({ args, status, stdout, stderr, ms: performance.now() - started }));
  });
}

describe('100 concurrent calls over a 100k-user vault while the command line works on it', () => {
  it('all answered, no busy error, no double redemption, no repeated code, chain intact', { timeout: 240_000 }, async () => {
    const t0 = performance.now();
    // Hundreds of lookups a second by one operator: the search rate limit is not what this measures either.
    app = makeSuiteApp({ clock: systemClock, searchesPerMinute: Number.POSITIVE_INFINITY });
    await app.firstRun();
    // Hundreds of factor changes by one operator: the velocity limits are not what this measures.
    expect((await app.call('settings:update', { velocityPerHour: 10_000, velocityPerDay: 100_000 })).ok).toBe(true);
    await app.addAgent();
    insertUsers(app.db(), USERS);
    const ids = app.db().prepare('SELECT id FROM users ORDER BY id').pluck().all() as number[];
    expect(ids).toHaveLength(USERS);
    // Users by purpose, never overlapping: the dispatcher's random users are a permutation of the
    // first half (7919 is prime to 50,000, so distinct n give distinct users); the confirmations,
    // the codes for the command line and the command line's own users sit in separate ranges.
    const rnd = (n: number) => ids[(n * 7919 + 13) % 50_000]!;
    const user = (i: number) => ids[i]!;
    const buildMs = performance.now() - t0;

    // Before the load: pending enrollments to confirm, and one-time codes for the command line to verify.
    const pendingSecrets = new Map<number, Buffer>();
    for (let i = 0; i < 40; i++) {
      const r = await app.call('enrollment:reenroll', { userId: user(50_000 + i), ...CTX, voidCodes: false, withBackupCodes: false });
      expect(r.ok).toBe(true);
      pendingSecrets.set(user(50_000 + i), secretFromUri(r.value.uri));
    }
    const forCli: Array<{ email: string; code: string }> = [];
    for (let i = 0; i < 4; i++) {
      const id = user(60_000 + i);
      const r = await app.call('codes:issue-one-time', { userId: id, ...CTX });
      forCli.push({ email: app.db().prepare('SELECT email FROM users WHERE id = ?').pluck().get(id) as string, code: r.value.code });
    }

    // The second process: the command line, one command after another, for as long as the waves run.
    const cliRuns: CliRun[] = [];
    const cliCodes: string[] = [];
    const cliBackup: string[] = [];
    let cliDone = false;
    const cliLoop = (async () => {
      for (const { email, code } of forCli) {
        cliRuns.push(await cli(app.dir, ['verify', email, code]));
        cliRuns.push(await cli(app.dir, ['verify', email, code])); // the same code again: reused
      }
      for (let i = 0; i < 3; i++) {
        const email = bulkEmail(70_000 + i);
        const issued = await cli(app.dir, ['issue-code', email, '--checks', 'callback', '--ticket', `CLI-${i}`, '--reason', 'load test']);
        cliRuns.push(issued);
        const code = (JSON.parse(issued.stdout) as { result: { code: string } }).result.code;
        cliCodes.push(code);
        cliRuns.push(await cli(app.dir, ['verify', email, code]));
        const b = await cli(app.dir, ['backup-codes', email, '--checks', 'callback', '--ticket', `CLI-B${i}`, '--reason', 'load test']);
        cliRuns.push(b);
        const codes = (JSON.parse(b.stdout) as { result: { codes: string[] } }).result.codes;
        cliBackup.push(...codes);
        cliRuns.push(await cli(app.dir, ['verify', email, codes[0]!]));
      }
      cliDone = true;
    })();

    // The waves: 100 calls in flight at once, until the command line has finished its work.
    const session = () => app.controller.session!;
    const issued = new Map<number, string>(); // one-time codes issued by the dispatcher, by user
    const backupCodes: string[] = [];
    const results: Array<{ kind: string; code: string }> = [];
    const confirmUsers = [...pendingSecrets.keys()];
    let waves = 0;
    const verifyQueue: Array<[number, string]> = [];
    while (!cliDone || waves < 2) {
      const calls: Array<Promise<{ kind: string; code: string }>> = [];
      for (let j = 0; j < WAVE; j++) {
        const n = waves * WAVE + j;
        const r = n % 20;
        const wrap = (kind: string, p: Promise<{ ok: boolean; error?: { code: string }; value?: any }>, then?: (v: any) => void) =>
          p.then((res) => {
            if (res.ok) then?.(res.value);
            return { kind, code: res.ok ? 'OK' : res.error!.code };
          });
        if (r < 6) calls.push(wrap('find', app.call('users:find', { query: bulkEmail(n % USERS).slice(0, 6 + (n % 9)) })));
        else if (r < 8) calls.push(wrap('find-name', app.call('users:find', { query: ['kari nord', 'øyvind', 'åse dahl', 'per haugen 1'][n % 4]! })));
        else if (r < 11) calls.push(wrap('view', app.call('users:view', { userId: rnd(n) })));
        else if (r < 14) {
          const id = rnd(20_000 + n);
          calls.push(wrap('issue-one-time', app.call('codes:issue-one-time', { userId: id, ...CTX }), (v) => {
            issued.set(id, v.code);
            verifyQueue.push([id, v.code]);
          }));
        } else if (r < 16) calls.push(wrap('backup-codes', app.call('codes:backup', { userId: rnd(30_000 + n), ...CTX }), (v) => backupCodes.push(...v.codes)));
        else if (r < 18) {
          const next = verifyQueue.shift();
          calls.push(
            Promise.resolve().then(async () => {
              if (!next) return { kind: 'verify', code: 'OK' };
              const v = (await verifyCode(storeOf(app.controller.vaultOrNull!), session(), next[0], next[1])).result;
              return { kind: 'verify', code: v === 'accepted' ? 'OK' : `verify:${v}` };
            }),
          );
        } else if (r < 19 && confirmUsers.length > 0) {
          const id = confirmUsers.shift()!;
          calls.push(wrap('confirm', app.call('enrollment:confirm', { userId: id, code: totpAt(pendingSecrets.get(id)!, Date.now()) })));
        } else calls.push(wrap('audit-list', app.call('audit:list', { limit: 50 })));
      }
      results.push(...(await Promise.all(calls)));
      waves++;
      // Let the command line's process breathe between waves (2 cores).
      await new Promise((r) => setTimeout(r, 20));
    }
    await cliLoop;
    const loadMs = performance.now() - t0 - buildMs;

    // Every dispatcher call answered, and answered OK.
    expect(results.length).toBe(waves * WAVE);
    const failed = results.filter((r) => r.code !== 'OK');
    expect(failed, JSON.stringify(failed.slice(0, 5))).toEqual([]);
    // The command line: every command answered with its JSON envelope; no busy error anywhere.
    for (const r of cliRuns) {
      expect(r.stdout, `${r.args.join(' ')}: ${r.stderr}`).toMatch(/^\{"ok":/);
      expect(r.stdout + r.stderr).not.toMatch(/BUSY|SQLITE_/);
    }
    const verdicts = cliRuns.filter((r) => r.args[0] === 'verify').map((r) => (JSON.parse(r.stdout) as { result?: { result: string } }).result?.result);
    // forCli: accepted then reused (rejected), pairwise; then the command line's own codes, accepted.
    expect(verdicts).toEqual([...forCli.flatMap(() => ['accepted', 'rejected']), 'accepted', 'accepted', 'accepted', 'accepted', 'accepted', 'accepted']);
    expect(cliRuns.filter((r) => r.status !== 0 && r.status !== 1)).toEqual([]);

    // No code redeemed twice, no backup code issued twice, at most one live one-time code per user.
    const db = app.db();
    const allBackup = [...backupCodes, ...cliBackup];
    expect(new Set(allBackup).size).toBe(allBackup.length);
    expect(db.prepare("SELECT user_id FROM one_time_codes WHERE status = 'active' GROUP BY user_id HAVING count(*) > 1").all()).toEqual([]);
    const accepted = db.prepare("SELECT details FROM audit_events WHERE action = 'code.verify' AND outcome = 'accepted'").pluck().all() as string[];
    const usedOneTime = db.prepare("SELECT count(*) FROM one_time_codes WHERE status = 'used'").pluck().get() as number;
    expect(accepted.filter((d) => d.includes('accepted-one-time')).length).toBe(usedOneTime);
    const usedBackup = db.prepare('SELECT count(*) FROM backup_codes WHERE used_at IS NOT NULL').pluck().get() as number;
    expect(accepted.filter((d) => d.includes('accepted-backup')).length).toBe(usedBackup);
    // Every issue the callers saw is in the audit, once (dispatcher before and during the load, command line).
    const issueEvents = db.prepare("SELECT count(*) FROM audit_events WHERE action = 'code.issue-one-time'").pluck().get() as number;
    const dispatcherIssues = results.filter((r) => r.kind === 'issue-one-time').length;
    expect(issueEvents).toBe(dispatcherIssues + forCli.length + cliCodes.length);
    expect(results.filter((r) => r.kind === 'confirm').length).toBeGreaterThan(0);

    const v = app.controller.vaultOrNull!;
    expect(verifyAuditChain(v.db, v.anchor())).toMatchObject({ ok: true, anchor: 'ok', firstBroken: null });
    const cliMs = cliRuns.map((r) => r.ms);
    console.log(
      `load: ${USERS} users built in ${(buildMs / 1000).toFixed(1)} s; ${waves} waves of ${WAVE} concurrent calls (${results.length} calls) ` +
        `and ${cliRuns.length} command-line runs (median ${Math.round(cliMs.sort((a, b) => a - b)[cliMs.length >> 1]!)} ms) in ${(loadMs / 1000).toFixed(1)} s`,
    );
  });
});
