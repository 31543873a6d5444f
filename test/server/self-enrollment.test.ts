// Self-enrollment services on a real PostgreSQL store with a moved clock: an enrollment code
// is issued with the identity checks, used once, refused when expired or replaced, answered
// like a wrong code for an unknown address, never accepted by verification; the page's browser
// session confirms only with its CSRF token and its own pending enrollment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/core/clock.ts';
import { foldKey } from '../../main/core/text.ts';
import { totpAt } from '../../main/core/totp.ts';
import { base32Decode } from '../fixtures/cli-harness.ts';
import type { Session } from '../../main/core/session.ts';
import { openPostgresStore, type PostgresStore } from '../../main/store/postgres/pg-store.ts';
import { createTestDatabase, ensurePostgres, TEST_VALUE_KEY } from '../helpers/postgres.ts';
import { confirmSelfEnrollment, ENROLLMENT_CODE_TTL_MS, issueEnrollmentCode, normalizeEnrollmentCode, startSelfEnrollment } from '../../main/core/self-enrollment.ts';
import { forceReenrollment, confirmEnrollment } from '../../main/core/enrollment.ts';
import { verifyCodeForEmail } from '../../main/core/verify.ts';

const KARI = 'kari.nordmann@example.no';
const OLA = 'ola.hansen@example.no';
const ACT = { checks: ['callback'], ticket: 'HD-1', reason: 'new phone' };
const agent: Session = { operatorId: 'op-1', name: 'per', displayName: 'Per', role: 'agent', emailKey: 'per@example.no', signedInAt: 0, via: 'https' };
const service: Session = { operatorId: 'service:x', name: 'service:vpn', displayName: 'vpn', role: 'service', emailKey: null, signedInAt: 0, via: 'https' };

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let store: PostgresStore;
let clock: ManualClock;
const ids: Record<string, number> = {};

beforeAll(async () => {
  await ensurePostgres();
  db = await createTestDatabase();
  clock = new ManualClock(Date.UTC(2026, 11, 3, 12, 0, 0));
  store = await openPostgresStore({ connectionString: db.url, clock, ...TEST_VALUE_KEY });
  await store.write(async (tx) => {
    for (const [email, name] of [[KARI, 'Kari Nordmann'], [OLA, 'Ola Hansen']] as const) {
      ids[email] = (await tx.users.insert({ externalId: null, email, emailKey: foldKey(email), name, nameKey: foldKey(name), phone: null, organization: null, status: 'active' }, 1))!;
    }
  });
}, 60_000);

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

const secretOf = (uri: string) => base32Decode(new URL(uri).searchParams.get('secret')!);

async function auditActions(): Promise<Array<{ action: string; outcome: string; details: Record<string, unknown> }>> {
  const events = await store.read((tx) => tx.audit.list({ limit: 1000 }));
  return [...events].sort((x, y) => x.seq - y.seq);
}

