// Looking people up in a directory of about 50,000 users, in real Chromium through the built
// renderer and the real handlers (test/helpers/app-harness.ts): typing "kari" shows Kari Nordmann
// among the first results with a match count on top, the disabled Kari Nordmann is not the one
// pre-selected, and the full "per.olsen" puts per.olsen@example.no first. The directory is written
// through the store's own users repository in one transaction (as an import's rows are).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENDERER_DIR, startHarness, type Harness } from '../helpers/app-harness.ts';
import { ADMIN_OP, KARI, KARI_A, PER, signIn } from '../helpers/e2e.ts';
import { foldKey } from '../../main/core/text.ts';
import type { UserFieldsRecord } from '../../main/store/repos/users.ts';

const RENDERER_BUILT = existsSync(join(RENDERER_DIR, 'index.html'));

// Generated people (as in writeHrExport): no first name is or starts with "kari" or "per".
const FIRST = ['Anne', 'Bjørn', 'Camilla', 'Dag', 'Eirik', 'Frida', 'Geir', 'Hilde', 'Ingrid', 'Jon', 'Knut', 'Liv', 'Magnus', 'Nina', 'Oddvar', 'Randi', 'Sindre', 'Tone', 'Uno', 'Vibeke', 'Øystein', 'Åse'];
const LAST = ['Berg', 'Dahl', 'Eide', 'Fjeld', 'Haugen', 'Johansen', 'Lie', 'Moen', 'Næss', 'Pedersen', 'Solberg', 'Strand', 'Tangen', 'Vik', 'Aas'];
const GENERATED = 50_000;

type Person = { email: string; name: string; status?: 'active' | 'disabled' };
const SPECIAL: Person[] = [
  KARI,
  KARI_A,
  PER,
  // Three Kari Nordmanns; the disabled one has the email that sorts first.
  { email: 'kari.nordmann@example.com', name: 'Kari Nordmann', status: 'disabled' },
  { email: 'kari.nordmann2@example.no', name: 'Kari Nordmann' },
  // Thirty people of one name whose emails sort before Kari Nordmann's.
  ...Array.from({ length: 30 }, (_, i) => ({ email: `kari-anne.ali${String(i).padStart(2, '0')}@example.no`, name: 'Kari-Anne Ali' })),
  { email: 'karianne.moe@example.no', name: 'Karianne Moe' },
  // A disabled user whose email's local part is "kari": ranked first, but not pre-selected.
  { email: 'kari@example.no', name: 'Kari Utvik', status: 'disabled' },
  // Thirteen longer emails starting with per.olsen (they sort before "per.olsen@").
  ...Array.from({ length: 13 }, (_, i) => ({ email: `per.olsen${i + 1}@example.no`, name: 'Per Olsen' })),
];

function fields(p: Person): UserFieldsRecord {
  return { externalId: null, email: p.email, emailKey: foldKey(p.email), name: p.name, nameKey: foldKey(p.name), phone: null, organization: 'Eksempel AS', status: p.status ?? 'active' };
}

