// Notifications delivered by SMTP to a local sink the test starts (smtp-server on 127.0.0.1),
// on both stores: one message per change and none with a code in it, a retry after a refused
// attempt once the clock has moved (same Message-ID), STARTTLS required means nothing goes to a
// relay without it, and the relay password is used but stored nowhere.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/core/clock.ts';
import { foldKey } from '../../main/core/text.ts';
import type { Session } from '../../main/core/session.ts';
import type { Store } from '../../main/store/port.ts';
import { openPostgresStore } from '../../main/store/postgres/pg-store.ts';
import { updateSettings, type SettingsPatch } from '../../main/core/settings.ts';
import { issueOneTimeCode } from '../../main/core/one-time-codes.ts';
import { issueBackupCodes } from '../../main/core/backup-codes.ts';
import { forceReenrollment } from '../../main/core/enrollment.ts';
import { deliverOutbox, DELIVERY_POLICY, messageIdOf, retryDelay, startDeliveryWorker } from '../../main/core/outbox-delivery.ts';
import { exportOutbox } from '../../main/core/outbox.ts';
import type { OutputSink } from '../../main/core/sink.ts';
import { smtpTransport, startSmtpDelivery } from '../../main/platform/smtp-transport.ts';
import { makeVault } from '../helpers/vault.ts';
import { createTestDatabase, ensurePostgres, TEST_VALUE_KEY } from '../helpers/postgres.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';

const ACT = { checks: ['callback'], ticket: 'HD-7', reason: 'new phone' };
const KARI = 'kari.nordmann@example.no';
/** Timers that fire only when the test says so, remembering each one's delay. */
function manualTimers() {
  const list = new Map<number, { fn: () => void; ms: number }>();
  let n = 0;
  return {
    setTimeout: (fn: () => void, ms: number) => (list.set(++n, { fn, ms }), n),
    clearTimeout: (h: unknown) => void list.delete(h as number),
    pending: () => [...list.values()].map((t) => t.ms),
    fire() {
      for (const [k, t] of [...list]) {
        list.delete(k);
        t.fn();
      }
    },
  };
}
const NULL_SINK: OutputSink = { save: async () => {}, discard: async () => {} };

interface Harness {
  store: Store;
  clock: ManualClock;
  admin: Session;
  agent: Session;
  kari: number;
  close(): Promise<void>;
}

const HARNESSES: Record<string, () => Promise<Harness>> = {
  async sqlite() {
    const v = await makeVault({ withAgent: true });
    const kari = await v.store.write((tx) => tx.users.insert({ externalId: null, email: KARI, emailKey: foldKey(KARI), name: 'Kari Nordmann', nameKey: foldKey('Kari Nordmann'), phone: null, organization: null, status: 'active' }, v.clock.now()));
    return { store: v.store, clock: v.clock, admin: v.admin, agent: v.agent!, kari: kari!, close: async () => v.cleanup() };
  },
  async postgres() {
    await ensurePostgres();
    const db = await createTestDatabase();
    const clock = new ManualClock();
    const store = await openPostgresStore({ connectionString: db.url, clock, ...TEST_VALUE_KEY });
    const kari = await store.write((tx) => tx.users.insert({ externalId: null, email: KARI, emailKey: foldKey(KARI), name: 'Kari Nordmann', nameKey: foldKey('Kari Nordmann'), phone: null, organization: null, status: 'active' }, clock.now()));
    const admin: Session = { operatorId: 'op-anne', name: 'anne', displayName: 'Anne Berg', role: 'admin', emailKey: 'anne.berg@example.no', signedInAt: 0, via: 'https' };
    const agent: Session = { operatorId: 'op-per', name: 'per', displayName: 'Per Lie', role: 'agent', emailKey: 'per.lie@example.no', signedInAt: 0, via: 'https' };
    return {
      store,
      clock,
      admin,
      agent,
      kari: kari!,
      async close() {
        await store.close();
        await db.drop();
      },
    };
  },
};

