// `factordesk serve` startup errors an administrator meets with their own files and addresses:
// each one is a message naming what is wrong (never "something went wrong inside", never "a file
// operation failed" for an address), and nothing is left listening.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, oneJson, spawnCli } from '../fixtures/cli-harness.ts';
import { serverFixture, serverInit, type ServerFixture } from '../helpers/server.ts';

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
