// Accessibility checks for the e2e suites, run in the page under the app's strict CSP:
// axe-core (injected through the DevTools protocol, which the CSP does not govern, so the page's
// own policy stays as shipped) plus what axe cannot judge — control borders against their
// background (WCAG 1.4.11), reflow without sideways scrolling (1.4.10), the focused element
// visible and not under a toast (2.4.7, 2.4.11), a main landmark and an h1.
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);

/** axe-core's browser bundle (a dev dependency: `npm i -D axe-core@4`). */
function axeSource(): string {
  let path: string;
  try {
    path = require.resolve('axe-core/axe.min.js');
  } catch {
    throw new Error('axe-core is not installed: `npm i -D axe-core@4` (the accessibility checks need it)');
  }
  return readFileSync(path, 'utf8');
}

export const RESULTS_DIR = fileURLToPath(new URL('../../test-results', import.meta.url));

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** WCAG 2.0–2.2 A and AA, plus axe's best practices (landmarks, one h1, heading order, …). */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/** Runs axe on the page; `only` limits it to some rules (e.g. colour contrast in the dark run). */
export async function runAxe(page: Page, only?: string[]): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  if (!loaded) await page.evaluate(axeSource());
  return page.evaluate(async (only) => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[]; failureSummary?: string }> }> }> } }).axe;
    const opts = only.rules ? { runOnly: { type: 'rule', values: only.rules }, resultTypes: ['violations'] } : { runOnly: { type: 'tag', values: only.tags }, resultTypes: ['violations'] };
    const r = await axe.run(document, opts);
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`.slice(0, 300)) }));
  }, { rules: only ?? null, tags: TAGS });
}

/**
 * Form controls whose visible boundary is under 3:1 against what is behind them. A control
 * counts as bounded when its border or its own fill reaches 3:1 against the nearest opaque
 * background; controls with neither (text-only "ghost" buttons, links) are judged by their
 * text, which axe checks.
 */
export async function weakBorders(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const parse = (c: string): [number, number, number, number] | null => {
      const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(c);
      return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : null;
    };
    const lum = ([r, g, b]: number[]) => {
      const f = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
    };
    const ratio = (a: number[], b: number[]) => {
      const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
      return (x! + 0.05) / (y! + 0.05);
    };
    const behind = (el: Element | null): number[] => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c[3] > 0.5) return c;
      }
      const root = parse(getComputedStyle(document.documentElement).backgroundColor);
      return root && root[3] > 0.5 ? root : [255, 255, 255];
    };
    const out: string[] = [];
    const controls = document.querySelectorAll<HTMLElement>('input:not([type=hidden]), select, textarea, button, [role="checkbox"], [role="tab"]');
    for (const el of controls) {
      if (el.getClientRects().length === 0 || el.closest('[aria-hidden="true"], .sr-only')) continue;
      if ((el as HTMLButtonElement).disabled) continue; // WCAG 1.4.11: inactive controls are exempt
      const cs = getComputedStyle(el);
      if (cs.visibility === 'hidden' || Number(cs.opacity) === 0) continue;
      const bg = behind(el.parentElement);
      const border = parse(cs.borderTopColor);
      const bw = parseFloat(cs.borderTopWidth) + parseFloat(cs.borderBottomWidth) + parseFloat(cs.borderLeftWidth) + parseFloat(cs.borderRightWidth);
      const fill = parse(cs.backgroundColor);
      const borderOk = border && border[3] > 0.5 && bw > 0 ? ratio(border, bg) >= 3 : null;
      const fillOk = fill && fill[3] > 0.5 ? ratio(fill, bg) >= 3 : null;
      // Only drawn borders count: a control without one (a tab, a menu item, a text-only button)
      // is identified by its text, which axe checks for contrast.
      if (borderOk === null) continue;
      if (borderOk || fillOk) continue;
      const name = el.getAttribute('data-testid') ?? el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? el.tagName;
      out.push(`${el.tagName.toLowerCase()} "${name}": border ${border ? ratio(border, bg).toFixed(2) : '-'}:1, fill ${fill && fill[3] > 0.5 ? ratio(fill, bg).toFixed(2) : '-'}:1`);
    }
    return out;
  });
}

/** Elements that scroll sideways (the page, the screen, a dialog); tables in their own frame may. */
export async function sidewaysScroll(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const root = document.scrollingElement ?? document.documentElement;
    if (root.scrollWidth > root.clientWidth) out.push(`page ${root.scrollWidth} > ${root.clientWidth}`);
    for (const el of document.querySelectorAll<HTMLElement>('body *')) {
      if (el.closest('.table-scroll')) continue;
      const cs = getComputedStyle(el);
      if (!/(auto|scroll)/.test(cs.overflowX) && !/(auto|scroll)/.test(cs.overflow)) continue;
      if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
        // Name the widest thing inside, to say what to fix.
        const edge = el.getBoundingClientRect().right;
        let worst: Element | null = null;
        let right = edge;
        for (const d of el.querySelectorAll('*')) {
          const r = d.getBoundingClientRect().right;
          if (r > right + 1 && d.getClientRects().length > 0) [worst, right] = [d, r];
        }
        const what = worst ? ` (widest: ${worst.tagName.toLowerCase()}.${String((worst as HTMLElement).className || worst.getAttribute('data-testid') || '')} "${(worst.textContent ?? '').trim().slice(0, 40)}")` : '';
        out.push(`${el.tagName.toLowerCase()}.${el.className || el.getAttribute('data-testid') || ''} ${el.scrollWidth} > ${el.clientWidth}${what}`);
      }
    }
    return out;
  });
}

/** What is wrong with the focused element: invisible focus indicator, off screen, or under a toast. */
export async function focusProblem(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return null; // nothing focused: nothing to see
    const id = el.getAttribute('data-testid') ?? el.tagName;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return `${id}: focused but has no size`;
    const cx = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
    const cy = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
    if (r.bottom < 0 || r.top > innerHeight || r.right < 0 || r.left > innerWidth) return `${id}: focused but off screen`;
    const hit = document.elementFromPoint(cx, cy);
    if (hit && hit.closest('[data-testid="toast"]') && !el.closest('[data-testid="toast"]')) return `${id}: under a toast`;
    // tabindex=-1 targets (a heading the page moved focus to) need no ring of their own, and
    // after a click the ring may stay hidden (WCAG 2.4.7 asks for it when the keyboard is used).
    if (el.tabIndex < 0 || document.documentElement.dataset['input'] !== 'keyboard') return null;
    const cs = getComputedStyle(el);
    const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
    const ring = cs.boxShadow !== 'none';
    return outline || ring ? null : `${id}: no visible focus indicator (outline ${cs.outlineStyle} ${cs.outlineWidth})`;
  });
}

/** A main landmark and exactly one h1 (dialogs aside: their title is their heading). */
export async function structureProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    if (document.querySelectorAll('main, [role="main"]').length !== 1) out.push(`main landmarks: ${document.querySelectorAll('main, [role="main"]').length}`);
    // Rendered ones (a visually hidden h1 still has a box; one in a hidden tab panel has none).
    const h1 = [...document.querySelectorAll('h1')].filter((h) => h.getClientRects().length > 0);
    if (h1.length !== 1) out.push(`visible h1: ${h1.length}`);
    return out;
  });
}

/**
 * Merges this suite's axe counts into test-results/axe.json. Each suite writes its own part
 * and then the merge of all parts, so the file is whole after the last suite, whatever the order.
 */
export function writeAxeCounts(suite: string, counts: Record<string, number>): void {
  const parts = join(RESULTS_DIR, 'axe-parts');
  mkdirSync(parts, { recursive: true });
  writeFileSync(join(parts, `${suite}.json`), JSON.stringify(counts, null, 2));
  const all: Record<string, number> = {};
  for (const f of readdirSync(parts)) if (f.endsWith('.json')) Object.assign(all, JSON.parse(readFileSync(join(parts, f), 'utf8')) as Record<string, number>);
  const tmp = join(RESULTS_DIR, `axe.json.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(Object.fromEntries(Object.entries(all).sort(([a], [b]) => a.localeCompare(b))), null, 2) + '\n');
  renameSync(tmp, join(RESULTS_DIR, 'axe.json'));
}
