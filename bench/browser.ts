// Renderer figures in real Chromium: load → interactive sign-in screen, and keystroke → results
// shown, through the built renderer and the real handlers (the end-to-end harness).
import { startHarness } from '../test/helpers/app-harness.ts';
import { figure, pct, type Figure } from './stats.ts';

/** Measures the renderer over an existing vault; the operator signs in through the UI. */
export async function browserFigures(vaultDir: string, admin: { name: string; password: string }, prefixes: string[]): Promise<Figure[]> {
  const h = await startHarness({ vaultDir });
  try {
    const { page } = h;
    const loads: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = Date.now();
      await page.reload();
      await page.locator('[data-testid="signin-submit"]').waitFor({ state: 'visible' });
      await page.waitForFunction(() => !(document.querySelector('[data-testid="signin-submit"]') as HTMLButtonElement | null)?.disabled);
      loads.push(Date.now() - t0);
    }
    loads.sort((a, b) => a - b);
    await page.getByLabel(/name|navn/i).first().fill(admin.name);
    await page.locator('input[type="password"]').first().fill(admin.password);
    await page.locator('[data-testid="signin-submit"]').click();
    const search = page.locator('[data-testid="search-input"]');
    await search.waitFor({ state: 'visible', timeout: 60_000 });
    // In-page timing: from the keydown of the last character to the results list changing.
    await page.evaluate(() => {
      const w = window as unknown as { __kd: number; __done: number[] };
      w.__done = [];
      document.addEventListener('keydown', () => (w.__kd = performance.now()), true);
      new MutationObserver(() => {
        if (document.querySelector('[data-testid="lookup-results"] [data-testid="lookup-result"]')) w.__done.push(performance.now() - w.__kd);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const keys: number[] = [];
    for (const p of prefixes) {
      await search.fill(p.slice(0, -1));
      await page.waitForTimeout(150);
      await page.evaluate(() => ((window as unknown as { __done: number[] }).__done = []));
      await search.press(p.slice(-1));
      await page.waitForFunction(() => (window as unknown as { __done: number[] }).__done.length > 0, undefined, { timeout: 10_000 }).catch(() => {});
      const first = await page.evaluate(() => (window as unknown as { __done: number[] }).__done[0] ?? NaN);
      keys.push(first);
    }
    keys.sort((a, b) => a - b);
    return [
      figure('renderer load → interactive sign-in (median of 20)', pct(loads, 50), 'ms', '—', () => true),
      figure('keystroke → results shown in Chromium (median of 20)', pct(keys, 50), 'ms', '—', () => true),
      figure('keystroke → results shown in Chromium p95', pct(keys, 95), 'ms', '< 50 ms', (v) => v < 50),
    ];
  } finally {
    await h.close();
  }
}
