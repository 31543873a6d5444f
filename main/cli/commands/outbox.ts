import { deliverOutboxNow } from '../../core/outbox-delivery.ts';
import { smtpPasswordFromEnv, smtpTransport, SMTP_PASSWORD_ENV } from '../../platform/smtp-transport.ts';
import { storeOf } from '../../store/sqlite/sqlite-store.ts';
import type { Command } from '../command.ts';

export const outboxDeliver: Command = {
  name: 'outbox deliver',
  summary: 'send the queued user notifications through the SMTP relay once (admin)',
  usage: ['outbox deliver'],
  help: `Runs one delivery pass: every notification not exported or delivered yet whose next attempt
is due is sent through the relay in the settings (smtpHost, smtpPort, smtpStartTls, smtpFrom,
smtpUser) and marked delivered. A message the relay refuses is tried again later, waiting twice
as long after each failure (1 minute, 2, 4, … at most 6 hours; 20 attempts, then it is left to
"outbox export"). A retry carries the same Message-ID, so a receiver drops a duplicate.
The relay password comes from ${SMTP_PASSWORD_ENV}; it is never stored or printed.
The app and "factordesk serve" deliver by themselves while they run.`,
  options: {},
  args: [],
  admin: true,
  async run(ctx) {
    return ctx.withSession(async (vault, session) => {
      const r = await deliverOutboxNow(storeOf(vault), session, { transport: smtpTransport, password: smtpPasswordFromEnv(ctx.io.env) });
      const plural = (n: number) => `${n} notification${n === 1 ? '' : 's'}`;
      const message = `${plural(r.delivered)} delivered${r.failed ? `; ${plural(r.failed)} refused or not reached, tried again later` : ''}.`;
      return { result: { delivered: r.delivered, failed: r.failed, skipped: r.skipped }, message };
    });
  },
};
