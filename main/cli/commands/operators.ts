import { addOperator, disableOperator, findOperatorByName, removeOperator, resetOperatorPassword, updateOperator, validOperatorName, type Operator } from '../../core/operators.ts';
import type { Session } from '../../core/session.ts';
import type { Store } from '../../store/port.ts';
import { storeOf } from '../../store/sqlite/sqlite-store.ts';
import { signInJournalOf } from '../../store/sqlite/unlock.ts';
import { clearOperatorLock, listOperatorsWithLocks, type OperatorWithLock } from '../../core/operator-locks.ts';
import { assertPassword } from '../../core/passwords.ts';
import { requireRole } from '../../core/roles.ts';
import { fail, toFactorDeskError } from '../../core/errors.ts';
import { rotateAfterRevocation } from '../../core/vault-maintenance.ts';
import { vaultAdminOf } from '../../store/sqlite/vault-admin.ts';
import type { Vault } from '../../store/sqlite/vault.ts';
import { str, type Command } from '../command.ts';
import type { Context } from '../context.ts';
import { choiceArg, emailArg, textArg } from '../args.ts';
import { usageError } from '../output.ts';
import { canPrompt, readHidden } from '../prompt.ts';
import { localTime } from '../format.ts';

/** The new operator's password: FACTORDESK_NEW_PASSWORD, or typed twice on the terminal. */
async function newPassword(ctx: Context, context: string[]): Promise<string> {
  const fromEnv = ctx.io.env.FACTORDESK_NEW_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') {
    await assertPassword(fromEnv, context);
    return fromEnv;
  }
  if (!canPrompt(ctx.io)) throw usageError('No new password: set FACTORDESK_NEW_PASSWORD or run the command in a terminal to type it.');
  const pw = await readHidden(ctx.io, 'New password for the operator (15 characters or more): ');
  await assertPassword(pw, context);
  if ((await readHidden(ctx.io, 'Type it again: ')) !== pw) fail('BAD_REQUEST', 'The two passwords differ. Nothing was changed.');
  return pw;
}

async function operatorNamed(store: Store, session: Session, name: string): Promise<Operator> {
  const op = await findOperatorByName(store, session, name);
  if (!op) fail('NOT_FOUND', 'There is no operator with that name.');
  return op;
}

const row = (o: Operator): string => [o.name, o.role, o.status, o.displayName, o.email ?? '-', o.userEmail ?? 'not linked', localTime(o.createdAt)].join('\t');
const lockText = (o: OperatorWithLock): string => (o.lockedUntil === null ? '-' : `locked until ${localTime(o.lockedUntil)}`);

export const operatorsList: Command = {
  name: 'operators list',
  summary: 'list the operator accounts (admin)',
  usage: ['operators list'],
  help: `Lists operators: name, role, status, display name, email, own directory user ("not linked"
when there is none), created, and the sign-in lock
("locked until …" after too many wrong passwords, else "-"; "operators unlock NAME" clears it).
With --json each operator has lockedUntil (epoch ms, or null) and failedSignIns.`,
  options: {},
  args: [],
  admin: true,
  async run(ctx) {
    return ctx.withSession(async (vault, session) => {
      const ops = await listOperatorsWithLocks(storeOf(vault), signInJournalOf(vault), session);
      const locked = ops.filter((o) => o.lockedUntil !== null).length;
      return { result: { operators: ops }, text: ops.map((o) => `${row(o)}\t${lockText(o)}`).join('\n'), message: locked ? `${locked} operator${locked === 1 ? ' is' : 's are'} locked after too many failed sign-ins.` : undefined };
    });
  },
};

export const operatorsUnlock: Command = {
  name: 'operators unlock',
  summary: 'clear the sign-in lock of an operator after too many wrong passwords (admin)',
  usage: ['operators unlock NAME'],
  help: `Clears the lock (and the count of failed sign-ins) that too many wrong passwords put on the
operator, before it runs out by itself. The failed attempts and the clearing are recorded in the
audit. An operator who is not locked is left as is.`,
  options: {},
  args: ['NAME'],
  admin: true,
  async run(ctx, p) {
    const name = validOperatorName(p.args[0]!);
    return ctx.withSession(async (vault, session) => {
      const r = await clearOperatorLock(storeOf(vault), signInJournalOf(vault), session, name);
      const what = r.wasLocked
        ? `Cleared the sign-in lock of ${r.operator.name} (it ran until ${localTime(r.lockedUntil)}).`
        : r.failedSignIns > 0
          ? `${r.operator.name} was not locked; cleared ${r.failedSignIns} failed sign-in${r.failedSignIns === 1 ? '' : 's'}.`
          : `${r.operator.name} was not locked; nothing changed.`;
      return { result: r, text: `${row(r.operator)}\t${lockText(r.operator)}`, message: what };
    });
  },
};

