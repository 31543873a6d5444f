// Restore in the app with a preview first (vault:restore-preview): the chosen backup is opened
// with the vault's key (or, for one from before a key rotation, the password valid then) and
// what it holds is read from inside it; the restore that follows takes the preview's id, never a
// path, and nothing changes until it is confirmed.
import { afterEach, expect, it } from 'vitest';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { makeApp } from '../helpers/app.ts';
import { ADMIN, AGENT } from '../helpers/vault.ts';
import { foldKey } from '../../main/core/text.ts';

const apps: Array<ReturnType<typeof makeApp>> = [];
afterEach(() => {
  while (apps.length) apps.pop()!.cleanup();
});

async function started() {
  const app = makeApp();
  apps.push(app);
  await app.firstRun();
  return app;
}

async function addUser(app: ReturnType<typeof makeApp>, email: string) {
  await app.controller.store().write((tx) => tx.users.insert({ externalId: null, email, emailKey: foldKey(email), name: email, nameKey: foldKey(email), phone: null, organization: null, status: 'active' }, app.clock.now()));
}

async function backup(app: ReturnType<typeof makeApp>, name = 'backup.fdbackup') {
  const file = join(app.tmp, name);
  app.saved.backup = file;
  expect((await app.call('vault:backup', {})).ok).toBe(true);
  return file;
}

/** The value of an answer that must have succeeded. */
function val(r: { ok: boolean; value?: any; error?: { code: string } }): any {
  if (!r.ok) throw new Error(`expected success, got ${r.error!.code}`);
  return r.value;
}

const vaultFiles = (app: ReturnType<typeof makeApp>) => readdirSync(join(app.tmp, 'vault')).sort();

