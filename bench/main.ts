// `npm run bench` entry: builds the renderer when the Chromium figures need it and it is missing
// or stale, runs bench/run.ts in a child process, and ends with its exit code. A timeout guard
// stops a run that hangs (default 5 min plus 1.5 ms per user; `--timeout SECONDS` to change).
// Every other flag goes to bench/run.ts (`--users N`, `--no-browser`), or with `--store postgres`
// or `--store folder` to bench/server.ts (server mode).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freshCliBundle } from '../bin/bundle-check.js';
import { buildProjectCli } from '../scripts/build-cli.ts';
import { ensureRenderer } from '../scripts/ensure-renderer.ts';

const args = process.argv.slice(2);
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

/** Takes `--timeout SECONDS` (or `--timeout=SECONDS`) out of the arguments. */
function takeTimeout(argv: string[]): number | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--timeout(?:=(.*))?$/.exec(a);
    if (!m) continue;
    const raw = m[1] ?? argv[i + 1];
    argv.splice(i, m[1] === undefined ? 2 : 1);
    const s = Number(raw);
    if (!Number.isFinite(s) || s <= 0) throw new Error('--timeout needs a number of seconds.');
    return s * 1000;
  }
  return undefined;
}

/** The user count run.ts will use (its default is 1,000,000), for the default timeout. */
function users(argv: string[]): number {
  const i = argv.findIndex((a) => a === '--users' || a.startsWith('--users='));
  const raw = i < 0 ? '1000000' : argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
  return Math.max(1000, Number(raw) || 1_000_000);
}

const USAGE = `usage: npm run bench -- [--store vault|postgres|folder] [--users N] [--no-browser] [--timeout SECONDS]
  --store postgres   server mode: factordesk serve on PostgreSQL, measured through HTTPS and RADIUS
                     (needs PostgreSQL as for the tests; default: the solo vault)
  --store folder     server mode on the embedded store: factordesk serve on a vault folder
  --users N          vault size (at least 1000; default 1000000)
  --no-browser       skip the Chromium figures (no renderer build)
  --timeout SECONDS  stop a run that takes longer (default 300 s + 1.5 ms per user)`;

if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
// Every flag is known and --users is a whole number, before anything is built or written.
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  const name = a.split('=')[0]!;
  if (name === '--no-browser' && !a.includes('=')) continue;
  if (name === '--store') {
    const raw = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
    if (raw !== 'vault' && raw !== 'postgres' && raw !== 'folder') {
      log(`--store takes vault, postgres or folder, not ${raw === undefined ? 'nothing' : JSON.stringify(raw)}.\n${USAGE}`);
      process.exit(2);
    }
    continue;
  }
  if (name === '--users' || name === '--timeout') {
    const raw = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
    if (raw === undefined || !/^\d+$/.test(raw) || (name === '--users' && Number(raw) < 1000)) {
      log(`${name} needs a whole number${name === '--users' ? ' of at least 1000' : ' of seconds'}, not ${raw === undefined ? 'nothing' : JSON.stringify(raw)}.\n${USAGE}`);
      process.exit(2);
    }
    continue;
  }
  log(`unknown argument ${JSON.stringify(a)}.\n${USAGE}`);
  process.exit(2);
}

const storeAt = args.findIndex((a) => a === '--store' || a.startsWith('--store='));
const storeKind = storeAt < 0 ? 'vault' : args[storeAt]!.includes('=') ? args[storeAt]!.split('=')[1] : args[storeAt + 1];
const serverMode = storeKind === 'postgres' || storeKind === 'folder';
if (storeAt >= 0) args.splice(storeAt, args[storeAt]!.includes('=') ? 1 : 2);
let timeoutMs: number;
try {
  timeoutMs = takeTimeout(args) ?? 300_000 + users(args) * 1.5;
  if (!args.includes('--no-browser') && !serverMode) ensureRenderer();
  // The command-line figure times the bundle a user's `factordesk` runs.
  const root = fileURLToPath(new URL('..', import.meta.url));
  if (serverMode && !freshCliBundle(root)) {
    log('building the command-line bundle (npm run build:cli)');
    await buildProjectCli(root);
  }
} catch (err) {
  log((err as Error).message);
  process.exit(1);
}

const entry = serverMode ? './server.ts' : './run.ts';
const childArgs = serverMode ? ['--store', storeKind!, ...args.filter((a) => a !== '--no-browser')] : args;
const child = spawn(process.execPath, [fileURLToPath(new URL(entry, import.meta.url)), ...childArgs], { stdio: 'inherit' });
let timedOut = false;
const guard = setTimeout(() => {
  timedOut = true;
  log(`no end after ${Math.round(timeoutMs / 1000)} s: stopping the run.`);
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 5000).unref();
}, timeoutMs);
// Ctrl-C reaches the child through the terminal's process group; just don't leave it behind.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
child.on('error', (err) => {
  clearTimeout(guard);
  log(`could not start bench/run.ts: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  clearTimeout(guard);
  if (timedOut) process.exit(124);
  if (signal) log(`bench/run.ts ended by ${signal}.`);
  process.exit(code ?? 1);
});