export const operatorsAdd: Command = {
  name: 'operators add',
  summary: 'add an operator with their own password (admin)',
  usage: ['operators add NAME --role agent|admin [--display-name TEXT] [--email ADDRESS] [--user EMAIL]'],
  help: `Adds an operator. The password comes from FACTORDESK_NEW_PASSWORD or is typed twice.

  --role agent|admin     required
  --display-name TEXT    shown in the audit (default: NAME)
  --email ADDRESS        the operator's work email (they can never act on that user account)
  --user EMAIL           link the operator to their own directory user (which must exist); nobody
                         acts on their own account and only an admin on an operator's. Without
                         --email, the user's address becomes the work email`,
  options: { role: { type: 'string' }, 'display-name': { type: 'string' }, email: { type: 'string' }, user: { type: 'string' } },
  args: ['NAME'],
  admin: true,
  async run(ctx, p) {
    const name = validOperatorName(p.args[0]!);
    if (str(p, 'role') === undefined) throw usageError('Choose the role with --role agent or --role admin.', 'operators add');
    const role = choiceArg(str(p, 'role'), 'role', ['agent', 'admin'] as const, 'agent');
    const displayName = textArg(str(p, 'display-name'), 'display-name', 128) || name;
    const rawEmail = str(p, 'email');
    const email = rawEmail === undefined ? null : emailArg(rawEmail);
    const rawUser = str(p, 'user');
    const userEmail = rawUser === undefined ? null : emailArg(rawUser);
    return ctx.withSession(async (vault, session) => {
      requireRole(session, 'operators:add');
      const password = await newPassword(ctx, [name, displayName]);
      const op = await addOperator(storeOf(vault), session, { name, displayName, role, email, userEmail, password });
      return { result: { operator: op }, text: row(op), message: `Added the ${op.role} ${op.name}.` };
    });
  },
};

export const operatorsUpdate: Command = {
  name: 'operators update',
  summary: "change an operator's role, display name, work email or own directory user (admin)",
  usage: ['operators update NAME [--role agent|admin] [--display-name TEXT] [--email ADDRESS|none] [--user EMAIL|none]'],
  help: `Changes what is given and keeps the rest.

  --role agent|admin     the operator's role (the last active admin stays an admin)
  --display-name TEXT    shown in the audit
  --email ADDRESS|none   the operator's work email (none clears it)
  --user EMAIL|none      link the operator to their own directory user (which must exist; none
                         unlinks). An admin may link themselves once; their own work email and
                         an existing link are changed by another admin`,
  options: { role: { type: 'string' }, 'display-name': { type: 'string' }, email: { type: 'string' }, user: { type: 'string' } },
  args: ['NAME'],
  admin: true,
  async run(ctx, p) {
    const name = validOperatorName(p.args[0]!);
    const rawRole = str(p, 'role');
    const role = rawRole === undefined ? undefined : choiceArg(rawRole, 'role', ['agent', 'admin'] as const, 'agent');
    const rawDisplay = str(p, 'display-name');
    const displayName = rawDisplay === undefined ? undefined : textArg(rawDisplay, 'display-name', 128);
    const rawEmail = str(p, 'email');
    const email = rawEmail === undefined ? undefined : rawEmail === 'none' ? null : emailArg(rawEmail);
    const rawUser = str(p, 'user');
    const userEmail = rawUser === undefined ? undefined : rawUser === 'none' ? null : emailArg(rawUser);
    if (role === undefined && displayName === undefined && email === undefined && userEmail === undefined) {
      throw usageError('Say what to change: --role, --display-name, --email or --user.', 'operators update');
    }
    return ctx.withSession(async (vault, session) => {
      requireRole(session, 'operators:update');
      const store = storeOf(vault);
      const target = await operatorNamed(store, session, name);
      const patch = { ...(role ? { role } : {}), ...(displayName ? { displayName } : {}), ...(email !== undefined ? { email } : {}), ...(userEmail !== undefined ? { userEmail } : {}) };
      const op = await updateOperator(store, session, target.id, patch);
      return { result: { operator: op }, text: row(op), message: `Updated ${op.name}.` };
    });
  },
};

