// The `factordesk` command line: the same services as the app, under Node, for scripting at
// support sites (login services verify over the HTTP API of `factordesk serve`). Global flags, dispatch, exit codes
// and the output envelope live here; each command group is a module under ./commands.
import { parseArgs } from 'node:util';
import { attachAlertLogToVaultStores, flushAlertOutputs } from '../platform/alert-outputs.ts';
import { resolve } from 'node:path';
import { defaultVaultDir } from '../store/sqlite/paths.ts';
import { parseCommandArgs, type Command, type Io } from './command.ts';
import { Context } from './context.ts';
import { EXIT, Output, quoteArg, usageError } from './output.ts';
import { cliLanguage } from './language.ts';
import { FactorDeskError } from '../core/errors.ts';
import { entryClock, misusedTestVariable } from '../platform/test-hooks.ts';
import { init } from './commands/init.ts';
import { importUsersCommand, find, show } from './commands/users.ts';
import { issueCode, backupCodes, verify } from './commands/codes.ts';
import { reenroll, reprintSheet, confirm } from './commands/enrollment.ts';
import { lostPhone } from './commands/lost-phone.ts';
import { clearLock, refuse } from './commands/requests.ts';
import { outboxExport, auditVerify, auditExport } from './commands/exports.ts';
import { outboxDeliver } from './commands/outbox.ts';
import { backup, check, restore, rotateKey, serviceKeyCreate, serviceKeyList, serviceKeyRevoke } from './commands/vault.ts';
import { settingsSet, settingsShow } from './commands/settings.ts';
import { serve, serverAuditExport, serverAuditVerify, serverInit, serverRecoverKey } from './commands/server.ts';
import { serviceClientCreate, serviceClientList, serviceClientRevoke } from './commands/service-clients.ts';
import { radiusClientAdd, radiusClientList, radiusClientRemove } from './commands/radius-clients.ts';
import { automationClientCreate, automationClientList, automationClientRevoke } from './commands/automation-clients.ts';
import { issueEnrollmentCode } from './commands/self-enrollment.ts';
import { loginCommand, logoutCommand, runOverServer, serverTarget } from './remote.ts';
import { alertsAck, alertsList } from './commands/alerts.ts';
import { approvalsApprove, approvalsList, approvalsReject, approvalsRun, privileged } from './commands/approvals.ts';
import { operatorsAdd, operatorsDisable, operatorsList, operatorsRemove, operatorsResetPassword, operatorsUnlock, operatorsUpdate } from './commands/operators.ts';

/** Every command, in the order the help lists them. */
export const COMMANDS: Command[] = [
  init,
  importUsersCommand,
  find,
  show,
  issueCode,
  backupCodes,
  reenroll,
  reprintSheet,
  confirm,
  lostPhone,
  verify,
  clearLock,
  refuse,
  outboxExport,
  outboxDeliver,
  auditVerify,
  auditExport,
  alertsList,
  alertsAck,
  approvalsList,
  approvalsApprove,
  approvalsReject,
  approvalsRun,
  privileged,
  backup,
  restore,
  check,
  rotateKey,
  serviceKeyCreate,
  serviceKeyList,
  serviceKeyRevoke,
  settingsShow,
  settingsSet,
  operatorsList,
  operatorsAdd,
  operatorsUpdate,
  operatorsDisable,
  operatorsRemove,
  operatorsResetPassword,
  operatorsUnlock,
  serverInit,
  serverRecoverKey,
  serverAuditExport,
  serverAuditVerify,
  serve,
  radiusClientAdd,
  radiusClientList,
  radiusClientRemove,
  automationClientCreate,
  automationClientList,
  automationClientRevoke,
  loginCommand,
  logoutCommand,
  serviceClientCreate,
  serviceClientList,
  serviceClientRevoke,
  issueEnrollmentCode,
];

/** Command groups: the first word of a two-word command. */
const GROUPS = new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]!));

