import { startDeliveryWorker, type DeliveryWorker, type MailTransport, type RelayConfig, type TransportFactory, type WorkerOptions } from '../core/outbox-delivery.ts';
import type { Store } from '../store/port.ts';

/** The environment variable the relay password is read from (never a setting, never logged). */
export const SMTP_PASSWORD_ENV = 'FACTORDESK_SMTP_PASSWORD';

/** The relay password from the environment, or undefined. */
export function smtpPasswordFromEnv(env: Record<string, string | undefined> = process.env): string | undefined {
  return env[SMTP_PASSWORD_ENV] || undefined;
}

/**
 * A nodemailer transport to the relay: STARTTLS required (the relay must offer it and its
 * certificate must verify, or nothing is sent) or plain SMTP, with the user and password when
 * set. Logging is off, so the password and the messages stay out of any log. nodemailer is
 * loaded at the first message, so a command that sends nothing does not load it.
 */
export function smtpTransport(relay: RelayConfig): MailTransport {
  type Transporter = ReturnType<typeof import('nodemailer').createTransport>;
  let transporter: Promise<Transporter> | null = null;
  let closed = false;
  const open = async (): Promise<Transporter> => {
    const { default: nodemailer } = await import('nodemailer');
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
    // Closed while it was being made: nothing stays open.
    if (closed) t.close();
    return t;
  };
  return {
    async send(m) {
      transporter ??= open();
      const t = await transporter;
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
    close: () => {
      closed = true;
      void transporter?.then(
        (t) => t.close(),
        () => {},
      );
    },
  };
}

/** The worker's timing, the environment the password is read from, where failures are told, and (tests) another transport. */
export type SmtpDeliveryOptions = { env?: Record<string, string | undefined>; log?: (line: string) => void; transport?: TransportFactory } & Omit<WorkerOptions, 'onError' | 'onPass'>;

/**
 * Delivers the outbox of `store` through the relay in its settings while the process runs
 * (server mode, the app while a vault is open). A failing pass is told to `log` by its message
 * only (never a stack; the password is not in it), once while the same failure repeats. A message
 * the relay refuses is no failure of the pass: it waits in its row with the reason.
 */
export function startSmtpDelivery(store: Store | (() => Store | null), opts: SmtpDeliveryOptions = {}): DeliveryWorker {
  const { env, log, transport, ...worker } = opts;
  let last = '';
  return startDeliveryWorker(store, {
    ...worker,
    transport: transport ?? smtpTransport,
    password: smtpPasswordFromEnv(env),
    onError(err) {
      const message = err instanceof Error ? err.message : String(err);
      if (message !== last) log?.(`outbox delivery: ${message}`);
      last = message;
    },
    onPass(pass) {
      // Working again: the same failure later is news again.
      if (last && pass.configured) log?.('outbox delivery: working again');
      last = '';
    },
  });
}
