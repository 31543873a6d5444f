// The lost-phone action over a server: `server init` and `serve` as children on a fresh
// PostgreSQL database; an admin runs `factordesk lost-phone` over --server. The server offers
// self-enrollment, so the answer carries the one-time code, an enrollment code and the page's
// address, never a QR or key the agent handled; the old authenticator is revoked, the codes
// work (the one-time code verifies, the enrollment code starts the page once), one notification
// is queued and the audit events share one action id without a secret in them.
import { join } from 'node:path';
import { readFileSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, base32Decode, oneJson, spawnCli } from '../fixtures/cli-harness.ts';
import { serverFixture, serverInit, startServe as startServeChild, type ServerFixture } from '../helpers/server.ts';
import { totpAt } from '../../main/core/totp.ts';
import { systemRandom } from '../../main/core/clock.ts';
import type { Session } from '../../main/core/session.ts';
import type { ServerStore } from '../../main/store/port.ts';

const KARI = 'kari.nordmann@example.no';
const ACT = ['--checks', 'callback', '--ticket', 'HD-88', '--reason', 'Lost phone on the bus'];
let fx: ServerFixture;
let adminSecret: Buffer;
let oldSecret: Buffer;
let kariId = 0;

/** A direct connection to the server's store, for what the doors do not show (audit details, outbox). */
async function openDirect(): Promise<ServerStore> {
  const { openServerStore } = await import('../../main/server/open.ts');
  const { loadServerKeys } = await import('../../main/server/server-key.ts');
  process.env.PGPASSWORD = fx.pgEnv.PGPASSWORD;
  return openServerStore(fx.storeUrl, loadServerKeys(fx.keyFile, {}).dataKey, { now: () => Date.now() }, systemRandom);
}

beforeAll(async () => {
  fx = await serverFixture('fd-lostphone-');
  ({ adminSecret } = serverInit(fx, ADMIN));
  const { importUsers } = await import('../../main/core/import-users.ts');
  const { forceReenrollment, confirmEnrollment } = await import('../../main/core/enrollment.ts');
  const direct = await openDirect();
  try {
    const adminRow = (await direct.read((tx) => tx.operators.getByNameKey(ADMIN.name)))!;
    const admin: Session = { operatorId: adminRow.id, name: ADMIN.name, displayName: ADMIN.name, role: 'admin', emailKey: null, signedInAt: Date.now(), via: 'cli' };
    await importUsers(direct, admin, Readable.from([`email,name,phone,organization\n${KARI},Kari Nordmann,+4790000000,Acme\n`]));
    kariId = (await direct.read((tx) => tx.users.getByEmailKey(KARI)))!.id;
    // Kari has an active authenticator: the phone that is lost.
    const first = await forceReenrollment(direct, admin, kariId, { checks: ['callback'], ticket: 'HD-1', reason: 'first phone' });
    oldSecret = base32Decode(new URL(first.uri).searchParams.get('secret')!);
    await confirmEnrollment(direct, admin, kariId, totpAt(oldSecret, Date.now()));
  } finally {
    await direct.close();
  }
}, 120_000);

afterAll(async () => {
  await fx?.cleanup();
});

