// Entry of the `factordesk` single executable (Node 22 SEA, built by scripts/dist-cli.ts). The
// same as bin/factordesk.js without the Node version check: the executable is its own Node 22.
import { run } from './main.ts';

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
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  bail();
});

void run(process.argv.slice(2), { env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then((code) => {
  process.exitCode = code;
}, bail);
