#!/usr/bin/env node
// The `factordesk` command line. It runs the TypeScript sources directly (Node 22 strips the
// types), so it needs Node 22.18 or newer. Started by an older Node (an installed command,
// `npm link` or a link in ~/.local/bin, whose `#!/usr/bin/env node` finds the system's Node 20),
// it runs itself again on the Node 22 the project pins in node_modules, without npm and so
// without npm's engine warnings. While out/cli/factordesk.cjs (`npm run build:cli`, part of
// `npm start` and `npm test`) matches the sources, it runs that bundle, which starts several
// times faster than loading the sources one by one.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  const nb = /^(nb|no|nn)([_.@-]|$)/i.test(process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || '');
  // Node resolves the link to this file, so this is the project's own folder.
  const pinned = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (existsSync(pinned) && process.env.FACTORDESK_RELAUNCHED !== '1') {
    const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, FACTORDESK_RELAUNCHED: '1' } });
    // Ctrl-C reaches the child from the terminal itself; a SIGTERM sent to this process is passed on.
    process.on('SIGINT', () => {});
    process.on('SIGTERM', () => child.kill('SIGTERM'));
    child.on('error', () => {
      process.stderr.write(nb ? 'factordesk: Node 22 fra prosjektet kunne ikke startes.\n' : "factordesk: the project's Node 22 could not be started.\n");
      process.exit(6);
    });
    child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 128 + 15)));
  } else {
    process.stderr.write(
      nb
        ? `factordesk: dette trenger Node.js 22.18 eller nyere (dette er ${process.versions.node}).\nKjør "npm install" i prosjektmappen: det henter Node 22 som prosjektet bruker.\n`
        : `factordesk: this needs Node.js 22.18 or newer (this is ${process.versions.node}).\n` + 'Run "npm install" in the project folder: it brings the Node 22 the project runs on.\n',
    );
    process.exit(6);
  }
} else {
  await main();
}

async function main() {
  // Never a stack trace: anything unexpected becomes one short line and exit 6.
  const bail = () => {
    try {
      process.stderr.write('factordesk: something went wrong inside FactorDesk; nothing more is shown on purpose. (INTERNAL)\n');
    } finally {
      process.exit(6);
    }
  };
  process.on('uncaughtException', bail);
  process.on('unhandledRejection', bail);
  // A closed stdout (e.g. `factordesk find a | head -1`) is not an error worth a trace.
  process.stdout.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    bail();
  });

  const root = fileURLToPath(new URL('..', import.meta.url));
  const { freshCliBundle } = await import('./bundle-check.js');
  const bundle = process.env.FACTORDESK_CLI_SOURCES === '1' ? null : freshCliBundle(root);
  if (bundle) {
    // The bundle installs the same handlers and runs the command itself (main/cli/sea-main.ts).
    // Node keeps its compiled code beside it, so later commands skip most of the compiling.
    module.enableCompileCache?.(join(root, 'out', 'cli', 'compile-cache'));
    module.createRequire(import.meta.url)(bundle);
    return;
  }
  const { run } = await import('../main/cli/main.ts');
  process.exitCode = await run(process.argv.slice(2), {
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
  });
}