it('shows what the backup holds, read from inside it, then restores that file by the preview id', async () => {
  const app = await started();
  await addUser(app, 'kari@example.no');
  const infoAtBackup = await app.call('vault:info', {});
  const newestAtBackup = val(await app.call('audit:list', { limit: 1 }))[0].at;
  app.clock.advance(60_000);
  const file = await backup(app);
  // Changes after the backup: the preview shows the backup's contents, not the vault's.
  await addUser(app, 'ola@example.no');
  await addUser(app, 'per@example.no');
  const before = vaultFiles(app);
  const eventsBefore = val(await app.call('audit:list', {})).length;
  app.opened.backup = file;
  const r = await app.call('vault:restore-preview', {});
  expect(r).toMatchObject({ ok: true, value: { fileName: 'backup.fdbackup', preview: { thisVault: true, users: 1, operators: 1, revived: [] } } });
  const p = val(r);
  expect(p.previewId).toMatch(/^[0-9a-f]{16}$/);
  // The backup's events: those of the vault when it was made (its own backup event comes after).
  expect(p.preview.auditEvents).toBe(val(infoAtBackup).auditEvents);
  expect(p.preview.lastEventAt).toBe(newestAtBackup);
  expect(p.preview.vaultId).toBe(app.controller.vault().vaultId);
  // The preview changed nothing: no files left beside the vault, no event, the same users.
  expect(vaultFiles(app)).toEqual(before);
  expect(val(await app.call('audit:list', {})).length).toBe(eventsBefore);
  expect(val(await app.call('vault:info', {})).users).toBe(3);

  // The restore takes the preview's file, not whatever the dialog would pick now.
  app.opened.backup = null;
  expect(await app.call('vault:restore', { password: 'not the password at all', previewId: p.previewId })).toMatchObject({ ok: false, error: { code: 'SIGNIN_FAILED' } });
  expect(await app.call('vault:restore', { password: ADMIN.password, previewId: p.previewId })).toMatchObject({ ok: true, value: { restored: true } });
  expect((await app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password })).ok).toBe(true);
  expect(val(await app.call('vault:info', {})).users).toBe(1);
  // Used: the same id restores nothing again.
  expect(await app.call('vault:restore', { password: ADMIN.password, previewId: p.previewId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
});

it('a cancelled choice or an unknown preview id restores nothing', async () => {
  const app = await started();
  const file = await backup(app);
  await addUser(app, 'kari@example.no');
  app.opened.backup = null;
  expect(await app.call('vault:restore-preview', {})).toEqual({ ok: true, value: { previewId: null, fileName: null, preview: null } });
  app.opened.backup = file;
  expect(await app.call('vault:restore', { password: ADMIN.password, previewId: '0123456789abcdef' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  // A new choice replaces the earlier preview: its id no longer restores.
  const first = await app.call('vault:restore-preview', {});
  const second = await app.call('vault:restore-preview', {});
  expect(val(first).previewId).not.toBe(val(second).previewId);
  expect(await app.call('vault:restore', { password: ADMIN.password, previewId: val(first).previewId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  expect(val(await app.call('vault:info', {})).users).toBe(1);
  expect(vaultFiles(app).filter((f) => f.includes('before-restore'))).toEqual([]);
  // A path or a made-up field from the page is refused by the schema.
  expect(await app.call('vault:restore', { password: ADMIN.password, path: file } as never)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
});

it('a backup from before a key rotation opens with the password valid then, and names the operator it would revive', async () => {
  const app = await started();
  const added = await app.call('operators:add', { name: AGENT.name, displayName: AGENT.displayName, role: 'agent', email: AGENT.email, password: AGENT.password });
  expect(added.ok).toBe(true);
  const file = await backup(app);
  expect((await app.call('operators:remove', { operatorId: val(added).id })).ok).toBe(true);
  await app.controller.whenOpen(); // the key rotation after the removal
  app.opened.backup = file;
  const r = await app.call('vault:restore-preview', {});
  // The current key does not open it: nothing is shown from its header.
  expect(r).toMatchObject({ ok: true, value: { fileName: 'backup.fdbackup', preview: null } });
  const previewId = val(r).previewId;
  expect(await app.call('vault:restore-preview', { previewId, password: 'wrong password entirely' })).toMatchObject({ ok: false, error: { code: 'SIGNIN_FAILED' } });
  expect(await app.call('vault:restore-preview', { previewId: 'ffffffffffffffff', password: ADMIN.password })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  const opened = await app.call('vault:restore-preview', { previewId, password: ADMIN.password });
  expect(opened).toMatchObject({ ok: true, value: { previewId, preview: { thisVault: true, operators: 2, users: 0, revived: [{ kind: 'operator', label: AGENT.name }] } } });
  expect(await app.call('vault:restore', { password: ADMIN.password, previewId })).toMatchObject({ ok: true, value: { restored: true, revived: [{ kind: 'operator', label: AGENT.name }] } });
});

it('another vault’s backup: the key does not open it, the password shows it is another vault, and the restore is refused', async () => {
  const other = await started();
  await addUser(other, 'someone@example.no');
  const file = await backup(other, 'other.fdbackup');
  const app = await started();
  app.opened.backup = file;
  const r = await app.call('vault:restore-preview', {});
  expect(r).toMatchObject({ ok: true, value: { preview: null } });
  // The same admin name and password open it (both test vaults have them): it says whose it is.
  const opened = await app.call('vault:restore-preview', { previewId: val(r).previewId, password: ADMIN.password });
  expect(opened).toMatchObject({ ok: true, value: { preview: { thisVault: false, users: 1, revived: [] } } });
  expect(val(opened).preview.vaultId).toBe(other.controller.vault().vaultId);
  expect(val(opened).preview.vaultId).not.toBe(app.controller.vault().vaultId);
  expect(await app.call('vault:restore', { password: ADMIN.password, previewId: val(r).previewId })).toMatchObject({ ok: false, error: { code: 'CONFLICT', details: { reason: 'other-vault' } } });
  expect(val(await app.call('vault:info', {})).users).toBe(0);
});

it('a damaged backup is refused by the preview', async () => {
  const app = await started();
  const { writeFileSync } = await import('node:fs');
  const bad = join(app.tmp, 'bad.fdbackup');
  writeFileSync(bad, 'not a backup at all');
  app.opened.backup = bad;
  expect(await app.call('vault:restore-preview', {})).toMatchObject({ ok: false, error: { code: 'BACKUP_INVALID' } });
});

it('a backup whose database bytes were changed (checksum fixed up to match) shows nothing from inside it', async () => {
  const app = await started();
  const file = await backup(app);
  const { createHash } = await import('node:crypto');
  const { readFileSync, writeFileSync } = await import('node:fs');
  const raw = readFileSync(file);
  const magicEnd = raw.indexOf(10) + 1;
  const headerEnd = raw.indexOf(10, magicEnd);
  const header = JSON.parse(raw.subarray(magicEnd, headerEnd).toString('utf8'));
  const data = Buffer.from(raw.subarray(headerEnd + 1));
  data[200] = data[200]! ^ 0xff; // inside page 1, past the cipher's salt: its page MAC no longer matches
  header.dbSha256 = createHash('sha256').update(data).digest('hex');
  const forged = Buffer.concat([raw.subarray(0, magicEnd), Buffer.from(JSON.stringify(header) + '\n'), data]);
  writeFileSync(file, forged);
  app.opened.backup = file;
  const r = await app.call('vault:restore-preview', {});
  expect(r).toMatchObject({ ok: true, value: { preview: null } });
  expect(await app.call('vault:restore-preview', { previewId: val(r).previewId, password: ADMIN.password })).toMatchObject({ ok: false, error: { code: 'WRONG_KEY' } });
  expect(vaultFiles(app).filter((f) => f.includes('preview'))).toEqual([]);
});
