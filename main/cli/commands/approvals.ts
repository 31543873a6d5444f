/**
 * `approvals list|approve|reject|run` and `privileged`: two-person approval of high-risk factor
 * changes, on the vault or over a server. A change that waits answers
 * `{"ok": true, "result": {"status": "pending-approval", "approvalId": …}}` (see output.ts).
 */
import type { ApprovalRunView, ApprovalView, Channel, Req, Res } from '../../../contract/index.ts';
import { flag, str, type Command, type Parsed } from '../command.ts';
import type { Context } from '../context.ts';
import type { Outcome } from '../output.ts';
import { usageError } from '../output.ts';
import { approveApproval, listApprovals, rejectApproval, setUserPrivileged } from '../../core/approvals.ts';
import { runApproval, type ApprovalRunResult } from '../../core/approval-run.ts';
import { storeOf } from '../../store/sqlite/sqlite-store.ts';
import { localTime } from '../format.ts';
import { emailArg, textArg, userByEmail } from '../args.ts';
import { fail } from '../../core/errors.ts';

/** One request as a line: id, status, action, user, requester, created, expires, triggers, ticket. */
function row(a: ApprovalView): string {
  const when = a.status === 'cooling' && a.runnableAt !== null ? `runs from ${localTime(a.runnableAt)}` : `expires ${localTime(a.expiresAt)}`;
  const decided = a.decidedBy ? ` (${a.status} by ${a.decidedBy}${a.decisionReason ? `: ${a.decisionReason}` : ''})` : '';
  return [String(a.id), a.status, a.action, a.userEmail, a.requester, localTime(a.createdAt), when, a.triggers.join(','), a.ticket].join('\t') + decided;
}

function approvalId(raw: string, command: string): number {
  const n = /^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw usageError(`${raw} is not an approval id: give the number "approvals list" shows first on each line.`, command);
  return n;
}

function listOutcome(r: { approvals: ApprovalView[]; waiting: number }): Outcome {
  return { result: r, text: r.approvals.map(row).join('\n'), message: `${r.approvals.length} request${r.approvals.length === 1 ? '' : 's'}; ${r.waiting} waiting for you.` };
}

function decidedOutcome(a: ApprovalView): Outcome {
  const next = a.status === 'approved' ? ` ${a.requester} can now run it with "factordesk approvals run ${a.id}" before ${localTime(a.expiresAt)}.` : '';
  return { result: { approval: a }, text: row(a), message: `Approval ${a.id} ${a.status}.${next}` };
}

/** What a run made, as the action's own command would print it (shown once). */
function runOutcome(run: ApprovalRunResult | ApprovalRunView, email: string): Outcome {
  const r = run as ApprovalRunView;
  if (r.oneTimeCode) {
    return { result: r, text: r.oneTimeCode.code, message: `One-time code for ${email}, valid until ${localTime(r.oneTimeCode.expiresAt)}. Read it to the user; it is not shown again.` };
  }
  if (r.lostPhone) {
    const lp = r.lostPhone;
    const e = lp.enrollment;
    const text = [`One-time code: ${lp.oneTimeCode.code}`, ...(e.mode === 'agent' ? [`URI: ${e.uri}`, `Key: ${e.key}`, `Set up before: ${localTime(e.deadline)}`] : [`Enrollment code: ${e.code}`, `Page: ${e.pagePath}`, `Valid until: ${localTime(e.expiresAt)}`])];
    return { result: { action: r.action, userId: r.userId, lostPhone: lp }, text: text.join('\n'), message: `Lost phone handled for ${email}: the old authenticator is revoked; read the one-time code to the user. Nothing here is shown again.` };
  }
  if (r.backupCodes) return { result: r, text: r.backupCodes.codes.join('\n'), message: `New backup codes for ${email}; the old ones no longer work. They are not shown again.` };
  if (r.enrollment) {
    const e = r.enrollment;
    const text = [`URI: ${e.uri}`, `Key: ${e.key}`, `Set up before: ${localTime(e.deadline)}`, `Sheet id: ${e.sheetId}`, ...(e.backupCodes ? ['Backup codes:', ...e.backupCodes] : [])];
    return {
      result: { action: r.action, userId: r.userId, enrollment: { enrollmentId: e.enrollmentId, uri: e.uri, key: e.key, deadline: e.deadline, sheetId: e.sheetId, ...(e.backupCodes ? { codes: e.backupCodes } : {}) } },
      text: text.join('\n'),
      message: `Re-enrollment started for ${email}: the old authenticator is revoked. Write the sheet within 30 minutes with "factordesk reprint-sheet ${email} --sheet FILE"; the URI and key are not shown again.`,
    };
  }
  return { result: r, message: r.action === 'lock.clear' ? `The verification lock of ${email} is cleared.` : `Sign-in by SMS was removed for ${email}.` };
}

