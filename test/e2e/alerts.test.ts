// Alerts in the app (Chromium, the built renderer over the real handlers): an admin sees the
// open alert count in the top bar, opens the list by keyboard, acknowledges one, and the count
// drops; the acknowledgement is in the audit log.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENDERER_DIR, startHarness, type Harness } from '../helpers/app-harness.ts';
import { ADMIN_OP, signIn } from '../helpers/e2e.ts';

const RENDERER_BUILT = existsSync(join(RENDERER_DIR, 'index.html'));

describe.skipIf(!RENDERER_BUILT)('alerts in the top bar (Chromium)', () => {
  let h: Harness;
  const $ = (id: string) => h.page.getByTestId(id);

  beforeAll(async () => {
    h = await startHarness();
    await $('welcome-vault').click();
    await $('first-run').waitFor();
    const r = await h.page.evaluate((op) => (window as unknown as { api: Record<string, (req: unknown) => Promise<{ ok: boolean; error?: { code: string } }>> }).api['session:first-run']!(op), {
      name: ADMIN_OP.name,
      displayName: ADMIN_OP.displayName,
      password: ADMIN_OP.password,
    });
    if (!r.ok) throw new Error(`first run: ${r.error?.code}`);
    // Two events the rules turn into alerts, written as a service would.
    await h.controller.store().write(async (tx) => {
      await tx.audit.append({ action: 'velocity.exceeded', operator: 'per', userEmail: 'kari@example.no', outcome: 'refused', details: { via: 'app' } }, 1);
      await tx.audit.append({ action: 'signin.locked', operator: null, outcome: 'refused', details: { name: 'per' } }, 2);
    });
    h.controller.lock('manual');
    await h.page.reload();
    await signIn(h, ADMIN_OP.name, ADMIN_OP.password);
    await $('search-input').waitFor({ timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it('shows the count, lists the alerts and acknowledges one by keyboard', async () => {
    await expect.poll(() => $('alerts-count').textContent()).toBe('2');
    await $('alerts-button').focus();
    await h.page.keyboard.press('Enter');
    await $('alerts-dialog').waitFor();
    const [first] = await h.controller.store().read((tx) => tx.alerts.list({}));
    expect(await $(`alert-${first!.id}`).textContent()).toContain('Operator sign-in locked');
    await $(`alert-ack-${first!.id}`).focus();
    await h.page.keyboard.press('Enter');
    await expect.poll(() => $(`alert-${first!.id}`).count()).toBe(0);
    await h.page.keyboard.press('Escape');
    await expect.poll(() => $('alerts-count').textContent()).toBe('1');
    const acks = await h.controller.store().read((tx) => tx.audit.list({ action: 'alert.acknowledged' }));
    expect(acks).toHaveLength(1);
    expect(acks[0]).toMatchObject({ operator: ADMIN_OP.name, details: { alertId: first!.id, kind: 'signin-lock' } });
  });
});