describe.each(Object.keys(HARNESSES))('outbox delivery by SMTP (%s)', (kind) => {
  let h: Harness;
  let sink: SmtpSink;
  beforeAll(() => (kind === 'postgres' ? ensurePostgres() : undefined), 60_000);
  beforeEach(async () => {
    h = await HARNESSES[kind]!();
    sink = await startSmtpSink();
  });
  afterEach(async () => {
    await sink.close();
    await h.close();
  });

  const relay = (extra: SettingsPatch = {}) => updateSettings(h.store, h.admin, { smtpHost: '127.0.0.1', smtpPort: sink.port, smtpStartTls: 'none', smtpFrom: 'helpdesk@example.no', supportContact: 'Brukerstøtte, 22 33 44 55', ...extra });
  const pass = () => deliverOutbox(h.store, { transport: smtpTransport, password: undefined });

  it('sends exactly one message per change, to the user, with no code in it', async () => {
    await relay();
    const otc = await issueOneTimeCode(h.store, h.agent, h.kari, ACT);
    const backup = await issueBackupCodes(h.store, h.agent, h.kari, ACT);
    const reenrol = await forceReenrollment(h.store, h.agent, h.kari, ACT);
    expect(await pass()).toEqual({ configured: true, delivered: 3, failed: 0, skipped: 0 });
    // A second pass sends nothing again.
    expect(await pass()).toMatchObject({ delivered: 0, failed: 0 });
    const got = sink.accepted();
    expect(got).toHaveLength(3);
    expect(got.every((m) => m.to.length === 1 && m.to[0] === KARI)).toBe(true);
    expect(new Set(got.map((m) => m.headers['message-id'])).size).toBe(3);
    const secrets = [otc.code, otc.code.replace(/\D/g, ''), ...backup.codes, ...backup.codes.map((c) => c.replace(/[^A-Za-z0-9]/g, '')), reenrol.key, reenrol.key.replace(/\s/g, ''), new URL(reenrol.uri).searchParams.get('secret')!];
    for (const m of got) {
      for (const s of secrets) expect(m.raw.replace(/=\r\n/g, '')).not.toContain(s);
      for (const s of secrets) expect(m.text).not.toContain(s);
      expect(m.raw).not.toMatch(/otpauth:|data:image/i);
      // Norwegian (the site default), naming the helpdesk contact from the settings.
      expect(m.text).toContain('Innloggingsmetodene dine hos');
      expect(m.text).toContain('ring Brukerstøtte, 22 33 44 55');
      expect(m.text).not.toContain('Your sign-in methods');
      expect(m.headers['from']).toBe('helpdesk@example.no');
      expect(m.headers['auto-submitted']).toBe('auto-generated');
    }
    expect(got.map((m) => m.text)).toEqual(expect.arrayContaining([expect.stringContaining('engangskode'), expect.stringContaining('reservekoder'), expect.stringContaining('tilbakestilt')]));
    // Delivered items are handed over: an export finds none of them.
    const items = await h.store.read((tx) => tx.outbox.list({ pendingOnly: false, limit: 10 }));
    expect(items.every((i) => i.deliveredAt !== null && i.attempts === 1)).toBe(true);
    expect(got.map((m) => m.headers['message-id']).sort()).toEqual(items.map((i) => messageIdOf(i)).sort());
    expect((await exportOutbox(h.store, h.admin, 'json', NULL_SINK)).count).toBe(0);
  });

  it('writes in English when the site says so', async () => {
    await relay({ notificationLanguage: 'en', supportContact: '' });
    await issueOneTimeCode(h.store, h.agent, h.kari, ACT);
    await pass();
    const [m] = sink.accepted();
    expect(m!.headers['subject']).toBe('FactorDesk: Your sign-in methods were changed');
    expect(m!.text).toContain('A one-time code was issued for you. If this was not you, contact the helpdesk.');
    expect(m!.text).not.toContain('Innloggingsmetodene');
  });

  it('retries a refused message after the back-off, with the same Message-ID', async () => {
    await relay();
    await issueOneTimeCode(h.store, h.agent, h.kari, ACT);
    sink.refuseNext(2);
    const t0 = h.clock.now();
    expect(await pass()).toMatchObject({ delivered: 0, failed: 1 });
    let [row] = await h.store.read((tx) => tx.outbox.list({ pendingOnly: false, limit: 1 }));
    expect(row).toMatchObject({ attempts: 1, nextAttemptAt: t0 + retryDelay(1), deliveredAt: null });
    expect(row!.lastError).toContain('451');
    // Not due yet: nothing is tried before the clock moves.
    h.clock.advance(retryDelay(1) - 1);
    expect(await pass()).toMatchObject({ delivered: 0, failed: 0 });
    expect(sink.seen).toHaveLength(1);
    h.clock.advance(1);
    expect(await pass()).toMatchObject({ delivered: 0, failed: 1 });
    [row] = await h.store.read((tx) => tx.outbox.list({ pendingOnly: false, limit: 1 }));
    // The wait doubles.
    expect(row).toMatchObject({ attempts: 2, nextAttemptAt: h.clock.now() + 2 * retryDelay(1) });
    h.clock.advance(retryDelay(2));
    expect(await pass()).toMatchObject({ delivered: 1, failed: 0 });
    expect(sink.seen.map((m) => m.accepted)).toEqual([false, false, true]);
    expect(new Set(sink.seen.map((m) => m.headers['message-id'])).size).toBe(1);
    expect(sink.seen[0]!.headers['date']).toBe(sink.seen[2]!.headers['date']);
    [row] = await h.store.read((tx) => tx.outbox.list({ pendingOnly: false, limit: 1 }));
    expect(row).toMatchObject({ attempts: 3, deliveredAt: h.clock.now(), lastError: null });
  });

  it('gives up after the last attempt and leaves the item to the export', async () => {
    await relay();
    await issueOneTimeCode(h.store, h.agent, h.kari, ACT);
    sink.refuseNext(1000);
    for (let i = 0; i < DELIVERY_POLICY.maxAttempts; i++) {
      expect(await pass()).toMatchObject({ failed: 1 });
      h.clock.advance(DELIVERY_POLICY.maxDelayMs);
    }
    expect(await pass()).toMatchObject({ delivered: 0, failed: 0 });
    expect(sink.seen).toHaveLength(DELIVERY_POLICY.maxAttempts);
    expect(await h.store.read((tx) => tx.outbox.pendingCount())).toBe(1);
  });

  it('with STARTTLS required, sends nothing to a relay that does not offer it', async () => {
    await relay({ smtpStartTls: 'required' });
    await issueOneTimeCode(h.store, h.agent, h.kari, ACT);
    expect(await pass()).toMatchObject({ delivered: 0, failed: 1 });
    expect(sink.seen).toHaveLength(0);
    const [row] = await h.store.read((tx) => tx.outbox.list({ pendingOnly: false, limit: 1 }));
    expect(row!.lastError).toMatch(/STARTTLS|TLS/i);
  });

  it('does nothing without a relay, and leaves exported items alone', async () => {
    await issueOneTimeCode(h.store, h.agent, h.kari, ACT);
    expect(await pass()).toEqual({ configured: false, delivered: 0, failed: 0, skipped: 0 });
    expect((await exportOutbox(h.store, h.admin, 'csv', NULL_SINK)).count).toBe(1);
    await relay();
    expect(await pass()).toMatchObject({ delivered: 0 });
    expect(sink.seen).toHaveLength(0);
  });
});

