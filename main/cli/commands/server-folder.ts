/**
 * `server init` and `server recover-key` on a vault folder (the embedded store of a server). A
 * fresh folder gets a new vault (as the solo first run) whose recovery key also re-creates the
 * server key file; a folder with a solo vault in it is unlocked with an admin's password once
 * and made servable. Either way the vault gets a server slot, opened from then on by the key
 * file alone (main/store/sqlite/served.ts).
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fail } from '../../core/errors.ts';
import { systemRandom } from '../../core/clock.ts';
import { assertPassword } from '../../core/passwords.ts';
import type { SiteBasics } from '../../core/settings.ts';
import type { Session } from '../../core/session.ts';
import type { ServerStore } from '../../store/port.ts';
import { serverKeyRecords, setUpServedVault } from '../../core/server-auth.ts';
import { escrowKeys, keyCheck, newServerKeys, openEscrow, signingPublicKey, valueSealer, writeKeyFile, type ServerKeys } from '../../server/server-key.ts';
import { createVault } from '../../store/sqlite/first-run.ts';
import { signIn } from '../../store/sqlite/unlock.ts';
import { parseRawKey } from '../../store/sqlite/key-slots.ts';
import { addServerSlot, folderHoldsVault, folderVaultId, openServedVault, readEscrowFile, writeEscrowFile } from '../../store/sqlite/served.ts';
import type { Vault } from '../../store/sqlite/vault.ts';
import { storeOf } from '../../store/sqlite/sqlite-store.ts';
import { canPrompt, readHidden } from '../prompt.ts';
import type { Context } from '../context.ts';
import type { Outcome } from '../output.ts';

export interface FolderInit {
  dir: string;
  keyPath: string;
  name: string;
  displayName: string;
  email: string | null;
  site: SiteBasics;
}

/** `server init --store FOLDER`: creates or adopts the vault, then sets it up for the server. */
export async function initFolderServer(ctx: Context, a: FolderInit): Promise<Outcome> {
  const env = { dir: a.dir, clock: ctx.clock, random: systemRandom };
  const existing = folderHoldsVault(a.dir);
  if (existsSync(a.keyPath)) fail('CONFLICT', `${a.keyPath} exists already: a server key file is never overwritten. Move it away first.`);
  let vault: Vault;
  let session: Session;
  let password: string;
  let vaultRecoveryKey: string | null = null;
  if (existing) {
    password = await ctx.secret('FACTORDESK_PASSWORD', `Password of the admin ${a.name}: `, 'password');
    const r = await signIn(env, a.name, password);
    vault = r.vault;
    session = { ...r.session, via: 'cli' };
  } else {
    if (!existsSync(dirname(a.dir))) fail('VAULT_MISSING', `The folder ${dirname(a.dir)} does not exist, so the vault folder ${a.dir} was not created. Check --store for a typo, or create the folder above it first.`);
    password = await newAdminPassword(ctx, a);
    const created = await createVault(env, { name: a.name, displayName: a.displayName, email: a.email, password }, a.site);
    vault = created.vault;
    session = { ...created.session, via: 'cli' };
    vaultRecoveryKey = created.recoveryKey;
  }
  const store: ServerStore = storeOf(vault);
  try {
    if (session.role !== 'admin') fail('FORBIDDEN', 'Only an admin can set a vault up for a server.');
    // Before the key file is written: a vault that cannot be written is never half set up.
    vault.requireWritable();
    if (await serverKeyRecords(store)) fail('VAULT_EXISTS', 'This store has been set up for a server already; nothing was changed.');
    // The data key seals the server's own secrets (second factors, RADIUS secrets); the vault's
    // values stay under the vault's value key, so the solo app still reads them.
    const keys = newServerKeys(vault.vaultId, systemRandom);
    // A vault made here: its recovery key (printed below) also opens the escrow, so one key on
    // paper does both. The two uses stay apart: the slot uses the key as an X25519 private key,
    // the escrow its scrypt derivation with a salt of its own.
    const raw = vaultRecoveryKey ? parseRawKey(vaultRecoveryKey) : null;
    const { recoveryKey, escrow } = escrowKeys(keys, systemRandom, raw ?? undefined);
    raw?.fill(0);
    // The key file first: a vault whose key file could not be written is never set up.
    writeKeyFile(a.keyPath, keys);
    addServerSlot(vault, keys.dataKey);
    writeEscrowFile(a.dir, escrow);
    const r = await setUpServedVault(store, valueSealer(keys, systemRandom), { keyCheck: keyCheck(keys, systemRandom), escrow, signingPublicKey: signingPublicKey(keys) }, { session, password }, existing ? a.site : {});
    const keep = existing
      ? 'The second line is a new recovery key: it re-creates the server key file if it is lost (the vault’s own recovery key stays as it was).'
      : 'The second line is the recovery key: it opens the vault when every admin password is lost and re-creates the key file if it is lost.';
    return {
      result: { storeId: vault.vaultId, vaultDir: a.dir, keyFile: a.keyPath, operator: r.session.name, operatorOtpUri: r.operatorOtpUri, recoveryKey, auditPublicKey: signingPublicKey(keys) },
      message: `Set the vault in ${a.dir} up for a server with the admin ${r.session.name}; the server key file is ${a.keyPath} (keep it owner-only; back it up apart from the vault).\nScan the first line into the admin's authenticator app. ${keep} Both are shown this once. The third line is the public key that verifies the audit ("server audit-verify --public-key"); keep a copy apart from the server:`,
      text: `${r.operatorOtpUri}\n${recoveryKey}\naudit public key: ${signingPublicKey(keys)}`,
    };
  } finally {
    await store.close();
  }
}

/** The first admin's new password: FACTORDESK_PASSWORD, or typed twice. */
async function newAdminPassword(ctx: Context, a: FolderInit): Promise<string> {
  let password = ctx.io.env.FACTORDESK_PASSWORD;
  if (password === undefined || password === '') {
    if (!canPrompt(ctx.io)) fail('SIGNIN_FAILED', 'No password for the first admin: set FACTORDESK_PASSWORD or run the command in a terminal to type it.');
    password = await readHidden(ctx.io, 'Password for the first admin (15 characters or more): ');
    await assertPassword(password, [a.name, a.displayName]);
    if ((await readHidden(ctx.io, 'Type it again: ')) !== password) fail('BAD_REQUEST', 'The two passwords differ. Nothing was created.');
  }
  await assertPassword(password, [a.name, a.displayName]);
  return password;
}

/**
 * `server recover-key --store FOLDER`: the escrow kept beside the vault opens with the recovery
 * key; the keys it holds must open the vault's server slot before the new file is written.
 */
export async function recoverFolderKey(ctx: Context, dir: string, keyPath: string, recoveryKey: string): Promise<Outcome> {
  const vaultId = folderVaultId(dir);
  const escrow = readEscrowFile(dir);
  if (!escrow) fail('VAULT_MISSING', 'This store has not been set up for a server.');
  const keys: ServerKeys | null = openEscrow(escrow, recoveryKey, vaultId);
  if (!keys) fail('WRONG_KEY', 'That recovery key does not open this store’s key escrow.');
  const { store } = await openServedVault(dir, keys, ctx.clock, systemRandom);
  try {
    writeKeyFile(keyPath, keys);
    await store.write(async (tx) => {
      await tx.audit.append({ action: 'server.recover-key', operator: null, outcome: 'ok', details: { via: 'cli' } }, ctx.clock.now());
    });
    return { result: { keyFile: keyPath }, message: `Wrote the server key file ${keyPath}.` };
  } finally {
    await store.close();
  }
}
