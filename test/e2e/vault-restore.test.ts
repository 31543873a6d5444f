// Restore in the app (Chromium, the built renderer over the real handlers): the admin chooses a
// backup, sees what it holds (read from inside it), and only then confirms with the password; a
// backup from before a key rotation is opened with the password valid then and names the
// operator it would bring back. Cancel restores nothing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENDERER_DIR, startHarness, type Harness } from '../helpers/app-harness.ts';
import { ADMIN_OP, responsesOf, signIn } from '../helpers/e2e.ts';
import { foldKey } from '../../main/core/text.ts';
import en from '../../renderer/src/locales/en.json';

const RENDERER_BUILT = existsSync(join(RENDERER_DIR, 'index.html'));
const AGENT = { name: 'ola.agent', displayName: 'Ola Agent', email: 'ola.agent@example.no', password: 'Agentpassord for testen 2026' };

describe.skipIf(!RENDERER_BUILT)('restore with a preview on the Vault screen (Chromium)', () => {
  let h: Harness;
  const $ = (id: string) => h.page.getByTestId(id);
  const text = async (id: string) => (await $(id).textContent()) ?? '';
  type Api = Record<string, (req: unknown) => Promise<{ ok: boolean; value?: any; error?: { code: string } }>>;
  const api = (channel: string, req: unknown) => h.page.evaluate(([c, r]) => (window as unknown as { api: Api }).api[c as string]!(r), [channel, req] as const);
  const addUser = (email: string) =>
    h.controller.store().write((tx) => tx.users.insert({ externalId: null, email, emailKey: foldKey(email), name: email, nameKey: foldKey(email), phone: null, organization: null, status: 'active' }, Date.now()));

  beforeAll(async () => {
    h = await startHarness();
    await $('welcome-vault').click();
    await $('first-run').waitFor();
    const r = await api('session:first-run', { name: ADMIN_OP.name, displayName: ADMIN_OP.displayName, password: ADMIN_OP.password });
    if (!r.ok) throw new Error(`first run: ${r.error?.code}`);
    h.controller.lock('manual');
    await h.page.reload();
    await signIn(h, ADMIN_OP.name, ADMIN_OP.password);
    await $('search-input').waitFor({ timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it('shows what the backup holds before it asks; a wrong password keeps the vault; the right one restores and locks', async () => {
    await addUser('kari@example.no');
    await $('nav-vault').click();
    await $('vault-screen').waitFor();
    const file = join(h.tmp, 'vault.fdbackup');
    h.saveAnswers.backup = file;
    await $('vault-backup').click();
    await expect.poll(() => existsSync(file)).toBe(true);
    // Changed after the backup: the preview shows the backup's one user, not the vault's two.
    await addUser('ola@example.no');
    h.openAnswers.backup = file;
    await $('vault-restore').click();
    await $('dialog-restore').waitFor();
    // Cancel before choosing: nothing was asked of main.
    await $('dialog-cancel').click();
    await $('dialog-restore').waitFor({ state: 'detached' });
    expect(responsesOf(h, 'vault:restore-preview')).toHaveLength(0);

    await $('vault-restore').click();
    await $('dialog-confirm').click();
    await $('restore-preview').waitFor();
    expect(await text('restore-fact-vault')).toContain(en.vault.restoreFacts.thisVault);
    expect(await text('restore-fact-users')).toContain('1');
    expect(await text('restore-fact-operators')).toContain('1');
    // Confirm with no password: asked for, nothing restored.
    await $('dialog-confirm').click();
    await expect.poll(() => h.page.getByText(en.vault.restoreNeedPassword).count()).toBe(1);
    await $('restore-password').fill('not the password at all');
    await $('dialog-confirm').click();
    await expect.poll(() => responsesOf(h, 'vault:restore').length).toBe(1);
    expect(responsesOf(h, 'vault:restore')[0]).toMatchObject({ ok: false, error: { code: 'SIGNIN_FAILED' } });
    expect(await $('dialog-restore').isVisible()).toBe(true);
    expect(((await api('vault:info', {})).value as { users: number }).users).toBe(2);
    await $('restore-password').fill(ADMIN_OP.password);
    await $('dialog-confirm').click();
    await $('signin-form').waitFor({ timeout: 30_000 });
    await signIn(h, ADMIN_OP.name, ADMIN_OP.password);
    await $('search-input').waitFor({ timeout: 60_000 });
    await $('nav-vault').click();
    await expect.poll(async () => ((await api('vault:info', {})).value as { users: number }).users).toBe(1);
    // The files the restore kept aside are named, and deleted only after a second, explicit step.
    await $('vault-kept').waitFor();
    await $('vault-kept-delete').click();
    await $('vault-kept-confirm').click();
    await $('vault-kept').waitFor({ state: 'detached' });
    expect(((await api('vault:info', {})).value as { keptAside: number }).keptAside).toBe(0);
  });

  it('a backup from before a key rotation opens with the password valid then and names the operator it brings back; Cancel keeps the vault', async () => {
    const added = await api('operators:add', { name: AGENT.name, displayName: AGENT.displayName, role: 'agent', email: AGENT.email, password: AGENT.password });
    expect(added.ok).toBe(true);
    const file = join(h.tmp, 'before-rotation.fdbackup');
    h.saveAnswers.backup = file;
    await $('vault-backup').click();
    await expect.poll(() => existsSync(file)).toBe(true);
    expect((await api('operators:remove', { operatorId: added.value.id })).ok).toBe(true);
    await h.controller.whenOpen(); // the key rotation after the removal
    h.openAnswers.backup = file;
    await $('vault-restore').click();
    await $('dialog-confirm').click();
    await $('restore-locked').waitFor();
    expect(await $('restore-preview').count()).toBe(0);
    await $('restore-password').fill(ADMIN_OP.password);
    await $('dialog-confirm').click();
    await $('restore-preview').waitFor();
    expect(await text('restore-revived')).toContain(AGENT.name);
    expect(await text('restore-fact-operators')).toContain('2');
    await h.screenshot('vault-restore-revived');
    await $('dialog-cancel').click();
    await $('dialog-restore').waitFor({ state: 'detached' });
    expect(responsesOf(h, 'vault:restore').filter((r) => r.ok)).toHaveLength(1);
    expect(h.controller.publicSession()).not.toBe(null);
  });
});
