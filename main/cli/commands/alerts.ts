/**
 * `alerts list|ack`: the alerts raised for admins (over-limit attempts, actions on privileged
 * users, refused streaks, replayed codes, sign-in locks), on the vault or over a server.
 */
import type { AlertView, Channel, Req, Res } from '../../../contract/index.ts';
import { flag, type Command, type Parsed } from '../command.ts';
import type { Context } from '../context.ts';
import type { Outcome } from '../output.ts';
import { usageError } from '../output.ts';
import { acknowledgeAlert, listAlerts } from '../../core/alerts.ts';
import { storeOf } from '../../store/sqlite/sqlite-store.ts';
import { localTime } from '../format.ts';

/** One alert as a line: id, time, kind, operator, user, event, acknowledgement. */
function row(a: AlertView): string {
  return [String(a.id), localTime(a.at), a.kind, a.operator ?? '-', a.userEmail ?? (a.userId === null ? '-' : `#${a.userId}`), `${a.action} ${a.outcome}`, a.acknowledgedBy ? `acknowledged by ${a.acknowledgedBy}` : 'open'].join('\t');
}

/** The alert id argument: a whole positive number. */
function alertId(raw: string): number {
  const n = /^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw usageError(`${raw} is not an alert id: give the number "alerts list" shows first on each line.`, 'alerts ack');
  return n;
}

function listOutcome(r: { alerts: AlertView[]; open: number }): Outcome {
  return { result: { alerts: r.alerts, open: r.open }, text: r.alerts.map(row).join('\n'), message: `${r.open} open alert${r.open === 1 ? '' : 's'}.` };
}

function ackOutcome(r: { alert: AlertView; changed: boolean }): Outcome {
  return { result: r, text: row(r.alert), message: r.changed ? `Alert ${r.alert.id} acknowledged.` : `Alert ${r.alert.id} was acknowledged before, by ${r.alert.acknowledgedBy}.` };
}

export const alertsList: Command = {
  name: 'alerts list',
  summary: 'list the open alerts for admins (admin)',
  usage: ['alerts list [--all]'],
  help: `Prints each open alert as ID<TAB>TIME<TAB>KIND<TAB>OPERATOR<TAB>USER<TAB>EVENT<TAB>STATE, newest
first. Kinds: over-limit, privileged-user, refused-streak, replay, signin-lock,
single-admin-cooldown. With --json the list is result.alerts.

  --all   also the acknowledged alerts`,
  options: { all: { type: 'boolean' } },
  args: [],
  admin: true,
  async run(ctx, p) {
    return ctx.withSession(async (vault, session) => listOutcome(await listAlerts(storeOf(vault), session, { all: flag(p, 'all') })));
  },
};

export const alertsAck: Command = {
  name: 'alerts ack',
  summary: 'acknowledge an alert (admin)',
  usage: ['alerts ack ID'],
  help: `Marks the alert acknowledged in your name, recorded in the audit log (alert.acknowledged).`,
  options: {},
  args: ['ID'],
  admin: true,
  async run(ctx, p) {
    const id = alertId(p.args[0]!);
    return ctx.withSession(async (vault, session) => ackOutcome(await acknowledgeAlert(storeOf(vault), session, id)));
  },
};

/** What a remote command needs: one call of a channel. */
interface ChannelCaller {
  call<C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>>;
}

/** The same commands over a server. */
export const ALERTS_REMOTE: Record<string, (ctx: Context, p: Parsed, api: ChannelCaller) => Promise<Outcome>> = {
  async 'alerts list'(_ctx, p, api) {
    return listOutcome(await api.call('alerts:list', { all: flag(p, 'all') }));
  },
  async 'alerts ack'(_ctx, p, api) {
    return ackOutcome(await api.call('alerts:ack', { id: alertId(p.args[0]!) }));
  },
};