const GLOBAL_OPTIONS = {
  vault: { type: 'string' },
  json: { type: 'boolean' },
  operator: { type: 'string' },
  server: { type: 'string' },
  'ca-cert': { type: 'string' },
  pin: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

export const VERSION = '0.1.0';

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `factordesk — the FactorDesk helpdesk services on the command line

Usage: factordesk [--vault DIR] [--json] [--operator NAME] COMMAND [ARGS] [FLAGS]
       factordesk COMMAND --help

Global flags (before the command):
  --vault DIR       the vault folder (default: FACTORDESK_VAULT, else the per-user folder)
  --json            answer with exactly one JSON object on stdout:
                    {"ok": true, "result": …} or {"ok": false, "error": {"code": …, "message": …}}
  --operator NAME   the operator who signs in (default: FACTORDESK_OPERATOR, else asked)
  --server URL      work through a FactorDesk server (default: FACTORDESK_SERVER); sign in
                    first with "login"; commands that run only on the server host say so
  --ca-cert FILE    trust the server's certificate through this CA (FACTORDESK_CA_CERT)
  --pin SHA256      or trust the server's public key by its pin (FACTORDESK_SERVER_PIN)
  --version         print the version

The password comes from FACTORDESK_PASSWORD or is typed on the terminal (never echoed).
An unattended script uses an automation client instead of signing in: FACTORDESK_CLIENT_ID and
FACTORDESK_CLIENT_SECRET, or FACTORDESK_CLIENT_FILE (mode 0600), with --server (see
"automation-client create --help").

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Exit codes: 0 ok/accepted (also a change stored for approval: result.status "pending-approval"),
1 code rejected, 2 usage or validation error, 3 sign-in failed or operator locked, 4 user not
found, 5 user locked for verification, 6 vault error, 7 approval: over the limits with nothing to
approve (APPROVAL_REQUIRED), a request already decided, run or expired, or your own to decide.
`;
}

function groupHelp(group: string): string {
  const cmds = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  const width = Math.max(...cmds.map((c) => c.name.length));
  return `Usage:\n${cmds.flatMap((c) => c.usage.map((u) => `  factordesk ${u}`)).join('\n')}\n\n${cmds.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}\n`;
}

function commandHelp(c: Command): string {
  return `Usage:\n${c.usage.map((u) => `  factordesk [global flags] ${u}`).join('\n')}\n\n${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}.${c.admin ? ' Admin only.' : ''}\n\n${c.help}\n\n  -h, --help   show this help\n`;
}

/** Splits the global flags (before the command) from the command and its arguments. */
function splitGlobals(argv: string[]): { globals: string[]; rest: string[] } {
  let tokens;
  try {
    ({ tokens } = parseArgs({ args: argv, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true, tokens: true }));
  } catch {
    throw usageError('The global flags could not be read.');
  }
  const first = tokens.find((t) => t.kind === 'positional' || t.kind === 'option-terminator');
  if (!first) return { globals: argv, rest: [] };
  // `factordesk --vault D -- find x`: the terminator ends the global flags and is dropped.
  return { globals: argv.slice(0, first.index), rest: argv.slice(first.kind === 'option-terminator' ? first.index + 1 : first.index) };
}

function parseGlobals(globals: string[]): { vault?: string; json: boolean; operator?: string; server?: string; caCert?: string; pin?: string; help: boolean; version: boolean } {
  let values;
  let tokens;
  try {
    ({ values, tokens } = parseArgs({ args: globals, options: GLOBAL_OPTIONS, strict: true, allowPositionals: false, tokens: true }));
  } catch (err) {
    const opt = /'(-{1,2}[^'\s=]*)/.exec((err as Error).message ?? '')?.[1];
    const code = (err as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw usageError(`The global flag ${opt ? quoteArg(opt) : ''} needs a value.`);
    throw usageError(`Unknown global flag${opt ? ` ${quoteArg(opt)}` : ''}. Global flags (--vault, --json, --operator, --server, --ca-cert, --pin) go before the command, the command's own flags after it.`);
  }
  const seen = new Set<string>();
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    if (seen.has(t.name)) throw usageError(`The global flag --${t.name} is given more than once.`);
    seen.add(t.name);
  }
  return {
    vault: values.vault,
    json: values.json === true,
    operator: values.operator,
    server: values.server,
    caCert: values['ca-cert'],
    pin: values.pin,
    help: values.help === true,
    version: values.version === true,
  };
}

/** Guess whether --json was asked for, to answer even a broken command line in the right shape. */
function wantsJson(argv: string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') return true;
    if (a === '--vault' || a === '--operator' || a === '--server' || a === '--ca-cert' || a === '--pin') i++;
    else if (!a.startsWith('-') || a === '--') return false;
  }
  return false;
}