export const approvalsList: Command = {
  name: 'approvals list',
  summary: 'list the changes waiting for a second person (admins: all; agents: their own)',
  usage: ['approvals list [--all]'],
  help: `Prints each live request as ID<TAB>STATUS<TAB>ACTION<TAB>USER<TAB>REQUESTER<TAB>CREATED<TAB>
EXPIRES<TAB>WHY<TAB>TICKET, newest first. Statuses: pending (waits for an admin), cooling (a
site with a single admin: may run after the cool-down unless rejected), approved (the requester
runs it once with "approvals run ID"), and with --all also rejected, done and expired. WHY is
over-limit, privileged-user, operator-account or policy. With --json the list is
result.approvals.

  --all   also the decided, run and expired requests`,
  options: { all: { type: 'boolean' } },
  args: [],
  async run(ctx, p) {
    return ctx.withSession(async (vault, session) => listOutcome(await listApprovals(storeOf(vault), session, { all: flag(p, 'all') })));
  },
};

export const approvalsApprove: Command = {
  name: 'approvals approve',
  summary: "approve another operator's waiting change (admin)",
  usage: ['approvals approve ID [--reason R]'],
  help: `Approves request ID: its requester may then run it once before it expires (the setting
approvalMinutes, normally 30 minutes). Nobody approves their own request or one on their own
account; approving twice is refused. Audited as approval.approved.

  --reason R   why (optional, recorded in the audit log)`,
  options: { reason: { type: 'string' } },
  args: ['ID'],
  admin: true,
  async run(ctx, p) {
    const id = approvalId(p.args[0]!, 'approvals approve');
    const reason = textArg(str(p, 'reason'), 'reason', 500);
    return ctx.withSession(async (vault, session) => decidedOutcome(await approveApproval(storeOf(vault), session, id, reason)));
  },
};

export const approvalsReject: Command = {
  name: 'approvals reject',
  summary: "reject another operator's waiting change (admin)",
  usage: ['approvals reject ID --reason R'],
  help: `Rejects request ID (waiting, cooling or approved but not yet run): nothing of it happens.
Audited as approval.rejected with the reason.

  --reason R   why (required)`,
  options: { reason: { type: 'string' } },
  args: ['ID'],
  admin: true,
  async run(ctx, p) {
    const id = approvalId(p.args[0]!, 'approvals reject');
    const reason = textArg(str(p, 'reason'), 'reason', 500);
    if (reason === undefined || reason.trim() === '') throw usageError('Give the reason for rejecting with --reason.', 'approvals reject');
    return ctx.withSession(async (vault, session) => decidedOutcome(await rejectApproval(storeOf(vault), session, id, reason)));
  },
};

