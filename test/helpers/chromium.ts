// Shared helpers for suites that drive real Chromium (Debian's /usr/bin/chromium, never a
// downloaded browser) against files served through the app's own protocol resolver.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { generateNonce } from '../../main/platform/csp.ts';
import { resolveAppRequest } from '../../main/shell/protocol.ts';

/** The Chromium binary: $CHROMIUM_PATH if set, else Debian's package. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Flags for a quiet, offline, sandbox-less (container) headless Chromium. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A running Chromium with a throw-away profile; `close` also deletes the profile. */
export interface LaunchedChromium {
  context: BrowserContext;
  close: () => Promise<void>;
}

/** Launches headless Chromium with a fresh temporary profile directory. */
export async function launchChromium(
  opts: { viewport?: { width: number; height: number } } = {},
): Promise<LaunchedChromium> {
  const profile = await mkdtemp(join(tmpdir(), 'factordesk-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS],
      viewport: opts.viewport ?? { width: 1280, height: 720 },
    });
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
  let closed = false;
  return {
    context,
    close: async () => {
      if (closed) return;
      closed = true;
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** Options for serveDir. */
export interface ServeDirOptions {
  /** Nonce source per response; defaults to a fresh random nonce per request. */
  nonce?: () => string;
  /** Called after every response, e.g. to assert on what the page fetched. */
  onRequest?: (info: { method: string; url: string; status: number }) => void;
}

/** A running HTTP server; `origin` is like `http://127.0.0.1:41234`. */
export interface ServedDir {
  origin: string;
  close: () => Promise<void>;
}

/** Serves `rootDir` on 127.0.0.1 (random port) through resolveAppRequest, GET/HEAD only. */
export async function serveDir(rootDir: string, opts: ServeDirOptions = {}): Promise<ServedDir> {
  const nonce = opts.nonce ?? generateNonce;
  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const done = (status: number) => opts.onRequest?.({ method, url, status });
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      done(405);
      return;
    }
    resolveAppRequest(rootDir, url, nonce).then(
      (r) => {
        res.writeHead(r.status, { ...r.headers, 'Content-Length': String(r.body.length) });
        res.end(method === 'HEAD' ? undefined : r.body);
        done(r.status);
      },
      () => {
        res.writeHead(500).end();
        done(500);
      },
    );
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