describe.skipIf(!RENDERER_BUILT)('lookup in a 50,000-user directory (Chromium)', () => {
  let h: Harness;
  const pageErrors: string[] = [];
  const $ = (id: string) => h.page.getByTestId(id);

  beforeAll(async () => {
    h = await startHarness();
    h.page.on('pageerror', (e) => pageErrors.push(String(e)));
    // First run through the page's own bridge (the first-run screen is tested in the journeys).
    await $('welcome').waitFor();
    const r = await h.page.evaluate((op) => (window as unknown as { api: Record<string, (req: unknown) => Promise<{ ok: boolean; error?: { code: string } }>> }).api['session:first-run']!(op), {
      name: ADMIN_OP.name,
      displayName: ADMIN_OP.displayName,
      password: ADMIN_OP.password,
    });
    if (!r.ok) throw new Error(`first run: ${r.error?.code}`);
    await h.controller.store().write(async (tx) => {
      for (let i = 0; i < GENERATED; i++) {
        const first = FIRST[i % FIRST.length]!;
        const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
        const email = `${first}.${last}.${String(i + 1).padStart(5, '0')}@example.no`.toLowerCase().replace(/ø/g, 'o').replace(/å/g, 'a').replace(/æ/g, 'ae');
        await tx.users.insert(fields({ email, name: `${first} ${last}` }), 1);
      }
      for (const p of SPECIAL) await tx.users.insert(fields(p), 1);
    });
    expect(await h.controller.store().read((tx) => tx.users.count())).toBe(GENERATED + SPECIAL.length);
    h.controller.lock('manual');
    await h.page.reload();
    await signIn(h, ADMIN_OP.name, ADMIN_OP.password);
    await $('search-input').waitFor({ timeout: 60_000 });
  }, 240_000);

  afterAll(async () => {
    await h?.close();
  });

  /** Types `query` into the search box and waits for the answer to all of it. */
  async function lookFor(query: string): Promise<Array<{ email: string; name: string; selected: boolean }>> {
    await $('search-input').fill('');
    await $('search-input').focus();
    await h.page.keyboard.type(query, { delay: 20 });
    await h.page.waitForFunction((q) => {
      const list = document.querySelector('[data-testid="lookup-results"]');
      return list?.getAttribute('data-answered') === q && list.getAttribute('aria-busy') !== 'true';
    }, query);
    return $('lookup-result').evaluateAll((els) => els.map((e) => ({ email: e.getAttribute('data-email') ?? '', name: e.querySelector('.result-name')?.firstChild?.textContent ?? '', selected: e.getAttribute('aria-selected') === 'true' })));
  }

  /** Whether `el` is fully inside the visible part of the results panel and of the window. */
  const inView = (id: string) =>
    $(id).evaluate((el) => {
      const r = el.getBoundingClientRect();
      const panel = document.querySelector('[data-testid="results-panel"]')!.getBoundingClientRect();
      return r.height > 0 && r.top >= panel.top && r.bottom <= Math.min(panel.bottom, window.innerHeight);
    });

  it('"kari" shows Kari Nordmann among the first results, the count and the "type more" hint on top', async () => {
    const results = await lookFor('kari');
    // The local part "kari" first; then the whole-word matches, active ones by name (Kari Andersen,
    // the two active Kari Nordmanns), then the Kari-Anne Alis.
    expect(results.slice(0, 4).map((r) => `${r.name} ${r.email}`)).toEqual(['Kari Utvik kari@example.no', `${KARI_A.name} ${KARI_A.email}`, 'Kari Nordmann kari.nordmann2@example.no', `${KARI.name} ${KARI.email}`]);
    expect(results.slice(4).map((r) => r.name)).toEqual(Array(26).fill('Kari-Anne Ali'));
    // Kari Utvik, Kari Andersen, 3 Kari Nordmann, 30 Kari-Anne Ali, Karianne Moe.
    await expect.poll(() => $('lookup-count').textContent()).toBe('36 matches');
    expect(await $('lookup-more').textContent()).toContain('More users match');
    expect(await inView('lookup-count')).toBe(true);
    expect(await inView('lookup-more')).toBe(true);
    // The disabled Kari Utvik is not pre-selected: the first active user is.
    expect(results.filter((r) => r.selected).map((r) => r.email)).toEqual([KARI_A.email]);
    await h.screenshot('lookup-kari-50k');
  });

  it('"kari.nordmann" lists the two with that local part first, the active one pre-selected', async () => {
    const results = await lookFor('kari.nordmann');
    expect(results.map((r) => r.email)).toEqual([KARI.email, 'kari.nordmann@example.com', 'kari.nordmann2@example.no']);
    expect(results.find((r) => r.selected)?.email).toBe(KARI.email);
    expect(await $('lookup-count').textContent()).toBe('3 matches');
    expect(await $('lookup-more').count()).toBe(0);
    await h.page.keyboard.press('Enter');
    await expect.poll(() => $('user-name').textContent()).toContain(KARI.name);
  });

  it('"per.olsen" puts per.olsen@example.no first', async () => {
    const results = await lookFor('per.olsen');
    expect(results).toHaveLength(14);
    expect(results[0]).toMatchObject({ email: PER.email, selected: true });
    expect(await $('lookup-count').textContent()).toBe('14 matches');
  });

  it('a short prefix at 50,000 users says 1,000+; in Norwegian the count reads "N treff"', async () => {
    await lookFor('a');
    expect(await $('lookup-count').textContent()).toBe('1,000+ matches');
    expect(await $('lookup-more').textContent()).toContain('More users match');
    // Lock (Ctrl+L), switch the sign-in screen to Norwegian, sign in again.
    await h.page.keyboard.press('Control+L');
    await $('lang-nb').click();
    await signIn(h, ADMIN_OP.name, ADMIN_OP.password);
    await $('search-input').waitFor({ timeout: 60_000 });
    await lookFor('kari');
    expect(await $('lookup-count').textContent()).toBe('36 treff');
    expect(await $('lookup-more').textContent()).toContain('Flere brukere passer');
    await lookFor('a');
    expect((await $('lookup-count').textContent())?.replace(/\s/g, ' ')).toBe('1 000+ treff');
    await h.screenshot('lookup-kari-50k-nb');
    expect(pageErrors).toEqual([]);
  });
});
