import nodemailer from 'nodemailer';
import type { MailTransport, RelayConfig } from '../core/outbox-delivery.ts';

/** The environment variable the relay password is read from (never a setting, never logged). */
export const SMTP_PASSWORD_ENV = 'FACTORDESK_SMTP_PASSWORD';

/** The relay password from the environment, or undefined. */
export function smtpPasswordFromEnv(env: Record<string, string | undefined> = process.env): string | undefined {
  return env[SMTP_PASSWORD_ENV] || undefined;
}

/**
 * A nodemailer transport to the relay: STARTTLS required (the relay must offer it and its
 * certificate must verify, or nothing is sent) or plain SMTP, with the user and password when
 * set. Logging is off, so the password and the messages stay out of any log.
 */
export function smtpTransport(relay: RelayConfig): MailTransport {
  const t = nodemailer.createTransport({
    host: relay.host,
    port: relay.port,
    secure: false,
    requireTLS: relay.startTls === 'required',
    ignoreTLS: relay.startTls === 'none',
    auth: relay.user ? { user: relay.user, pass: relay.password ?? '' } : undefined,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
    logger: false,
    debug: false,
  });
  return {
    async send(m) {
      await t.sendMail({
        from: m.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        messageId: m.messageId,
        date: m.date,
        // RFC 3834: an automatic message, so out-of-office replies stay away.
        headers: { 'Auto-Submitted': 'auto-generated', 'Content-Language': m.language },
      });
    },
    close: () => t.close(),
  };
}
