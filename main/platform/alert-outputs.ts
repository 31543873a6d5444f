import { open } from 'node:fs/promises';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import type { AlertView } from '../../contract/alerts.ts';
import type { Store } from '../store/port.ts';
import { currentSettings } from '../core/settings.ts';
import { whenVaultStoreOpens } from '../store/sqlite/sqlite-store.ts';

/** One alert as a line of the alert log: who, what and when, never a code or secret. */
export function alertJson(a: AlertView): string {
  return JSON.stringify({
    type: 'factordesk.alert',
    id: a.id,
    kind: a.kind,
    at: new Date(a.at).toISOString(),
    auditSeq: a.auditSeq,
    action: a.action,
    outcome: a.outcome,
    operator: a.operator,
    userId: a.userId,
    userEmail: a.userEmail,
  });
}

/** Appends one JSON line per alert to `path`, creating it 0600 (it names users and operators). */
export async function appendAlertLog(path: string, alerts: readonly AlertView[]): Promise<void> {
  const f = await open(path, 'a', 0o600);
  try {
    await f.appendFile(alerts.map((a) => alertJson(a) + '\n').join(''), 'utf8');
  } finally {
    await f.close();
  }
}

/** Where syslog messages go. */
export interface SyslogTarget {
  host: string;
  port: number;
  protocol: 'udp' | 'tcp';
}

/** An RFC 5424 message for one alert: facility auth (4), severity warning (4), the JSON as MSG. */
export function syslogMessage(a: AlertView, host = hostname()): string {
  const name = host.replace(/[^\x21-\x7e]/g, '').slice(0, 255) || '-';
  return `<36>1 ${new Date(a.at).toISOString()} ${name} factordesk ${process.pid} ALERT - ${alertJson(a)}`;
}

/**
 * Sends one message per alert: a datagram each over UDP, or over TCP with octet-counting framing
 * (RFC 6587 3.4.1). Settles within `timeoutMs`; rejects when the host does not take them.
 */
export function sendSyslog(target: SyslogTarget, messages: readonly string[], timeoutMs = 5000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      cleanup();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error('The syslog host did not answer in time.')), timeoutMs);
    let cleanup = () => {};
    if (target.protocol === 'udp') {
      const sock = createSocket(target.host.includes(':') ? 'udp6' : 'udp4');
      cleanup = () => sock.close();
      sock.on('error', (e) => finish(e));
      let left = messages.length;
      if (left === 0) return finish();
      for (const m of messages) {
        sock.send(Buffer.from(m, 'utf8'), target.port, target.host, (err) => {
          if (err) return finish(err);
          if (--left === 0) finish();
        });
      }
    } else {
      const sock = connect({ host: target.host, port: target.port });
      cleanup = () => sock.destroy();
      sock.on('error', (e) => finish(e));
      sock.on('connect', () => {
        const framed = messages.map((m) => `${Buffer.byteLength(m, 'utf8')} ${m}`).join('');
        sock.end(framed, 'utf8', () => finish());
      });
    }
  });
}

const attached = new WeakMap<Store, { syslog: boolean }>();
const inFlight = new Set<Promise<void>>();

/** Waits for the alert outputs still being written (a command line waits before it exits). */
export async function flushAlertOutputs(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}

/**
 * Writes each alert a committed write raised to the alert log (setting alertLogPath) and, with
 * `syslog` (server mode), to the syslog host in the settings. Failures are reported to `onError`
 * and never touch the action, which is committed already. Attaching a store twice only upgrades it.
 */
export function attachAlertOutputs(store: Store, opts: { syslog: boolean; onError?: (err: unknown) => void }): void {
  const seen = attached.get(store);
  if (seen) {
    seen.syslog ||= opts.syslog;
    return;
  }
  const state = { syslog: opts.syslog };
  attached.set(store, state);
  const onError = opts.onError ?? (() => {});
  store.onAlerts((alerts) => {
    const job = (async () => {
      const s = await currentSettings(store);
      const work: Array<Promise<void>> = [];
      if (s.alertLogPath) work.push(appendAlertLog(s.alertLogPath, alerts));
      if (state.syslog && s.syslogHost) work.push(sendSyslog({ host: s.syslogHost, port: s.syslogPort, protocol: s.syslogProtocol }, alerts.map((a) => syslogMessage(a))));
      for (const r of await Promise.allSettled(work)) if (r.status === 'rejected') onError(r.reason);
    })().catch(onError);
    inFlight.add(job);
    void job.finally(() => inFlight.delete(job));
    return job;
  });
}

let vaultHook = false;

/** Writes the alerts of every vault store this process opens to the alert log (once per process). */
export function attachAlertLogToVaultStores(): void {
  if (vaultHook) return;
  vaultHook = true;
  whenVaultStoreOpens((s) => attachAlertOutputs(s, { syslog: false }));
}
