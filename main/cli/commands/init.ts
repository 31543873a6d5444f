import { createVault } from '../../store/sqlite/first-run.ts';
import { assertPassword } from '../../core/passwords.ts';
import { validOperatorName } from '../../core/operators.ts';
import { ensurePrivateDir, vaultState } from '../../store/sqlite/vault.ts';
import { fail } from '../../core/errors.ts';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { str, type Command } from '../command.ts';
import { emailArg, textArg } from '../args.ts';
import { usageError } from '../output.ts';
import { canPrompt, readHidden } from '../prompt.ts';

export const init: Command = {
  name: 'init',
  summary: 'create the vault and its first admin; prints the recovery key once',
  usage: ['init --name NAME [--display-name TEXT] [--email ADDRESS] [--organization TEXT] [--support-contact TEXT]'],
  help: `Creates a new vault in the vault folder (--vault, FACTORDESK_VAULT or the per-user folder)
with a first admin operator. The password comes from FACTORDESK_PASSWORD or is typed twice.
The recovery key opens the vault when every admin password is lost: it is printed once, on
stdout. Write it down or print it and keep it somewhere safe; it is not stored anywhere.

  --name NAME           the admin's sign-in name (letters, digits, . _ @ -)
  --display-name TEXT   the name shown in the audit (default: NAME)
  --email ADDRESS       the admin's work email, so they cannot act on their own user account
  --organization TEXT   the organisation's name, printed on sheets and named in notifications
  --support-contact TEXT  whom users call with questions (sheets, notifications)`,
  options: { name: { type: 'string' }, 'display-name': { type: 'string' }, email: { type: 'string' }, organization: { type: 'string' }, 'support-contact': { type: 'string' } },
  args: [],
  admin: false,
  async run(ctx, p) {
    const rawName = str(p, 'name');
    if (rawName === undefined) throw usageError('Name the first admin with --name.', 'init');
    const name = validOperatorName(rawName);
    const displayName = textArg(str(p, 'display-name'), 'display-name', 128) || name;
    const rawEmail = str(p, 'email');
    const email = rawEmail === undefined ? null : emailArg(rawEmail);
    const dir = ctx.vaultDir;
    // A configured folder (--vault, FACTORDESK_VAULT) may be created only when its parent exists: never a typo'd tree.
    if (ctx.vaultConfigured && !existsSync(dir) && !existsSync(dirname(dir))) {
      fail('VAULT_MISSING', `The folder ${dirname(dir)} does not exist, so the vault folder ${dir} was not created. Check --vault or FACTORDESK_VAULT for a typo, or create the folder above it first.`);
    }
    if (existsSync(dir) && vaultState(dir) !== 'none') fail('VAULT_EXISTS', `There is already a vault in ${dir}; it was not touched.`);
    let password = ctx.io.env.FACTORDESK_PASSWORD;
    if (password === undefined || password === '') {
      if (!canPrompt(ctx.io)) fail('SIGNIN_FAILED', 'No password for the first admin: set FACTORDESK_PASSWORD or run the command in a terminal to type it.');
      password = await readHidden(ctx.io, 'Password for the first admin (15 characters or more): ');
      await assertPassword(password, [name, displayName]);
      const again = await readHidden(ctx.io, 'Type it again: ');
      if (again !== password) fail('BAD_REQUEST', 'The two passwords differ. Nothing was created.');
    }
    await assertPassword(password, [name, displayName]);
    if (!ctx.vaultConfigured && !existsSync(dir)) {
      // The per-user default (e.g. ~/.config/FactorDesk on a fresh account without ~/.config):
      // created with the folders above it, owner-only.
      try {
        ensurePrivateDir(dir);
      } catch (err) {
        fail('IO_ERROR', `The vault folder ${dir} cannot be created (${(err as NodeJS.ErrnoException).code ?? 'error'}). Name a folder you can write to with --vault or FACTORDESK_VAULT.`);
      }
    }
    const site = { organizationName: str(p, 'organization'), supportContact: str(p, 'support-contact') };
    const created = await createVault(ctx.env, { name, displayName, email, password }, site);
    const vaultId = created.vault.vaultId;
    created.vault.close();
    return {
      result: { vaultDir: dir, vaultId, operator: created.session.name, recoveryKey: created.recoveryKey },
      message: `Created the vault in ${dir} with the admin ${created.session.name}.\nThe recovery key below is shown this once. Write it down or print it, and keep it apart from the computer:`,
      text: created.recoveryKey,
    };
  },
};
