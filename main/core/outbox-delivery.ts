import { createHash } from 'node:crypto';
import type { Clock } from './clock.ts';
import type { Store } from '../store/port.ts';
import type { OutboxRecord } from '../store/records.ts';
import { currentSettings, type Settings } from './settings.ts';
import { isNotificationKind, notificationTexts, type NotificationText } from './actions.ts';
import { fail } from './errors.ts';
import type { Session } from './session.ts';
import { requireRole } from './roles.ts';

/** The relay a transport sends through (from the settings; the password from the environment). */
export interface RelayConfig {
  host: string;
  port: number;
  startTls: 'required' | 'none';
  user: string;
  /** Only in memory: never stored, logged or audited. */
  password: string | undefined;
}

/** One notification as mail. The same outbox item always gives the same message. */
export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  /** `<…@…>`, derived from the outbox item: a retry carries the same one, so a receiver drops duplicates. */
  messageId: string;
  /** When the change happened (the item's time, so a retry is the same message). */
  date: Date;
  language: 'nb' | 'en';
}

/** Sends mail; rejects when the relay does not take the message. */
export interface MailTransport {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** Makes a transport for a relay (nodemailer in the app, a fake or a local sink in tests). */
export type TransportFactory = (relay: RelayConfig) => MailTransport;

/** Retry policy: the wait doubles from `baseDelayMs` after each failed attempt, up to `maxDelayMs`. */
export const DELIVERY_POLICY = {
  baseDelayMs: 60_000,
  maxDelayMs: 6 * 60 * 60_000,
  /** After this many attempts an item is left to the export. */
  maxAttempts: 20,
  /** How long a claimed item is left alone by other workers while it is sent. */
  leaseMs: 5 * 60_000,
  /** Items per pass. */
  batch: 100,
} as const;

/** The wait before the next attempt after `attempts` failed ones (1 → 1 min, 2 → 2 min, … capped). */
export function retryDelay(attempts: number): number {
  const n = Math.max(1, Math.trunc(attempts));
  return Math.min(DELIVERY_POLICY.baseDelayMs * 2 ** Math.min(n - 1, 30), DELIVERY_POLICY.maxDelayMs);
}

/** A Message-ID that depends only on the outbox item, so every attempt at it carries the same one. */
export function messageIdOf(item: Pick<OutboxRecord, 'id' | 'userId' | 'email' | 'kind' | 'createdAt'>): string {
  const h = createHash('sha256').update(JSON.stringify([item.id, item.userId, item.email, item.kind, item.createdAt])).digest('hex').slice(0, 24);
  return `<${item.id}.${item.createdAt}.${h}@outbox.factordesk.invalid>`;
}

/** The relay the settings name, or null when delivery is off (no host or no sender). */
export function relayOf(s: Settings, password: string | undefined): RelayConfig | null {
  if (!s.smtpHost || !s.smtpFrom) return null;
  return { host: s.smtpHost, port: s.smtpPort, startTls: s.smtpStartTls, user: s.smtpUser, password: password || undefined };
}

/**
 * The mail for one outbox item in `language`: the text is made again from the item's kind and
 * time and the settings (organisation, helpdesk contact), never from anything secret. An item of
 * a kind this build does not know goes as it was queued.
 */
export function mailOf(item: OutboxRecord, s: Settings, language: 'nb' | 'en'): MailMessage {
  let text: NotificationText = { subject: item.subject, body: item.body };
  if (isNotificationKind(item.kind)) text = notificationTexts(item.kind, item.createdAt, s)[language];
  return { from: s.smtpFrom, to: item.email, subject: text.subject, text: text.body + '\n', messageId: messageIdOf(item), date: new Date(item.createdAt), language };
}

/** What one pass did. */
export interface DeliveryPass {
  /** False when no relay is set: nothing was tried. */
  configured: boolean;
  delivered: number;
  failed: number;
  /** Items another worker had claimed first. */
  skipped: number;
}

/** A failure in a few words for the outbox row, with the password taken out should a relay echo it. */
function describeFailure(err: unknown, password: string | undefined): string {
  const e = err as { code?: unknown; responseCode?: unknown; message?: unknown };
  const parts = [typeof e?.code === 'string' ? e.code : null, typeof e?.responseCode === 'number' ? String(e.responseCode) : null, typeof e?.message === 'string' ? e.message : String(err)];
  let text = parts.filter(Boolean).join(' ').replace(/[\p{Cc}]+/gu, ' ').slice(0, 300);
  if (password) text = text.split(password).join('***');
  return text;
}

/**
 * One delivery pass: every item due is claimed (one attempt counted, held for a lease), sent,
 * and marked delivered; a failed attempt sets the next one after `retryDelay`. Sending happens
 * outside any transaction. At least once: a crash between sending and marking sends the item
 * again after the lease, with the same Message-ID. The password comes from the caller (the
 * environment), is handed only to the transport and appears in no row, log or audit event.
 */
export async function deliverOutbox(store: Store, deps: { transport: TransportFactory; password: string | undefined; clock?: Clock }): Promise<DeliveryPass> {
  const clock = deps.clock ?? store.clock;
  const settings = await currentSettings(store);
  const relay = relayOf(settings, deps.password);
  const pass: DeliveryPass = { configured: relay !== null, delivered: 0, failed: 0, skipped: 0 };
  if (!relay) return pass;
  // Without the password a relay that wants one would refuse every message: say so instead.
  if (relay.user && !relay.password) fail('BAD_REQUEST', 'The SMTP relay user is set but FACTORDESK_SMTP_PASSWORD is not. Set it in the environment and try again.', { field: 'smtpUser' });
  const due = await store.read((tx) => tx.outbox.dueForDelivery({ now: clock.now(), limit: DELIVERY_POLICY.batch, maxAttempts: DELIVERY_POLICY.maxAttempts }));
  if (due.length === 0) return pass;
  const transport = deps.transport(relay);
  try {
    for (const item of due) {
      const claimed = await store.write((tx) => tx.outbox.claimDelivery(item.id, item.attempts, clock.now() + DELIVERY_POLICY.leaseMs));
      if (!claimed) {
        pass.skipped++;
        continue;
      }
      try {
        await transport.send(mailOf(item, settings, settings.notificationLanguage));
      } catch (err) {
        const next = clock.now() + retryDelay(item.attempts + 1);
        await store.write((tx) => tx.outbox.deferDelivery(item.id, next, describeFailure(err, relay.password)));
        pass.failed++;
        continue;
      }
      await store.write((tx) => tx.outbox.markDelivered(item.id, clock.now()));
      pass.delivered++;
    }
  } finally {
    transport.close();
  }
  return pass;
}

/**
 * One delivery pass on an operator's request (admin: the permission that hands the outbox over
 * by export). Without a relay in the settings it says what to set instead of doing nothing.
 */
export async function deliverOutboxNow(store: Store, session: Session, deps: { transport: TransportFactory; password: string | undefined }): Promise<DeliveryPass> {
  requireRole(session, 'outbox:export');
  const pass = await deliverOutbox(store, deps);
  if (!pass.configured) fail('BAD_REQUEST', 'No SMTP relay is set. Set smtpHost and smtpFrom (factordesk settings set) and try again.', { field: 'smtpHost' });
  return pass;
}

/** A delivery worker that runs a pass now and then; `stop` waits for the pass in progress. */
export interface DeliveryWorker {
  /** Runs a pass soon (after a change was queued). */
  kick(): void;
  /** Runs one pass now and answers what it did (passes never overlap). */
  runOnce(): Promise<DeliveryPass>;
  stop(): Promise<void>;
}

/**
 * Starts delivering the outbox of `store` every `intervalMs` (default 30 s). Failures of a pass
 * (no relay password, a store error) go to `onError` and the worker carries on.
 */
export function startDeliveryWorker(
  store: Store,
  deps: { transport: TransportFactory; password: string | undefined; clock?: Clock; intervalMs?: number; onError?: (err: unknown) => void },
): DeliveryWorker {
  const interval = deps.intervalMs ?? 30_000;
  const onError = deps.onError ?? (() => {});
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<DeliveryPass> | null = null;
  const runOnce = (): Promise<DeliveryPass> => {
    if (running) return running.then(() => runOnce());
    const p = deliverOutbox(store, deps).finally(() => {
      running = null;
    });
    running = p;
    return p;
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      runOnce()
        .catch(onError)
        .finally(() => schedule(interval));
    }, ms);
    timer.unref?.();
  };
  schedule(0);
  return {
    kick: () => schedule(0),
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running?.catch(() => {});
    },
  };
}