/** The rotation after a disable or remove; false (with a warning) when another process has the vault open. */
async function rotateAfter(ctx: Context, vault: Vault, session: Session, name: string, change: 'disable' | 'remove'): Promise<boolean> {
  try {
    await rotateAfterRevocation(storeOf(vault), vaultAdminOf(vault), session, { operator: name, change });
    return true;
  } catch (err) {
    const e = toFactorDeskError(err);
    if (e.code !== 'VAULT_BUSY') throw e;
    ctx.out.warn(`The vault key was not rotated: another FactorDesk process has the vault open. Until it is, a copy of ${name}'s old key slot still opens the vault files. Close the other process and run: factordesk rotate-key`);
    return false;
  }
}

export const operatorsDisable: Command = {
  name: 'operators disable',
  summary: "disable an operator and delete their key slot (admin)",
  usage: ['operators disable NAME'],
  help: `Disables the operator: their password no longer opens the vault. "operators reset-password" enables them again.
Then rotates the vault key (the recovery key stays the same), so a copy of their old key slot no
longer opens the vault files; if another FactorDesk process has the vault open, it says so and
"factordesk rotate-key" is needed later. Backups made before still open with the old password.`,
  options: {},
  args: ['NAME'],
  admin: true,
  async run(ctx, p) {
    const name = validOperatorName(p.args[0]!);
    return ctx.withSession(async (vault, session) => {
      requireRole(session, 'operators:disable');
      const store = storeOf(vault);
      const op = await disableOperator(store, session, (await operatorNamed(store, session, name)).id);
      const rotated = await rotateAfter(ctx, vault, session, op.name, 'disable');
      return { result: { operator: op, keyRotated: rotated }, text: row(op), message: `Disabled ${op.name}.${rotated ? ' The vault key was rotated (the recovery key is unchanged).' : ''}` };
    });
  },
};

export const operatorsRemove: Command = {
  name: 'operators remove',
  summary: 'remove an operator and rotate the vault key (admin)',
  usage: ['operators remove NAME'],
  help: `Removes the operator and their key slot (the row stays for the audit), then rotates the vault
key (the recovery key stays the same), so a copy of their old key slot no longer opens the vault
files; if another FactorDesk process has the vault open, it says so and "factordesk rotate-key" is
needed later. Backups made before still open with the old password.`,
  options: {},
  args: ['NAME'],
  admin: true,
  async run(ctx, p) {
    const name = validOperatorName(p.args[0]!);
    return ctx.withSession(async (vault, session) => {
      requireRole(session, 'operators:remove');
      const store = storeOf(vault);
      const r = await removeOperator(store, session, (await operatorNamed(store, session, name)).id);
      const rotated = await rotateAfter(ctx, vault, session, name, 'remove');
      return { result: { ...r, keyRotated: rotated }, text: 'removed', message: `Removed ${name}.${rotated ? ' The vault key was rotated (the recovery key is unchanged).' : ''}` };
    });
  },
};

export const operatorsResetPassword: Command = {
  name: 'operators reset-password',
  summary: "set a new password for another operator (admin)",
  usage: ['operators reset-password NAME'],
  help: 'Sets a new password (FACTORDESK_NEW_PASSWORD or typed twice) and enables a disabled operator.',
  options: {},
  args: ['NAME'],
  admin: true,
  async run(ctx, p) {
    const name = validOperatorName(p.args[0]!);
    return ctx.withSession(async (vault, session) => {
      requireRole(session, 'operators:reset-password');
      const store = storeOf(vault);
      const target = await operatorNamed(store, session, name);
      const password = await newPassword(ctx, [target.name, target.displayName]);
      const op = await resetOperatorPassword(store, session, target.id, password);
      return { result: { operator: op }, text: row(op), message: `New password set for ${op.name}.` };
    });
  },
};
