// `factordesk serve` startup errors an administrator meets with their own files and addresses:
// each one is a message naming what is wrong (never "something went wrong inside", never "a file
// operation failed" for an address), and nothing is left listening.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import tls from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, oneJson, spawnCli } from '../fixtures/cli-harness.ts';
import { cliAsync, serverFixture, serverInit, startServe, type ServerFixture } from '../helpers/server.ts';

describe('factordesk serve: clear startup errors', () => {
  let fx: ServerFixture;
  const serve = (listen: string, cert: string, key: string) => spawnCli(['--json', 'serve', '--store', fx.storeUrl, '--key-file', fx.keyFile, '--listen', listen, '--tls-cert', cert, '--tls-key', key]);

  beforeAll(() => {
    return (async () => {
      fx = await serverFixture('fd-serve-start-', { store: 'folder' });
      serverInit(fx, ADMIN);
    })();
  }, 120_000);
  afterAll(async () => fx?.cleanup());

  it('a TLS key that is not the certificate’s, files swapped, or no PEM at all: BAD_REQUEST naming the TLS files', () => {
    const otherKey = join(fx.tmp, 'other-key.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', otherKey], { stdio: 'ignore' });
    const junk = join(fx.tmp, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    for (const [cert, key, words] of [
      [fx.cert, otherKey, /do not belong together/],
      [fx.tlsKey, fx.cert, /--tls-cert .* no PEM certificate/],
      [junk, fx.tlsKey, /--tls-cert .* no PEM certificate/],
    ] as const) {
      const r = serve('127.0.0.1:0', cert, key);
      expect(r.status, r.stdout + r.stderr).toBe(2);
      expect(oneJson(r.stdout).error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(words) });
    }
  });

  it('a --listen host that is not known or not an address of this computer says so', () => {
    const unknown = serve('no-such-host.invalid:0', fx.cert, fx.tlsKey);
    expect(unknown.status).toBe(6);
    expect(oneJson(unknown.stdout).error).toMatchObject({ code: 'IO_ERROR', message: expect.stringMatching(/no-such-host\.invalid is not known/) });
    // TEST-NET-1 (RFC 5737): never an address of this computer.
    const foreign = serve('192.0.2.1:0', fx.cert, fx.tlsKey);
    expect(foreign.status).toBe(6);
    expect(oneJson(foreign.stdout).error).toMatchObject({ code: 'IO_ERROR', message: expect.stringMatching(/192\.0\.2\.1 is not an address of this computer/) });
  });
});

describe('factordesk serve: one server per vault folder', () => {
  let fx: ServerFixture;
  beforeAll(() => {
    return (async () => {
      fx = await serverFixture('fd-serve-once-', { store: 'folder' });
      serverInit(fx, ADMIN);
    })();
  }, 120_000);
  afterAll(async () => fx?.cleanup());

  it('refuses a second serve on a served folder, naming the running one; the lock goes when it stops', async () => {
    const first = await startServe(fx);
    try {
      const lock = JSON.parse(readFileSync(join(fx.storeUrl, 'serve.lock'), 'utf8'));
      expect(lock).toMatchObject({ pid: expect.any(Number), host: hostname() });
      const second = await cliAsync(['--json', 'serve', '--store', fx.storeUrl, '--key-file', fx.keyFile, '--listen', '127.0.0.1:0', '--tls-cert', fx.cert, '--tls-key', fx.tlsKey], {});
      expect(second.status, second.stdout + second.stderr).toBe(2);
      expect(oneJson(second.stdout).error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(new RegExp(`already served by process ${lock.pid} on `)) });
      // The first one still answers, and its lock is its own.
      expect(JSON.parse(readFileSync(join(fx.storeUrl, 'serve.lock'), 'utf8'))).toEqual(lock);
    } finally {
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
    }
    expect(existsSync(join(fx.storeUrl, 'serve.lock'))).toBe(false);
  }, 120_000);

  it('a second SIGTERM while requests are still finishing does not kill it: it stops cleanly, the lock removed', async () => {
    const s = await startServe(fx);
    // A request whose body is still on its way holds the shutdown open.
    const sock = tls.connect({ host: '127.0.0.1', port: s.port, ca: readFileSync(fx.cert) });
    await new Promise<void>((r, j) => sock.once('secureConnect', () => r()).once('error', j));
    sock.on('error', () => {});
    sock.write('POST /api/v1/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user":');
    const seen = (re: RegExp) => expect.poll(() => s.output(), { timeout: 30_000 }).toMatch(re);
    s.child.kill('SIGTERM');
    await seen(/SIGTERM: finishing requests in flight/);
    s.child.kill('SIGTERM');
    await seen(/SIGTERM again: still finishing requests in flight/);
    sock.destroy();
    expect(await s.exited).toBe(0);
    expect(s.output()).toMatch(/stopped\./);
    expect(existsSync(join(fx.storeUrl, 'serve.lock'))).toBe(false);
  }, 120_000);

  it('takes over the lock of a server of this host that died, and refuses an unreadable lock', async () => {
    // A process id that is not running: a child that has ended.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(fx.storeUrl, 'serve.lock'), JSON.stringify({ pid: dead, host: hostname(), startedAt: Date.now() - 60_000 }));
    const again = await startServe(fx);
    try {
      expect(JSON.parse(readFileSync(join(fx.storeUrl, 'serve.lock'), 'utf8')).pid).not.toBe(dead);
    } finally {
      again.child.kill('SIGTERM');
      expect(await again.exited).toBe(0);
    }
    writeFileSync(join(fx.storeUrl, 'serve.lock'), 'garbage');
    const refused = await cliAsync(['--json', 'serve', '--store', fx.storeUrl, '--key-file', fx.keyFile, '--listen', '127.0.0.1:0', '--tls-cert', fx.cert, '--tls-key', fx.tlsKey], {});
    expect(oneJson(refused.stdout).error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/cannot be read.*delete that file/) });
    rmSync(join(fx.storeUrl, 'serve.lock'));
  }, 120_000);
});