async function postJson(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const https = await import('node:https');
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(url), { method: 'POST', ca: readFileSync(fx.cert), headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

describe('lost phone over a server', () => {
  it('revokes the authenticator, answers a one-time code, an enrollment code and the page address, one notification, one action id', { timeout: 180_000 }, async () => {
    const { child, port, exited } = await startServeChild(fx);
    const server = `https://127.0.0.1:${port}`;
    const env = { FACTORDESK_SERVER: server, FACTORDESK_CA_CERT: fx.cert, FACTORDESK_SESSION_FILE: join(fx.tmp, 'session.json') };
    try {
      // A step no sign-in used yet (init and the set-up above used the current one).
      const login = spawnCli(['--json', '--operator', ADMIN.name, 'login'], { env: { ...env, FACTORDESK_PASSWORD: ADMIN.password, FACTORDESK_OTP: totpAt(adminSecret, Date.now() + 30_000) } });
      expect(oneJson(login.stdout).ok, login.stdout).toBe(true);

      // No PDF sheet over a server (it would be the QR sheet): refused before anything happens.
      const pdf = spawnCli(['--json', 'lost-phone', KARI, ...ACT, '--sheet', join(fx.tmp, 's.pdf')], { env });
      expect([pdf.status, oneJson(pdf.stdout).error?.code]).toEqual([2, 'NOT_IN_SERVER_MODE']);
      const bad = spawnCli(['--json', 'lost-phone', KARI, '--checks', 'known-email', '--ticket', 'HD-88', '--reason', 'r'], { env });
      expect([bad.status, oneJson(bad.stdout).error?.code]).toEqual([2, 'CHECKS_REQUIRED']);

      const direct = await openDirect();
      try {
        const auditBefore = (await direct.read((tx) => tx.audit.list({ limit: 10_000 }))).length;
        const outboxBefore = (await direct.read((tx) => tx.outbox.list({ pendingOnly: false, limit: 1000 }))).length;

        const sheetFile = join(fx.tmp, 'lost-phone.html');
        const r = spawnCli(['--json', 'lost-phone', KARI, ...ACT, '--sheet', sheetFile, '--language', 'en'], { env });
        expect(r.status, r.stdout + r.stderr).toBe(0);
        const j = oneJson(r.stdout).result;
        expect(j).toMatchObject({
          actionId: expect.stringMatching(/^lp-[0-9a-f]{16}$/),
          revokedAuthenticator: true,
          oneTimeCode: { code: expect.stringMatching(/^\d{4} \d{4}$/), expiresAt: expect.any(Number) },
          enrollment: { mode: 'self', code: expect.stringMatching(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/), pageUrl: `${server}/enroll` },
          sheet: sheetFile,
        });
        // The agent never sees the new QR, URI or key.
        expect(r.stdout).not.toMatch(/otpauth|qrSvg|"key"|"uri"/);
        // The sheet: the page's address, the steps (English first) and the enrollment code; no QR, no one-time code.
        const sheet = readFileSync(sheetFile, 'utf8');
        expect(statSync(sheetFile).mode & 0o777).toBe(0o600);
        expect(sheet).toContain(`${server}/enroll`);
        expect(sheet).toContain(j.enrollment.code);
        expect(sheet).toContain('Type your email address and the enrollment code.');
        expect(sheet).toContain('Skriv inn e-postadressen din og registreringskoden.');
        expect(sheet.indexOf('Type your email address')).toBeLessThan(sheet.indexOf('Skriv inn e-postadressen'));
        expect(sheet).toContain('Kari Nordmann');
        expect(sheet).not.toMatch(/<svg|<img|otpauth|<script/);
        expect(sheet).not.toContain(j.oneTimeCode.code);
        expect(j.oneTimeCode.expiresAt - Date.now()).toBeLessThanOrEqual(15 * 60_000);

        // The human form: both codes and the page address, nothing else.
        const human = spawnCli(['lost-phone', KARI, ...ACT], { env });
        expect(human.status, human.stderr).toBe(0);
        expect(human.stdout).toMatch(new RegExp(`^One-time code: \\d{4} \\d{4} \\(valid until .+\\)\\nEnrollment code: [2-9A-Z-]{14} \\(valid until .+\\)\\nEnrollment page: ${server.replace(/[.]/g, '\\.')}/enroll\\n$`));
        const second = {
          oneTime: /^One-time code: (\d{4} \d{4})/m.exec(human.stdout)![1]!,
          enrollment: /^Enrollment code: (\S+)/m.exec(human.stdout)![1]!,
        };

        const added = [...(await direct.read((tx) => tx.audit.list({ limit: 10_000 })))].sort((a, b) => a.seq - b.seq).slice(auditBefore);
        const firstAction = added.filter((e) => e.details.actionId === j.actionId);
        expect(firstAction.map((e) => e.action)).toEqual(['lost-phone.revoke', 'lost-phone.one-time-code', 'lost-phone.enrollment-code', 'lost-phone']);
        for (const e of firstAction) expect(e).toMatchObject({ userId: kariId, operator: ADMIN.name, outcome: 'ok', ticket: 'HD-88', checks: ['callback'] });
        expect(firstAction[0]!.details).toMatchObject({ revokedAuthenticator: true });
        expect(firstAction[3]!.details).toMatchObject({ mode: 'self', revokedAuthenticator: true });
        // Two actions, two action ids, eight events; no code in any of them.
        expect(new Set(added.filter((e) => e.action.startsWith('lost-phone')).map((e) => e.details.actionId)).size).toBe(2);
        const text = JSON.stringify(added);
        for (const secret of [j.oneTimeCode.code, j.enrollment.code, second.oneTime, second.enrollment]) {
          expect(text).not.toContain(secret);
          expect(text).not.toContain(secret.replace(/[ -]/g, ''));
        }

        // One notification per action.
        const outbox = await direct.read((tx) => tx.outbox.list({ pendingOnly: false, limit: 1000 }));
        expect(outbox.length - outboxBefore).toBe(2);
        expect(outbox.slice(0, 2).map((o) => [o.userId, o.kind])).toEqual([
          [kariId, 'lost-phone'],
          [kariId, 'lost-phone'],
        ]);

        // The second action voided the first one's codes; its own enrollment code starts the page once.
        expect((await postJson(`${server}/enroll/start`, { email: KARI, code: j.enrollment.code })).status).toBe(403);
        const started = await postJson(`${server}/enroll/start`, { email: KARI, code: second.enrollment });
        expect(started.status, JSON.stringify(started.body)).toBe(200);
        expect(started.body.value.key).toMatch(/^[A-Z2-7 ]+$/);
        expect((await postJson(`${server}/enroll/start`, { email: KARI, code: second.enrollment })).status).toBe(403);

        // The old phone no longer signs in; the second one-time code does (the first was voided).
        const { verifyCodeForEmail } = await import('../../main/core/verify.ts');
        const service: Session = { operatorId: 'service:x', name: 'service:vpn', displayName: 'vpn', role: 'service', emailKey: null, signedInAt: 0, via: 'https' };
        expect((await verifyCodeForEmail(direct, service, KARI, totpAt(oldSecret, Date.now()))).result).toBe('rejected');
        expect((await verifyCodeForEmail(direct, service, KARI, j.oneTimeCode.code)).result).toBe('rejected');
        expect((await verifyCodeForEmail(direct, service, KARI, second.oneTime)).result).toBe('accepted');
      } finally {
        await direct.close();
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
