import { createHash } from 'node:crypto';
import type { Clock } from './clock.ts';
import type { Store } from '../store/port.ts';
import type { OutboxRecord } from '../store/records.ts';
import { currentSettings, type Settings } from './settings.ts';
import { isNotificationKind, notificationTexts, type NotificationText } from './actions.ts';
import { fail } from './errors.ts';
import type { Session } from './session.ts';
import { requireRole } from './roles.ts';
import type { Channel } from '../../contract/index.ts';

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

/**
 * The channels whose success may have queued a notification (or set the relay up): the doors
 * kick the worker after them, so the user hears of a change in seconds, not at the next interval.
 */
export const DELIVER_AFTER: ReadonlySet<string> = new Set<Channel>(['codes:issue-one-time', 'codes:backup', 'enrollment:reenroll', 'enrollment:regenerate', 'enrollment:confirm', 'sms:remove', 'lock:clear', 'settings:update']);

/** A delivery worker that runs a pass now and then; `stop` waits for the pass in progress. */
export interface DeliveryWorker {
  /** Runs a pass soon (after a change was queued): within `kickDelayMs`, never later than already planned. */
  kick(): void;
  /** Runs one pass now and answers what it did (passes never overlap). */
  runOnce(): Promise<DeliveryPass>;
  stop(): Promise<void>;
}

/** Timer functions, passed in so tests drive the worker's ticks without waiting. */
export interface WorkerTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: WorkerTimers = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    // A pending pass never keeps the process alive (the CLI exits, tests end).
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** How the worker runs: every `intervalMs` (default 30 s), the first pass after `firstRunMs` (default at once), a kick after `kickDelayMs` (default 1 s, so a burst of changes makes one pass). */
export interface WorkerOptions {
  intervalMs?: number;
  firstRunMs?: number;
  kickDelayMs?: number;
  timers?: WorkerTimers;
  clock?: Clock;
  /** Told of a failed pass (no relay password, a store closed under it); the worker carries on. */
  onError?: (err: unknown) => void;
  /** Told of each pass of its own timer that ran to the end. */
  onPass?: (pass: DeliveryPass) => void;
}

/**
 * Starts delivering the outbox. `store` may be a function answering the store open now, or
 * null while none is (the app between a lock and the next sign-in): that tick does nothing.
 * An item claimed by a pass that failed half-way is tried again after its lease.
 */
export function startDeliveryWorker(store: Store | (() => Store | null), deps: { transport: TransportFactory; password: string | undefined } & WorkerOptions): DeliveryWorker {
  const interval = deps.intervalMs ?? 30_000;
  const kickDelay = deps.kickDelayMs ?? 1_000;
  const timers = deps.timers ?? realTimers;
  const onError = deps.onError ?? (() => {});
  const current = typeof store === 'function' ? store : () => store;
  let stopped = false;
  // A kick leaves a pass already due soon alone, so a burst of changes makes one pass.
  let timer: { handle: unknown; soon: boolean } | null = null;
  let running: Promise<DeliveryPass> | null = null;
  const idle: DeliveryPass = { configured: false, delivered: 0, failed: 0, skipped: 0 };
  const runOnce = (): Promise<DeliveryPass> => {
    if (running) return running.catch(() => idle).then(() => runOnce());
    const s = current();
    if (!s || stopped) return Promise.resolve({ ...idle });
    const p = deliverOutbox(s, deps).finally(() => {
      running = null;
    });
    running = p;
    return p;
  };
  const schedule = (ms: number, kick: boolean) => {
    if (stopped) return;
    if (timer) {
      if (kick && timer.soon) return;
      timers.clearTimeout(timer.handle);
    }
    const handle = timers.setTimeout(() => {
      timer = null;
      runOnce()
        .then((pass) => deps.onPass?.(pass), onError)
        // A kick that came during the pass keeps its own, sooner, turn.
        .finally(() => timer === null && schedule(interval, false));
    }, ms);
    timer = { handle, soon: ms <= kickDelay };
  };
  schedule(deps.firstRunMs ?? 0, false);
  return {
    kick: () => schedule(kickDelay, true),
    runOnce,
    async stop() {
      stopped = true;
      if (timer) timers.clearTimeout(timer.handle);
      timer = null;
      await running?.catch(() => {});
    },
  };
}