/** Runs one command line; resolves to the exit code. Never throws, never prints a stack. */
export async function run(argv: string[], io: Io): Promise<number> {
  // Each alert a command raises on the vault is written to the alert log (setting alertLogPath).
  attachAlertLogToVaultStores();
  const language = cliLanguage(io.env);
  let out = new Output(wantsJson(argv), io.stdout, io.stderr, language);
  let hintFor: string | null = null;
  try {
    const { globals, rest } = splitGlobals(argv);
    const g = parseGlobals(globals);
    out = new Output(g.json, io.stdout, io.stderr, language);
    // Fast KDF and a moved clock belong to the test suite: a person who sets the switch gets a refusal, not weak slots.
    const misused = misusedTestVariable(io.env);
    if (misused) throw usageError(`${misused} is only for FactorDesk's own test suite; unset it and run the command again.`);
    // The one clock of this run: every vault operation and elapsed-time reading goes through it.
    const clock = entryClock(io.env);
    if (g.version) return out.success({ result: { version: VERSION }, text: `factordesk ${VERSION}` });
    if (rest.length === 0) {
      if (g.help) return out.success({ result: { help: mainHelp() }, text: mainHelp() });
      hintFor = '';
      throw usageError('Name a command.');
    }
    let name = rest[0]!;
    let cmdArgs = rest.slice(1);
    if (name === 'help') {
      // `factordesk help` and `factordesk help COMMAND`
      const topic = cmdArgs.filter((a) => !a.startsWith('-')).slice(0, 2);
      if (topic.length === 0 || topic[0] === 'help') return out.success({ result: { help: mainHelp() }, text: mainHelp() });
      return run([...globals, ...(GROUPS.has(topic[0]!) ? topic : topic.slice(0, 1)), '--help'], io);
    }
    if (GROUPS.has(name)) {
      const sub = cmdArgs[0];
      if (sub === undefined || sub === '--help' || sub === '-h') {
        if (sub !== undefined) return out.success({ result: { help: groupHelp(name) }, text: groupHelp(name) });
        hintFor = name;
        throw usageError(`Name what to do: ${COMMANDS.filter((c) => c.name.startsWith(`${name} `)).map((c) => c.name.split(' ')[1]).join(', ')}.`);
      }
      name = `${name} ${sub}`;
      cmdArgs = cmdArgs.slice(1);
    }
    const cmd = COMMANDS.find((c) => c.name === name);
    if (!cmd) {
      hintFor = '';
      throw usageError(`Unknown command ${quoteArg(name)}.`);
    }
    hintFor = cmd.name;
    const parsed = parseCommandArgs(cmd, cmdArgs);
    if (parsed.help || g.help) return out.success({ result: { help: commandHelp(cmd) }, text: commandHelp(cmd) });
    const vd = g.vault !== undefined ? { dir: g.vault, configured: true } : defaultVaultDir(io.env);
    if (vd.dir.length === 0 || vd.dir.length > 4096 || /\p{Cc}/u.test(vd.dir)) throw usageError('The vault folder name is not usable.');
    const ctx = new Context(io, out, resolve(vd.dir), vd.configured, g.operator, clock);
    // With --server (or FACTORDESK_SERVER) the command goes to the server, or says where it runs instead.
    const target = serverTarget(g, io.env);
    const outcome = target ? await runOverServer(ctx, cmd, parsed, target) : await cmd.run(ctx, parsed);
    return out.success(outcome);
  } catch (err) {
    const usage = err instanceof FactorDeskError && err.details?.usage !== undefined;
    const hint = usage && hintFor !== null ? (hintFor ? `Run "factordesk ${hintFor} --help" for its usage.` : 'Run "factordesk --help" for the commands.') : undefined;
    const hintNb = usage && hintFor !== null ? (hintFor ? `Kjør "factordesk ${hintFor} --help" for bruken.` : 'Kjør "factordesk --help" for kommandoene.') : undefined;
    return out.failure(err, hint ? { hint, ...(hintNb ? { hintNb } : {}) } : undefined);
  } finally {
    // Alerts the command raised (also a refused one) reach the alert log before the process exits.
    await flushAlertOutputs();
  }
}

export { EXIT };