export const approvalsRun: Command = {
  name: 'approvals run',
  summary: 'run your approved change once (makes and prints its code or QR URI)',
  usage: ['approvals run ID'],
  help: `Runs your approved request ID, with the checks, ticket and reason it was asked with. This
is when the one-time code, backup codes or new enrollment is made; it is printed once, as by the
action's own command. A request runs once and not after it expires. A cooling request (a site
with a single admin) runs once its cool-down is over.`,
  options: {},
  args: ['ID'],
  async run(ctx, p) {
    const id = approvalId(p.args[0]!, 'approvals run');
    return ctx.withSession(async (vault, session) => {
      const store = storeOf(vault);
      const r = await runApproval(store, session, id);
      const email = (await store.read((tx) => tx.approvals.get(id)))?.userEmail ?? `#${r.userId}`;
      return runOutcome(r, email);
    });
  },
};

function onOff(raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (v === 'on' || v === 'yes' || v === 'true') return true;
  if (v === 'off' || v === 'no' || v === 'false') return false;
  throw usageError(`Say on or off, not ${JSON.stringify(raw.slice(0, 20))}.`, 'privileged');
}

export const privileged: Command = {
  name: 'privileged',
  summary: 'mark a user privileged (VIP) or not: their factor changes need approval (admin)',
  usage: ['privileged EMAIL on|off'],
  help: `Marks the directory user privileged (on) or not (off). Every factor change on a privileged
user waits for a second admin's approval ("approvals list"). Operators' own directory users
count as privileged without this mark. Audited as user.privileged.`,
  options: {},
  args: ['EMAIL', 'STATE'],
  admin: true,
  async run(ctx, p) {
    const email = emailArg(p.args[0]!);
    const on = onOff(p.args[1]!);
    return ctx.withSession(async (vault, session) => {
      const store = storeOf(vault);
      const user = await userByEmail(store, email);
      const r = await setUserPrivileged(store, session, user.id, on);
      return { result: r, message: `${user.email} is ${on ? 'now' : 'no longer'} marked privileged${r.changed ? '' : ' (unchanged)'}.` };
    });
  },
};

/** What a remote command needs: one call of a channel. */
interface ChannelCaller {
  call<C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>>;
}

/** The same commands over a server. */
export const APPROVALS_REMOTE: Record<string, (ctx: Context, p: Parsed, api: ChannelCaller) => Promise<Outcome>> = {
  async 'approvals list'(_ctx, p, api) {
    return listOutcome(await api.call('approvals:list', { all: flag(p, 'all') }));
  },
  async 'approvals approve'(_ctx, p, api) {
    const reason = textArg(str(p, 'reason'), 'reason', 500);
    return decidedOutcome(await api.call('approvals:approve', { id: approvalId(p.args[0]!, 'approvals approve'), ...(reason === undefined ? {} : { reason }) }));
  },
  async 'approvals reject'(_ctx, p, api) {
    const reason = textArg(str(p, 'reason'), 'reason', 500);
    if (reason === undefined || reason.trim() === '') throw usageError('Give the reason for rejecting with --reason.', 'approvals reject');
    return decidedOutcome(await api.call('approvals:reject', { id: approvalId(p.args[0]!, 'approvals reject'), reason }));
  },
  async 'approvals run'(_ctx, p, api) {
    const id = approvalId(p.args[0]!, 'approvals run');
    const r = await api.call('approvals:run', { id });
    const mine = (await api.call('approvals:list', { all: true })).approvals.find((a) => a.id === id);
    return runOutcome(r, mine?.userEmail ?? `#${r.userId}`);
  },
  async privileged(_ctx, p, api) {
    const email = emailArg(p.args[0]!);
    const on = onOff(p.args[1]!);
    const found = (await api.call('users:find', { query: email, limit: 20, offset: 0 })).items.find((x) => x.email.normalize('NFC').toLowerCase() === email.normalize('NFC').toLowerCase());
    if (!found) fail('NOT_FOUND', 'There is no user with that email address.');
    const r = await api.call('users:set-privileged', { userId: found.id, privileged: on });
    return { result: r, message: `${found.email} is ${on ? 'now' : 'no longer'} marked privileged${r.changed ? '' : ' (unchanged)'}.` };
  },
};
