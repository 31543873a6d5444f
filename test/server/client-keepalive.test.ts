// The server client's kept-alive connections: a connection the server closes just as the next
// request goes out (a reset on a reused socket, nothing answered) is tried once more on a new
// connection; a reset of a fresh connection is not retried (the server may have read it).
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerClient, spkiPin } from '../../main/server/client.ts';

let tmp = '';
let cert: Buffer;
let key: Buffer;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fd-keepalive-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(tmp, 'k.pem'), '-out', join(tmp, 'c.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  cert = readFileSync(join(tmp, 'c.pem'));
  key = readFileSync(join(tmp, 'k.pem'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A server that answers the first request of each connection and drops the connection at the second. */
async function droppingServer(opts: { dropFirst?: boolean } = {}) {
  const seen = new WeakMap<object, number>();
  let handled = 0;
  const server = https.createServer({ cert, key }, (req, res) => {
    const n = (seen.get(req.socket) ?? 0) + 1;
    seen.set(req.socket, n);
    if (n > 1 || opts.dropFirst) {
      req.socket.destroy();
      return;
    }
    handled++;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, value: { n: handled } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, handled: () => handled };
}

describe('ServerClient kept-alive connections', () => {
  it('a reset on a reused connection is retried once on a new one', async () => {
    const s = await droppingServer();
    const c = new ServerClient(s.url, { pin: spkiPin(cert) });
    try {
      expect(await c.call('x', {})).toEqual({ ok: true, value: { n: 1 } });
      const second = await c.call("x", {});
      expect(second).toEqual({ ok: true, value: { n: 2 } });
      expect(s.handled()).toBe(2);
    } finally {
      c.close();
      s.server.close();
    }
  });

  it('a reset of a fresh connection is answered as a broken connection, not retried', async () => {
    const s = await droppingServer({ dropFirst: true });
    const c = new ServerClient(s.url, { pin: spkiPin(cert) });
    try {
      const r = await c.call('x', {});
      expect(r.ok ? null : r.error.code).toBe('SERVER_UNREACHABLE');
      expect(s.handled()).toBe(0);
    } finally {
      c.close();
      s.server.close();
    }
  });
});
