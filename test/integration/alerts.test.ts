import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { errorCode, makeVault } from '../helpers/vault.ts';
import { attachAlertOutputs } from '../../main/platform/alert-outputs.ts';
import { updateSettings } from '../../main/core/settings.ts';
import { acknowledgeAlert, listAlerts } from '../../main/core/alerts.ts';
import type { Store } from '../../main/store/port.ts';
import type { Session } from '../../main/core/session.ts';

let v: Awaited<ReturnType<typeof makeVault>>;
let store: Store;
let admin: Session;
beforeEach(async () => {
  v = await makeVault({ withAgent: true });
  store = v.store;
  admin = v.admin;
});
afterEach(() => v.cleanup());

/** Appends events as a service would, in one write. */
const raise = (events: Array<{ action: string; outcome: string; userEmail?: string }>) =>
  store.write(async (tx) => {
    for (const e of events) await tx.audit.append({ operator: 'anne', details: { via: 'cli' }, ...e }, v.clock.now());
  });

describe('alert outputs', () => {
  it('the alert log gets one JSON line per alert, in a file only its owner can read', async () => {
    const path = join(v.dir, 'alerts.log');
    attachAlertOutputs(store, { syslog: false });
    await updateSettings(store, admin, { alertLogPath: path });
    await raise([
      { action: 'velocity.exceeded', outcome: 'refused', userEmail: 'ola@example.no' },
      { action: 'user.view', outcome: 'ok' },
      { action: 'signin.locked', outcome: 'refused' },
    ]);
    await raise([{ action: 'velocity.exceeded', outcome: 'refused' }]);
    await expect.poll(() => readFileSync(path, 'utf8').split('\n').filter(Boolean).length).toBe(3);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l['kind'])).toEqual(['over-limit', 'signin-lock', 'over-limit']);
    expect(lines[0]).toMatchObject({ type: 'factordesk.alert', action: 'velocity.exceeded', operator: 'anne', userEmail: 'ola@example.no' });
    expect(new Set(lines.map((l) => l['id'])).size).toBe(3);
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('a failing alert log never fails the action', async () => {
    attachAlertOutputs(store, { syslog: false });
    await updateSettings(store, admin, { alertLogPath: join(v.dir, 'no-such-folder', 'alerts.log') });
    await expect(raise([{ action: 'velocity.exceeded', outcome: 'refused' }])).resolves.toBeUndefined();
    expect((await listAlerts(store, admin)).open).toBe(1);
  });

  it('server mode sends each alert as an RFC 5424 message over UDP', async () => {
    const sock: Socket = createSocket('udp4');
    const got: string[] = [];
    sock.on('message', (m) => got.push(m.toString('utf8')));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    try {
      attachAlertOutputs(store, { syslog: true });
      await updateSettings(store, admin, { syslogHost: '127.0.0.1', syslogPort: (sock.address() as AddressInfo).port, syslogProtocol: 'udp' });
      await raise([
        { action: 'velocity.exceeded', outcome: 'refused' },
        { action: 'signin.locked', outcome: 'refused' },
      ]);
      await expect.poll(() => got.length).toBe(2);
      for (const m of got) expect(m).toMatch(/^<36>1 \d{4}-\d\d-\d\dT\S+Z \S+ factordesk \d+ ALERT - \{/);
      expect(got.map((m) => (JSON.parse(m.slice(m.indexOf('{'))) as { kind: string }).kind)).toEqual(['over-limit', 'signin-lock']);
    } finally {
      sock.close();
    }
  });

  it('server mode sends alerts over TCP with octet counting', async () => {
    let data = '';
    const server: Server = createServer((c) => c.on('data', (d) => (data += d.toString('utf8'))));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      attachAlertOutputs(store, { syslog: true });
      await updateSettings(store, admin, { syslogHost: '127.0.0.1', syslogPort: (server.address() as AddressInfo).port, syslogProtocol: 'tcp' });
      await raise([
        { action: 'velocity.exceeded', outcome: 'refused' },
        { action: 'signin.locked', outcome: 'refused' },
      ]);
      const frames = () => {
        const out: string[] = [];
        let rest = Buffer.from(data, 'utf8');
        while (rest.length > 0) {
          const sp = rest.indexOf(0x20);
          const n = Number(rest.subarray(0, sp).toString());
          out.push(rest.subarray(sp + 1, sp + 1 + n).toString('utf8'));
          rest = rest.subarray(sp + 1 + n);
        }
        return out;
      };
      await expect.poll(() => frames().length).toBe(2);
      expect(frames().every((m) => m.startsWith('<36>1 '))).toBe(true);
    } finally {
      server.close();
    }
  });
});

describe('listing and acknowledging alerts', () => {
  it('admins list open alerts and acknowledge them, audited; agents may not', async () => {
    await raise([{ action: 'velocity.exceeded', outcome: 'refused' }]);
    const { alerts, open } = await listAlerts(store, admin);
    expect(open).toBe(1);
    expect(await errorCode(() => listAlerts(store, v.agent!))).toBe('FORBIDDEN');
    expect(await errorCode(() => acknowledgeAlert(store, v.agent!, alerts[0]!.id))).toBe('FORBIDDEN');
    expect(await errorCode(() => acknowledgeAlert(store, admin, 4242))).toBe('NOT_FOUND');
    v.clock.advance(1000);
    const r = await acknowledgeAlert(store, admin, alerts[0]!.id);
    expect(r).toMatchObject({ changed: true, alert: { acknowledgedBy: 'anne', acknowledgedAt: v.clock.now() } });
    expect((await acknowledgeAlert(store, admin, alerts[0]!.id)).changed).toBe(false);
    const [ev, ...more] = await store.read((tx) => tx.audit.list({ action: 'alert.acknowledged' }));
    expect(more).toEqual([]);
    expect(ev).toMatchObject({ operator: 'anne', outcome: 'ok', details: { alertId: alerts[0]!.id, kind: 'over-limit' } });
    expect(await listAlerts(store, admin)).toMatchObject({ alerts: [], open: 0 });
    expect((await listAlerts(store, admin, { all: true })).alerts).toHaveLength(1);
  });
});