describe('relay password and the worker (sqlite)', () => {
  let h: Harness;
  let sink: SmtpSink;
  const PASSWORD = 'relay-pass-9f3b1c';
  beforeEach(async () => {
    h = await HARNESSES['sqlite']!();
    sink = await startSmtpSink({ auth: { user: 'factordesk', password: PASSWORD } });
    await updateSettings(h.store, h.admin, { smtpHost: '127.0.0.1', smtpPort: sink.port, smtpStartTls: 'none', smtpFrom: 'helpdesk@example.no', smtpUser: 'factordesk' });
  });
  afterEach(async () => {
    await sink.close();
    await h.close();
  });

  it('signs in with the password from the caller and stores it nowhere', async () => {
    await issueOneTimeCode(h.store, h.agent, h.kari, ACT);
    // A wrong password fails the attempt; the row says why without the password.
    expect(await deliverOutbox(h.store, { transport: smtpTransport, password: 'wrong-pass-1234' })).toMatchObject({ failed: 1 });
    const [row] = await h.store.read((tx) => tx.outbox.list({ pendingOnly: false, limit: 1 }));
    expect(row!.lastError).not.toContain('wrong-pass-1234');
    h.clock.advance(retryDelay(1));
    expect(await deliverOutbox(h.store, { transport: smtpTransport, password: PASSWORD })).toMatchObject({ delivered: 1 });
    expect(sink.accepted()).toHaveLength(1);
    const settings = await h.store.read((tx) => tx.settings.all());
    const audit = await h.store.read((tx) => tx.audit.list({ limit: 1000 }));
    const outbox = await h.store.read((tx) => tx.outbox.list({ pendingOnly: false, limit: 10 }));
    expect(JSON.stringify([settings, audit, outbox])).not.toContain(PASSWORD);
  });

  it('refuses to run with a relay user and no password', async () => {
    await issueOneTimeCode(h.store, h.agent, h.kari, ACT);
    await expect(deliverOutbox(h.store, { transport: smtpTransport, password: undefined })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(sink.seen).toHaveLength(0);
  });

  it('a failing pass is logged once while it repeats, by its message, and again after it worked', async () => {
    const timers = manualTimers();
    const lines: string[] = [];
    // No FACTORDESK_SMTP_PASSWORD while the relay wants a user: every pass fails before sending.
    const worker = startSmtpDelivery(h.store, { env: {}, log: (l) => lines.push(l), timers, intervalMs: 60_000 });
    const tick = async () => {
      timers.fire();
      await expect.poll(() => timers.pending()).toEqual([60_000]);
    };
    try {
      await tick();
      await tick();
      expect(lines).toEqual([expect.stringMatching(/^outbox delivery: The SMTP relay user is set but FACTORDESK_SMTP_PASSWORD is not/)]);
      await updateSettings(h.store, h.admin, { smtpUser: '' });
      await tick();
      await updateSettings(h.store, h.admin, { smtpUser: 'factordesk' });
      await tick();
      expect(lines).toHaveLength(3);
      expect(lines[1]).toBe('outbox delivery: working again');
      expect(lines[2]).toBe(lines[0]);
    } finally {
      await worker.stop();
    }
  });

  it('the worker passes on its interval, a burst of kicks brings one pass forward, and stop ends it', async () => {
    const timers = manualTimers();
    const worker = startDeliveryWorker(h.store, { transport: smtpTransport, password: PASSWORD, intervalMs: 60_000, kickDelayMs: 1_000, firstRunMs: 5_000, timers });
    try {
      expect(timers.pending()).toEqual([5_000]);
      timers.fire(); // the first pass: nothing queued yet
      await expect.poll(() => timers.pending()).toEqual([60_000]);
      await issueOneTimeCode(h.store, h.agent, h.kari, ACT);
      await issueBackupCodes(h.store, h.agent, h.kari, ACT);
      worker.kick();
      worker.kick();
      expect(timers.pending()).toEqual([1_000]);
      timers.fire();
      // A kick while that pass runs keeps its own turn (the pass may have read the outbox already).
      worker.kick();
      await expect.poll(() => sink.accepted().length).toBe(2);
      await expect.poll(() => timers.pending()).toEqual([1_000]);
      timers.fire();
      await expect.poll(() => timers.pending()).toEqual([60_000]);
      timers.fire(); // the interval pass: nothing is sent twice
      await expect.poll(() => timers.pending()).toEqual([60_000]);
      expect(sink.accepted()).toHaveLength(2);
    } finally {
      await worker.stop();
    }
    worker.kick();
    expect(timers.pending()).toEqual([]);
  });
});
