import { fail, FactorDeskError } from '../core/errors.ts';
import { currentSettings } from '../core/settings.ts';
import { unknownChecksMessage } from './checks-message.ts';
import { signIn } from '../store/sqlite/unlock.ts';
import { clockCheck } from '../core/clock-check.ts';
import { storeOf } from '../store/sqlite/sqlite-store.ts';
import { localTime } from './format.ts';
import { vaultState, type Vault, type VaultEnv } from '../store/sqlite/vault.ts';
import type { Clock } from '../core/clock.ts';
import type { Session } from '../core/session.ts';
import type { Io } from './io.ts';
import { Output, usageError } from './output.ts';
import { canPrompt, readHidden, readVisible } from './prompt.ts';

/** The sign-in warnings in words (the codes come from main/core/signin.ts). */
const WARNINGS: Record<string, string> = {
  JOURNAL_TAMPERED: 'The sign-in journal was changed outside FactorDesk; this was recorded in the audit.',
  JOURNAL_ROLLED_BACK: 'The sign-in journal was deleted or replaced by an older copy since the last sign-in; its failure counts and locks were taken from the vault again. This was recorded in the audit.',
  READ_ONLY_FOLDER: 'The vault folder is read-only: lookups work, but nothing can be changed and this session is not recorded in the audit. Make the folder writable to make changes.',
  READ_ONLY_DISK_FULL: 'The disk that holds the vault is full: lookups work, but nothing can be changed and this session is not recorded in the audit. Free some space to make changes.',
  OPERATOR_UNLINKED: 'Your operator account is not linked to your own directory user: ask an admin to link it (operators update NAME --user EMAIL).',
};

/** Everything a command needs besides its own arguments: where the vault is, who acts, how to answer. */
export class Context {
  readonly io: Io;
  readonly out: Output;
  readonly vaultDir: string;
  readonly vaultConfigured: boolean;
  /** The run's clock (created once at the entry); vault operations get it through `env`. */
  readonly clock: Clock;
  private readonly operatorFlag: string | undefined;

  constructor(io: Io, out: Output, vaultDir: string, vaultConfigured: boolean, operator: string | undefined, clock: Clock) {
    this.io = io;
    this.out = out;
    this.vaultDir = vaultDir;
    this.vaultConfigured = vaultConfigured;
    this.operatorFlag = operator;
    this.clock = clock;
  }

  get env(): VaultEnv {
    return { dir: this.vaultDir, clock: this.clock };
  }

  /** True when a person watches stderr (progress may redraw one line). */
  get interactive(): boolean {
    return this.io.stderr.isTTY === true;
  }

  /** A vault must be there: a configured folder that is missing, or no vault at all, is VAULT_MISSING (exit 6). */
  requireVault(): void {
    const state = vaultState(this.vaultDir, this.vaultConfigured);
    if (state === 'none') fail('VAULT_MISSING', `There is no vault in ${this.vaultDir}. Create one with "factordesk init", or name the folder with --vault or FACTORDESK_VAULT.`);
  }

  /** The operator name: --operator, else FACTORDESK_OPERATOR, else asked on the terminal. */
  async operatorName(): Promise<string> {
    const name = this.operatorFlag ?? this.io.env.FACTORDESK_OPERATOR;
    if (name !== undefined && name !== '') return name;
    if (canPrompt(this.io)) {
      const typed = (await readVisible(this.io, 'Operator name: ')).trim();
      if (typed) return typed;
    }
    throw usageError('Say which operator signs in: --operator NAME (before the command) or FACTORDESK_OPERATOR.');
  }

  /**
   * A secret typed by a person: from the environment variable `envName`, else asked on the
   * terminal without echo. Without either, the command cannot sign in (exit 3).
   */
  async secret(envName: string, prompt: string, what: string): Promise<string> {
    const fromEnv = this.io.env[envName];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    if (!canPrompt(this.io)) fail('SIGNIN_FAILED', `No ${what}: set ${envName} or run the command in a terminal to type it.`);
    return readHidden(this.io, prompt);
  }

  /** The operator's password (FACTORDESK_PASSWORD or typed). */
  password(): Promise<string> {
    return this.secret('FACTORDESK_PASSWORD', 'Password: ', 'password');
  }

  /** Signs the operator in; warnings (a tampered sign-in journal) go to stderr. */
  async signIn(): Promise<{ vault: Vault; session: Session }> {
    this.requireVault();
    const name = await this.operatorName();
    const password = await this.password();
    const r = await signIn(this.env, name, password);
    for (const w of r.warnings) {
      this.out.warn(WARNINGS[w] ?? w);
    }
    try {
      await this.warnClock(r.vault);
    } catch (err) {
      r.vault.close();
      throw err;
    }
    // Every event the command writes says it came through the command line.
    return { vault: r.vault, session: { ...r.session, via: 'cli' } };
  }

  /** Warns when this computer's clock is behind the latest time the vault recorded. */
  async warnClock(vault: Vault): Promise<void> {
    const c = await clockCheck(storeOf(vault), vault.now());
    if (c.behind) this.out.warn(`This computer's clock (${localTime(vault.now())}) is behind the latest time the vault recorded (${localTime(c.latestRecorded)}): code expiry and authenticator codes are judged by this clock. Check the date and time.`);
  }

  /** Signs in, runs `fn` (which reaches the store with storeOf(vault)), and always closes the vault (the key is wiped from memory). */
  async withSession<T>(fn: (vault: Vault, session: Session) => T | Promise<T>): Promise<T> {
    const { vault, session } = await this.signIn();
    try {
      return await fn(vault, session);
    } catch (err) {
      throw await explainUnknownChecks(err, vault);
    } finally {
      vault.close();
    }
  }
}

/** An "unknown identity check" from a service, reworded with the vault's known check ids and the flag to use. */
async function explainUnknownChecks(err: unknown, vault: Vault): Promise<unknown> {
  if (!(err instanceof FactorDeskError) || err.code !== 'BAD_REQUEST') return err;
  const d = err.details ?? {};
  const unknown = d['unknown'];
  if (!Array.isArray(unknown) || (d['field'] !== 'checks' && d['field'] !== 'failedChecks')) return err;
  try {
    const message = unknownChecksMessage(await currentSettings(storeOf(vault)), unknown.map(String), d['field'] === 'checks' ? 'checks' : 'failed-checks');
    return new FactorDeskError('BAD_REQUEST', message, d);
  } catch {
    return err;
  }
}
