#!/usr/bin/env node
// The `factordesk` command line. It runs the TypeScript sources directly (Node 22 strips the
// types), so it needs Node 22.18 or newer: the project pins one (`npx factordesk …` uses it).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `factordesk: this needs Node.js 22.18 or newer (this is ${process.versions.node}).\n` +
      'Run it through the project with "npx factordesk …", which uses the Node 22 that npm install brought along.\n',
  );
  process.exit(6);
}

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

const { run } = await import('../main/cli/main.ts');
process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
