import type { Handlers } from '../guard.ts';
import type { AppController } from '../../app/controller.ts';
import { createVault } from '../../store/sqlite/first-run.ts';
import { vaultState } from '../../store/sqlite/vault.ts';
import { recoverAdmin, signIn } from '../../store/sqlite/unlock.ts';
import { changeOwnPassword } from '../../core/operators.ts';
import { checkExternalLink, EXTERNAL_LINK_ALLOWLIST } from '../../shell/navigation.ts';
import { fail } from '../../core/errors.ts';

type H = Pick<
  Handlers,
  'app:status' | 'app:open-external' | 'prefs:set' | 'session:first-run' | 'session:sign-in' | 'session:recover' | 'session:activity' | 'session:lock' | 'session:change-password'
>;

/** Channels for start-up, sign-in, first run, recovery and preferences. */
export function sessionHandlers(ctl: AppController): H {
  return {
    'app:status': () => ctl.status(),
    'app:open-external': async ({ url }) => {
      const check = checkExternalLink(url, ctl.deps.externalAllowlist ?? EXTERNAL_LINK_ALLOWLIST);
      if (!check.ok) fail('FORBIDDEN', 'That address is not on the list of allowed links.');
      await ctl.deps.openExternal(check.url);
      return { opened: true };
    },
    'prefs:set': (req) => ctl.publicPrefs(ctl.deps.prefs.set(req)),
    'session:first-run': async (req) => {
      // A configured vault folder that is missing is an error, never a silent first run.
      vaultState(ctl.deps.dir, ctl.deps.configured);
      const site = { organizationName: req.organizationName, supportContact: req.supportContact };
      const { vault, session, recoveryKey } = await createVault(ctl.env, { name: req.name, displayName: req.displayName, email: req.email ?? null, password: req.password }, site);
      await ctl.open(vault, session);
      return { recoveryKey, session: ctl.publicSession()! };
    },
    'session:sign-in': async ({ name, password }) => {
      const before = ctl.sessionGeneration;
      const { vault, session, warnings } = await signIn(ctl.env, name, password);
      // Locked while the password was being checked (the computer locked or went to sleep): not signed in.
      if (ctl.sessionGeneration !== before) {
        vault.close();
        fail('SESSION_LOCKED', 'FactorDesk locked while signing in: sign in again.');
      }
      await ctl.open(vault, session);
      return { session: ctl.publicSession()!, warnings, jobReports: ctl.takeReports() };
    },
    'session:recover': async ({ recoveryKey, name, password }) => {
      // The recovery key opens the vault; the named admin gets a new password (or is created).
      const { vault, session } = await recoverAdmin(ctl.env, recoveryKey, name, password);
      await ctl.open(vault, session);
      return { session: ctl.publicSession()! };
    },
    'session:activity': () => {
      if (ctl.session) ctl.idle.touch();
      return { ok: true as const };
    },
    'session:lock': async () => {
      ctl.lock('manual');
      await ctl.settled();
      return { locked: true as const };
    },
    'session:change-password': async ({ oldPassword, newPassword }, session) => {
      await changeOwnPassword(ctl.store(), session!, oldPassword, newPassword);
      return { ok: true as const };
    },
  };
}
