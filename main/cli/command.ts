import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { Context } from './context.ts';
import type { Outcome } from './output.ts';
import { quoteArg, usageError } from './output.ts';

/** The process around the command line; tests and the bin pass the real one. */
export type { Io } from './io.ts';
import type { Io } from './io.ts';

export type Values = Record<string, string | boolean | string[] | undefined>;

/** The parsed arguments of one command. */
export interface Parsed {
  values: Values;
  args: string[];
}

/** One command (or sub-command such as `audit export`). */
export interface Command {
  /** `issue-code`, or `audit export` for a group's sub-command. */
  name: string;
  summary: string;
  /** Usage lines after `factordesk `. */
  usage: string[];
  /** Longer help: flags and notes. */
  help: string;
  options: ParseArgsOptionsConfig;
  /** Positional names; a trailing `?` marks an optional one. */
  args: string[];
  /** Admin only (shown in the help). */
  admin?: boolean;
  run(ctx: Context, p: Parsed): Promise<Outcome>;
}

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/** Parses a command's own arguments with node:util parseArgs (strict); every problem is a usage error. */
export function parseCommandArgs(cmd: Command, argv: string[]): Parsed & { help: boolean } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: { ...cmd.options, ...HELP_OPTION }, strict: true, allowPositionals: true, tokens: true });
  } catch (err) {
    throw usageError(describeParseError(err, cmd.name), cmd.name);
  }
  // A flag given twice is refused rather than "last one wins": `--checks a --checks b` is a mistake or a trick.
  const seen = new Set<string>();
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== 'option') continue;
    if (seen.has(t.name)) throw usageError(`The flag --${t.name} is given more than once.`, cmd.name);
    seen.add(t.name);
  }
  const values = parsed.values as Values;
  const help = values.help === true;
  delete values.help;
  const args = parsed.positionals;
  if (help) return { values, args, help };
  const required = cmd.args.filter((a) => !a.endsWith('?')).length;
  if (args.length < required) {
    const missing = cmd.args.slice(args.length).filter((a) => !a.endsWith('?'));
    throw usageError(`Missing ${missing.join(' and ')}.`, cmd.name);
  }
  if (args.length > cmd.args.length) {
    // Never echo the extra argument: it may be a code or key typed in the wrong place.
    throw usageError(`Too many arguments: ${cmd.name} takes ${cmd.args.length === 0 ? 'none' : cmd.args.join(' ')}.`, cmd.name);
  }
  return { values, args, help };
}

/** The global flags, with what each takes: a command's parser sees them only when they were put after the command. */
const GLOBAL_FLAGS: Record<string, string> = { '--vault': ' DIR', '--json': '', '--operator': ' NAME', '--server': ' URL', '--ca-cert': ' FILE', '--pin': ' SHA256', '--version': '' };

function describeParseError(err: unknown, command: string): string {
  const e = err as { code?: string; message?: string };
  const opt = /'(-{1,2}[^'\s=]*)/.exec(e.message ?? '')?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      if (opt !== undefined && Object.hasOwn(GLOBAL_FLAGS, opt)) {
        return `${opt} is a global flag: put ${opt} before the command, e.g. factordesk ${opt}${GLOBAL_FLAGS[opt]} ${command} …`;
      }
      return `Unknown flag ${opt ? quoteArg(opt) : ''}.`.replace(' .', '.');
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return opt ? `The flag ${quoteArg(opt)} needs a value (write --flag=VALUE when the value starts with a dash).` : 'A flag is missing its value.';
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return 'Too many arguments.';
    default:
      return 'The arguments could not be read.';
  }
}

/** A string flag's value (undefined when absent); a repeated flag is a usage error. */
export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw usageError(`The flag --${name} takes one value.`);
  return v;
}

/** A boolean flag. */
export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}
