// End-to-end harness: the BUILT renderer (out/renderer) served through the app's own
// request-to-bytes-and-CSP function on 127.0.0.1, in real Chromium, with `window.api` bridged
// to the real guard, controller and services over a temporary vault. Dialogs, printer and
// clipboard are scripted fakes that record what happened.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium, serveDir } from './chromium.ts';
import { createApp } from '../../main/ipc/setup.ts';
import { memoryPrefs, type OpenKind, type SaveKind } from '../../main/app/ports.ts';
import { CHANNEL_NAMES, EVENT_NAMES, type EventName, type Events, type Result } from '../../contract/index.ts';
import { ManualClock, systemClock, type Clock } from '../../main/core/clock.ts';
import type { AppController } from '../../main/app/controller.ts';
import type { Dispatch } from '../../main/ipc/guard.ts';
import type { ClipboardEntry } from '../../main/app/clipboard-guard.ts';
import type { ConnectionStore } from '../../main/app/server-link.ts';

export const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer', import.meta.url));

export interface Harness {
  page: Page;
  context: BrowserContext;
  controller: AppController;
  dispatch: Dispatch;
  origin: string;
  vaultDir: string;
  tmp: string;
  /** Every response the page received, per channel, for leak scans. */
  responses: Array<{ channel: string; result: Result<unknown> }>;
  /** CSP violations reported by the page. */
  cspViolations: string[];
  /** Scripted dialog answers: push a path (or null for cancel) before triggering the action. */
  openAnswers: Partial<Record<OpenKind, string | null>>;
  saveAnswers: Partial<Record<SaveKind, string | null>>;
  printed: string[];
  /** Scripted print dialog answers: push false (cancelled) before a print; empty means printed. */
  printAnswers: boolean[];
  /** The fake OS clipboard: what it holds, and every write (text and concealed formats together). */
  clipboard: { value: string; writes: ClipboardEntry[] };
  emitted: Array<{ event: EventName; data: unknown }>;
  screenshot(name: string): Promise<string>;
  /** CSP violations so far (console and in-page securitypolicyviolation events). */
  csp(): Promise<string[]>;
  close(): Promise<void>;
}

/** Starts the harness. `clock` defaults to the system clock (the renderer shows real times). */
export async function startHarness(opts: { clock?: Clock; viewport?: { width: number; height: number }; vaultDir?: string; /** server mode: where the app keeps its server (address and pinned key) */ connection?: ConnectionStore } = {}): Promise<Harness> {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error('out/renderer is missing: run `npx electron-vite build` first (npm test does).');
  const tmp = mkdtempSync(join(tmpdir(), 'fd-e2e-'));
  const vaultDir = opts.vaultDir ?? join(tmp, 'vault');
  const served = await serveDir(RENDERER_DIR);
  const { context, close: closeBrowser } = await launchChromium({ viewport: opts.viewport ?? { width: 1280, height: 720 } });
  const page = await context.newPage();
  const responses: Harness['responses'] = [];
  const cspViolations: string[] = [];
  const printed: string[] = [];
  const printAnswers: boolean[] = [];
  const clipboard: Harness['clipboard'] = { value: '', writes: [] };
  const emitted: Harness['emitted'] = [];
  const openAnswers: Harness['openAnswers'] = {};
  const saveAnswers: Harness['saveAnswers'] = {};

  const emit = <E extends EventName>(event: E, data: Events[E]) => {
    emitted.push({ event, data });
    void page.evaluate(([e, d]) => (window as unknown as { __fdEmit?: (e: string, d: unknown) => void }).__fdEmit?.(e, d), [event, data] as const).catch(() => {});
  };
  const { controller, dispatch } = createApp(
    {
      dir: vaultDir,
      configured: false,
      clock: opts.clock ?? systemClock,
      dialogs: {
        openFile: async (kind) => openAnswers[kind] ?? null,
        saveFile: async (kind) => saveAnswers[kind] ?? null,
      },
      printer: {
        print: async (html) => {
          printed.push(html);
          return printAnswers.shift() ?? true;
        },
        savePdf: async (html) => {
          printed.push(html);
        },
      },
      prefs: memoryPrefs({ language: 'en' }),
      clipboard: {
        write: (e) => {
          clipboard.writes.push(e);
          clipboard.value = e.text;
        },
        read: () => clipboard.value, clear: () => (clipboard.value = '') },
      emit,
      openExternal: async () => {},
      // No SMTP delivery in the browser journeys (no relay; its passes would only add noise).
      outboxDelivery: false,
      ...(opts.connection ? { connection: opts.connection } : {}),
    },
    [served.origin],
  );

  await page.exposeBinding('__fdInvoke', async (source, channel: string, payload: unknown) => {
    const frame = source.frame;
    const info = { url: frame.url(), parent: frame.parentFrame() };
    const result = await dispatch(channel, { frame: info, topFrame: info }, payload);
    responses.push({ channel, result });
    // Structured-clone-like: only plain data crosses, as with Electron IPC.
    return JSON.parse(JSON.stringify(result)) as unknown;
  });
  await page.addInitScript(
    ({ channels, events }) => {
      const listeners = new Map<string, Set<(d: unknown) => void>>();
      const invoke = (window as unknown as { __fdInvoke: (c: string, p: unknown) => Promise<unknown> }).__fdInvoke;
      const api: Record<string, unknown> = {};
      for (const c of channels) api[c] = (req: unknown) => invoke(c, req ?? {});
      api.on = (event: string, handler: (d: unknown) => void) => {
        if (!events.includes(event)) return () => {};
        if (!listeners.has(event)) listeners.set(event, new Set());
        listeners.get(event)!.add(handler);
        return () => listeners.get(event)?.delete(handler);
      };
      Object.defineProperty(window, '__fdEmit', { value: (e: string, d: unknown) => listeners.get(e)?.forEach((h) => h(d)) });
      Object.defineProperty(window, 'api', { value: Object.freeze(api) });
      document.addEventListener('securitypolicyviolation', (ev) => {
        (window as unknown as { __csp: string[] }).__csp ??= [];
        (window as unknown as { __csp: string[] }).__csp.push(`${ev.violatedDirective} ${ev.blockedURI}`);
      });
    },
    { channels: [...CHANNEL_NAMES] as string[], events: [...EVENT_NAMES] as string[] },
  );
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Content Security Policy|Refused to/i.test(text)) cspViolations.push(text);
  });

  const shotsDir = fileURLToPath(new URL('../../test-results/screenshots', import.meta.url));
  const h: Harness = {
    page,
    context,
    controller,
    dispatch,
    origin: served.origin,
    vaultDir,
    tmp,
    responses,
    cspViolations,
    openAnswers,
    saveAnswers,
    printed,
    printAnswers,
    clipboard,
    emitted,
    async screenshot(name) {
      const path = join(shotsDir, `${name}.png`);
      await page.screenshot({ path, fullPage: false });
      return path;
    },
    async csp() {
      const inPage = await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []).catch(() => [] as string[]);
      return [...cspViolations, ...inPage];
    },
    async close() {
      controller.lock('manual');
      await closeBrowser();
      await served.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
  await page.goto(`${served.origin}/index.html`);
  return h;
}

export { ManualClock };
