import { storeOf } from '../../store/sqlite/sqlite-store.ts';
import { clearVerificationLock, recordRefusedRequest } from '../../core/user-actions.ts';
import { findUserByEmail } from '../../core/users.ts';
import { str, type Command } from '../command.ts';
import { ACTION_HELP, ACTION_OPTIONS, actionContext, checkList, emailArg, textArg, ticketArg, userByEmail } from '../args.ts';
import { usageError } from '../output.ts';

export const clearLock: Command = {
  name: 'clear-lock',
  summary: 'lift the lock after too many wrong codes (admin)',
  usage: ['clear-lock EMAIL --checks IDS --ticket T --reason R'],
  help: `Clears the user's verification locks and failure counters, for every calling client (each
service key, service or RADIUS client, operator). The user is notified.

${ACTION_HELP}`,
  options: { ...ACTION_OPTIONS },
  args: ['EMAIL'],
  admin: true,
  async run(ctx, p) {
    const email = emailArg(p.args[0]!);
    const action = actionContext(p);
    return ctx.withSession(async (vault, session) => {
      const store = storeOf(vault);
      const user = await userByEmail(store, email);
      const r = await clearVerificationLock(store, session, user.id, action);
      return { result: r, text: 'cleared', message: `The verification lock of ${user.email} is cleared.` };
    });
  },
};

export const refuse: Command = {
  name: 'refuse',
  summary: 'record a request refused because the identity checks failed',
  usage: ['refuse EMAIL --caller NAME [--caller-number N] --requested TEXT --failed-checks IDS --ticket T [--notes TEXT]'],
  help: `Records a request that failed the identity checks (who called, from which number, what
they asked for, which checks failed). EMAIL is the address the caller named; when no user has
it, the request is still recorded, with that address in the notes.

  --caller NAME         who called
  --caller-number N     the number they called from
  --requested TEXT      what they asked for
  --failed-checks IDS   the checks that failed, comma-separated (callback, photo-id, ...)
  --ticket T            ticket reference
  --notes TEXT          anything else`,
  options: {
    caller: { type: 'string' },
    'caller-number': { type: 'string' },
    requested: { type: 'string' },
    'failed-checks': { type: 'string' },
    ticket: { type: 'string' },
    notes: { type: 'string' },
  },
  args: ['EMAIL'],
  async run(ctx, p) {
    const email = emailArg(p.args[0]!);
    const callerName = textArg(str(p, 'caller'), 'caller', 200);
    if (!callerName) throw usageError('Say who called with --caller.', 'refuse');
    const requested = textArg(str(p, 'requested'), 'requested', 500);
    if (!requested) throw usageError('Say what they asked for with --requested.', 'refuse');
    const callerNumber = textArg(str(p, 'caller-number'), 'caller-number', 40);
    const failedChecks = checkList(str(p, 'failed-checks'), 'failed-checks');
    if (failedChecks.length === 0) throw usageError('Say which identity checks failed with --failed-checks.', 'refuse');
    const notes = textArg(str(p, 'notes'), 'notes', 700);
    // Ticket: the same rule as every action (TICKET_REQUIRED when missing).
    const ticket = ticketArg(str(p, 'ticket'));
    return ctx.withSession(async (vault, session) => {
      const store = storeOf(vault);
      const user = await findUserByEmail(store, email);
      const fullNotes = user ? notes : [`Address named by the caller: ${email}`, notes].filter(Boolean).join('. ');
      const r = await recordRefusedRequest(store, session, user ? user.id : null, {
        callerName,
        requested,
        failedChecks,
        ticket,
        ...(callerNumber ? { callerNumber } : {}),
        ...(fullNotes ? { notes: fullNotes } : {}),
      });
      return {
        result: { seq: r.seq, user: user ? { id: user.id, email: user.email } : null },
        text: `recorded (audit event ${r.seq})`,
        message: user ? `The refused request about ${user.email} is recorded.` : 'No user has that address; the refused request is recorded with the address in its notes.',
      };
    });
  },
};
