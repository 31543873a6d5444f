// Two-person approval in the app (Chromium, the built renderer over the real handlers): Anne's
// one-time code for a privileged user waits; Kim (another admin) sees the request count in the
// top bar and approves it by keyboard; Anne runs it with "Run now" and sees the code once.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENDERER_DIR, startHarness, type Harness } from '../helpers/app-harness.ts';
import { ADMIN_OP, signIn } from '../helpers/e2e.ts';
import { addOperator } from '../../main/core/operators.ts';
import { upsertUser } from '../../main/core/users.ts';
import { setUserPrivileged } from '../../main/core/approvals.ts';
import { issueOneTimeCode } from '../../main/core/one-time-codes.ts';

const RENDERER_BUILT = existsSync(join(RENDERER_DIR, 'index.html'));
const KIM = { name: 'kim', displayName: 'Kim Lund', password: 'Sommerfugl over Hardangervidda 2026' };

describe.skipIf(!RENDERER_BUILT)('approvals in the top bar (Chromium)', () => {
  let h: Harness;
  let id = 0;
  const $ = (testId: string) => h.page.getByTestId(testId);

  beforeAll(async () => {
    h = await startHarness();
    await $('welcome').waitFor();
    const r = await h.page.evaluate((op) => (window as unknown as { api: Record<string, (req: unknown) => Promise<{ ok: boolean; error?: { code: string } }>> }).api['session:first-run']!(op), {
      name: ADMIN_OP.name,
      displayName: ADMIN_OP.displayName,
      password: ADMIN_OP.password,
    });
    if (!r.ok) throw new Error(`first run: ${r.error?.code}`);
    const store = h.controller.store();
    const anne = h.controller.session!;
    await addOperator(store, anne, { ...KIM, role: 'admin' });
    const user = await upsertUser(store, anne, { email: 'kari@example.no', name: 'Kari Nordmann' });
    await setUserPrivileged(store, anne, user.user.id, true);
    const asked = await issueOneTimeCode(store, anne, user.user.id, { checks: ['callback'], ticket: 'HD-42', reason: 'Lost phone' }).catch((e: { code: string; details: { approvalId: number } }) => e);
    expect(asked).toMatchObject({ code: 'APPROVAL_PENDING' });
    id = (asked as { details: { approvalId: number } }).details.approvalId;
    h.controller.lock('manual');
    await h.page.reload();
    await signIn(h, KIM.name, KIM.password);
    await $('search-input').waitFor({ timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it('another admin approves by keyboard; the requester runs it and sees the code once', async () => {
    await expect.poll(() => $('approvals-count').textContent()).toBe('1');
    expect(await $('status-approvals').textContent()).toContain('1 approval waiting for you');
    // The status bar also says how old the last backup is (none yet here).
    expect(await $('status-backup').textContent()).toContain('No backup yet');
    await $('approvals-button').focus();
    await h.page.keyboard.press('Enter');
    await $('approvals-dialog').waitFor();
    expect(await $(`approval-${id}`).textContent()).toContain('privileged user');
    expect(await $(`approval-${id}`).textContent()).toContain('HD-42');
    // Rejecting needs a reason: refused in the dialog, nothing sent.
    await $(`approval-reject-${id}`).click();
    await $('approvals-error').waitFor();
    await $(`approval-approve-${id}`).focus();
    await h.page.keyboard.press('Enter');
    await expect.poll(() => $(`approval-status-${id}`).textContent()).toBe('approved');
    await h.page.keyboard.press('Escape');
    expect((await h.controller.store().read((tx) => tx.audit.list({ action: 'approval.approved' })))[0]).toMatchObject({ operator: KIM.name, details: { approvalId: id } });

    h.controller.lock('manual');
    await h.page.reload();
    await signIn(h, ADMIN_OP.name, ADMIN_OP.password);
    await $('search-input').waitFor({ timeout: 60_000 });
    await expect.poll(() => $('approvals-count').textContent()).toBe('1');
    await $('approvals-button').click();
    await $(`approval-run-${id}`).click();
    await $('approval-result').waitFor();
    expect(await $('approval-result').textContent()).toMatch(/\d{4}\s?\d{4}/);
    expect((await h.controller.store().read((tx) => tx.approvals.get(id)))?.status).toBe('done');
    // It runs once: the button is gone.
    expect(await $(`approval-run-${id}`).count()).toBe(0);
    await h.page.keyboard.press('Escape');
  });

  it("an admin sees a privileged user marked on the user's page and can unmark them", async () => {
    await expect.poll(() => $('approvals-dialog').count()).toBe(0);
    await $('search-input').fill('kari@example.no');
    // Enter opens the highlighted match once the lookup has answered.
    await $('lookup-results').getByText('kari@example.no').first().waitFor();
    await $('search-input').press('Enter');
    await $('user-privileged').waitFor();
    expect(await $('user-privileged').textContent()).toContain('Privileged');
    await $('user-mark-privileged').click();
    await expect.poll(() => $('user-privileged').count()).toBe(0);
    expect((await h.controller.store().read((tx) => tx.audit.list({ action: 'user.privileged' })))[0]).toMatchObject({ details: { privileged: false } });
  });

  it('the settings screen sends every one-time code for approval when ticked, and keeps the request lifetime in range', async () => {
    await $('nav-settings').click();
    await $('settings-approvals').waitFor();
    await $('settings-approve-otc').click();
    await $('settings-approvalMinutes').fill('2');
    expect(await $('settings-save').isDisabled()).toBe(true);
    await $('settings-approvalMinutes').fill('45');
    await $('settings-save').click();
    await expect.poll(async () => (await h.controller.store().read((tx) => tx.settings.all())).filter((r) => r.key === 'approveEveryOneTimeCode' || r.key === 'approvalMinutes').map((r) => `${r.key}=${r.value}`).sort()).toEqual(['approvalMinutes=45', 'approveEveryOneTimeCode=true']);
  });
});
