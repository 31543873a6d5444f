import type { Command } from '../command.ts';
import { fail } from '../../core/errors.ts';
import { ACTION_HELP, ACTION_OPTIONS, actionContext, emailArg } from '../args.ts';

export const issueEnrollmentCode: Command = {
  name: 'issue-enrollment-code',
  summary: 'issue a self-enrollment code: the user sets up their own app on the server’s /enroll page (--server)',
  usage: ['--server URL issue-enrollment-code EMAIL --checks IDS --ticket T --reason R'],
  help: `Issues an enrollment code (XXXX-XXXX-XXXX, valid 24 hours, voiding an earlier one) for the
user, who opens the server's enrollment page (https://SERVER/enroll) in their own browser, types
their email and the code, scans their new QR and confirms with the first code of their app. The
helpdesk never sees that secret. The code works only there: never as a sign-in code. It is
printed once on stdout; the server keeps only a salted hash. Only over a server.

${ACTION_HELP}`,
  options: { ...ACTION_OPTIONS },
  args: ['EMAIL'],
  async run(_ctx, p) {
    emailArg(p.args[0]!);
    actionContext(p);
    return fail('BAD_REQUEST', 'Self-enrollment needs a server: name it with --server URL (before the command) or FACTORDESK_SERVER. A solo vault has no enrollment page; use "reenroll" instead.');
  },
};