describe('enrollment codes', () => {
  it('are 12 readable characters, grouped, valid 24 h, and need the identity checks', async () => {
    const r = await issueEnrollmentCode(store, agent, ids[KARI]!, ACT);
    expect(r.code).toMatch(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
    expect(r.expiresAt - clock.now()).toBe(ENROLLMENT_CODE_TTL_MS);
    await expect(issueEnrollmentCode(store, agent, ids[KARI]!, { ...ACT, checks: ['known-email'] })).rejects.toMatchObject({ code: 'CHECKS_REQUIRED' });
    await expect(issueEnrollmentCode(store, agent, ids[KARI]!, { ...ACT, ticket: '' })).rejects.toMatchObject({ code: 'TICKET_REQUIRED' });
    await expect(issueEnrollmentCode(store, service, ids[KARI]!, ACT)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // Only a salted hash is stored.
    const rec = await store.read((tx) => tx.serverAuth.enrollmentCode(ids[KARI]!));
    expect(rec!.verifier.toString('hex')).not.toContain(Buffer.from(normalizeEnrollmentCode(r.code)!).toString('hex'));
  });

  it('is never accepted by verification', async () => {
    const r = await issueEnrollmentCode(store, agent, ids[OLA]!, ACT);
    for (const typed of [r.code, normalizeEnrollmentCode(r.code)!]) {
      const v = await verifyCodeForEmail(store, service, OLA, typed).then((x) => x.result, (e: { code: string }) => e.code);
      expect(['rejected', 'BAD_REQUEST']).toContain(v);
    }
  });

  it('starts once: the code is used up, the old authenticator revoked, and a new one confirmed through the page session', async () => {
    // Kari has an active authenticator first.
    const first = await forceReenrollment(store, agent, ids[KARI]!, ACT);
    await confirmEnrollment(store, agent, ids[KARI]!, totpAt(secretOf(first.uri), clock.now()));
    clock.advance(31_000);
    const { code } = await issueEnrollmentCode(store, agent, ids[KARI]!, ACT);
    const s = await startSelfEnrollment(store, KARI.toUpperCase(), code.toLowerCase());
    expect(s.kind).toBe('started');
    if (s.kind !== 'started') return;
    expect(s.key.replace(/ /g, '')).toBe(new URL(s.uri).searchParams.get('secret'));
    // The old authenticator no longer verifies.
    expect((await verifyCodeForEmail(store, service, KARI, totpAt(secretOf(first.uri), clock.now()))).result).toBe('rejected');
    // Used once.
    expect((await startSelfEnrollment(store, KARI, code)).kind).toBe('rejected');
    // Without the CSRF token or the cookie nothing happens.
    await expect(confirmSelfEnrollment(store, s.token, 'wrong', totpAt(secretOf(s.uri), clock.now()))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(confirmSelfEnrollment(store, 'nope', s.csrf, totpAt(secretOf(s.uri), clock.now()))).rejects.toMatchObject({ code: 'SESSION_LOCKED' });
    await expect(confirmSelfEnrollment(store, s.token, s.csrf, '000000')).rejects.toMatchObject({ code: 'CODE_REJECTED' });
    clock.advance(31_000);
    expect(await confirmSelfEnrollment(store, s.token, s.csrf, totpAt(secretOf(s.uri), clock.now()))).toEqual({ status: 'active' });
    // The session is used up too.
    await expect(confirmSelfEnrollment(store, s.token, s.csrf, totpAt(secretOf(s.uri), clock.now() + 30_000))).rejects.toMatchObject({ code: 'SESSION_LOCKED' });
    clock.advance(31_000);
    expect((await verifyCodeForEmail(store, service, KARI, totpAt(secretOf(s.uri), clock.now()))).result).toBe('accepted');
    // The audit says which way it went, and the user was told.
    const events = await auditActions();
    const starts = events.filter((e) => e.action === 'enrollment.self.start' && e.outcome === 'ok');
    expect(starts.at(-1)!.details).toMatchObject({ via: 'self-enrollment', codeIssuedBy: 'per', revokedAuthenticator: true });
    const confirms = events.filter((e) => e.action === 'enrollment.confirm' && e.outcome === 'ok');
    expect(confirms.at(-1)!.details.via).toBe('self-enrollment');
    expect(confirms[0]!.details.via).toBe('https');
    const outbox = await store.read((tx) => tx.outbox.list({ pendingOnly: false, limit: 100 }));
    expect(JSON.stringify(outbox)).toContain('self-enrollment');
  });

  it('refuses an expired code, a replaced code, and answers an unknown address like a wrong code', async () => {
    const old = await issueEnrollmentCode(store, agent, ids[OLA]!, ACT);
    const fresh = await issueEnrollmentCode(store, agent, ids[OLA]!, ACT);
    expect((await startSelfEnrollment(store, OLA, old.code)).kind).toBe('rejected');
    clock.advance(ENROLLMENT_CODE_TTL_MS + 1000);
    expect((await startSelfEnrollment(store, OLA, fresh.code)).kind).toBe('rejected');
    expect(await startSelfEnrollment(store, 'nobody@example.no', fresh.code)).toEqual({ kind: 'rejected' });
    expect(await startSelfEnrollment(store, OLA, 'WRONG-CODE-XXXX')).toEqual({ kind: 'rejected' });
    const events = await auditActions();
    expect(events.filter((e) => e.action === 'enrollment.self.start').map((e) => e.details.reason)).toEqual(expect.arrayContaining(['wrong', 'expired', 'unknown-user']));
  });

  it('locks an address after too many wrong codes, like verification', async () => {
    let last = '';
    for (let i = 0; i < 12; i++) last = (await startSelfEnrollment(store, OLA, 'ABCD-EFGH-JKMN')).kind;
    expect(last).toBe('locked');
  });
});
