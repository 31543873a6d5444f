// Typed error details cross the guard: a weak new password answers WEAK_PASSWORD with the
// reason in details.problem (so the renderer can say what is wrong), RATE_LIMITED keeps its
// seconds, and details the contract does not list for a code never reach the renderer.
import { afterEach, describe, expect, it } from 'vitest';
import { makeApp, OWN_FRAME } from '../helpers/app.ts';
import { ADMIN } from '../helpers/vault.ts';
import { createDispatcher, type Handlers } from '../../main/ipc/guard.ts';
import { FactorDeskError } from '../../main/core/errors.ts';
import { ERROR_DETAILS, PASSWORD_PROBLEMS, type Result } from '../../contract/index.ts';
import en from '../../renderer/src/locales/en.json';
import nb from '../../renderer/src/locales/nb.json';

const apps: Array<ReturnType<typeof makeApp>> = [];
afterEach(() => {
  while (apps.length) apps.pop()!.cleanup();
});

async function signedIn() {
  const app = makeApp();
  apps.push(app);
  await app.firstRun();
  return app;
}

describe('error details through the IPC guard', () => {
  it('a weak password change answers WEAK_PASSWORD with details.problem', async () => {
    const app = await signedIn();
    const cases: Array<[string, string]> = [
      ['short', 'too-short'],
      ['x'.repeat(300), 'too-long'],
      ['password1234567', 'common'],
      ['abababababababab', 'repetitive'],
      ['abcdefghijklmnop', 'sequential'],
    ];
    for (const [newPassword, problem] of cases) {
      const r = await app.call('session:change-password', { oldPassword: ADMIN.password, newPassword });
      expect(r, problem).toMatchObject({ ok: false, error: { code: 'WEAK_PASSWORD', details: { problem } } });
    }
    // Nothing was changed: the old password still signs in.
    await app.call('session:lock', {});
    expect((await app.call('session:sign-in', { name: ADMIN.name, password: ADMIN.password })).ok).toBe(true);
  });

  it('the renderer shows the specific message for each reason, in both languages', async () => {
    // The renderer's i18n module sets document.lang on import; a stub is enough here.
    (globalThis as { document?: unknown }).document ??= { documentElement: {} };
    const { errorText } = await import('../../renderer/src/errors.ts');
    const { default: i18n } = await import('../../renderer/src/i18n.ts');
    await i18n.changeLanguage('en');
    const app = await signedIn();
    const r = await app.call('session:change-password', { oldPassword: ADMIN.password, newPassword: 'short' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(errorText(i18n.t, r.error)).toBe(en.errors.weak.short);
    for (const [lang, texts] of [
      ['en', en],
      ['nb', nb],
    ] as const) {
      await i18n.changeLanguage(lang);
      for (const problem of PASSWORD_PROBLEMS) {
        const text = errorText(i18n.t, { code: 'WEAK_PASSWORD', message: '', details: { problem } });
        expect(text, `${lang} ${problem}`).not.toBe(texts.errors.WEAK_PASSWORD);
        expect(Object.values(texts.errors.weak)).toContain(text);
      }
      // Without a reason (an older main, or none given) the general message is shown.
      expect(errorText(i18n.t, { code: 'WEAK_PASSWORD', message: '' })).toBe(texts.errors.WEAK_PASSWORD);
    }
  });

  it('passes only the details the contract lists for the code, each of the right kind', async () => {
    const thrown: Array<[FactorDeskError, unknown]> = [
      [new FactorDeskError('RATE_LIMITED', 'slow down', { seconds: 7, path: '/home/anne/vault', stack: 'at x.ts:1' }), { seconds: 7 }],
      [new FactorDeskError('WEAK_PASSWORD', 'weak', { problem: 'common', password: 'hunter2' }), { problem: 'common' }],
      [new FactorDeskError('WEAK_PASSWORD', 'weak', { problem: 'anything the service made up' }), undefined],
      [new FactorDeskError('BAD_REQUEST', 'bad', { field: 'email', usage: 'factordesk find', sql: 'SELECT 1' }), { field: 'email' }],
      [new FactorDeskError('FORBIDDEN', 'no', { permission: 'vault:rekey' }), { permission: 'vault:rekey' }],
      [new FactorDeskError('FORBIDDEN', 'no', { permission: 'root' }), undefined],
      [new FactorDeskError('NOT_FOUND', 'gone', { userId: '12' }), undefined],
      [new FactorDeskError('APPROVAL_REQUIRED', 'over the limit', { window: 'hour', limit: 10, count: 10 }), { window: 'hour', limit: 10 }],
      [new FactorDeskError('APPROVAL_REQUIRED', 'over the limit', { window: 'week' }), undefined],
      [new FactorDeskError('APPROVAL_PENDING', 'waits', { approvalId: 4, expiresAt: 9, status: 'cooling', runnableAt: 8, ticket: 'HD-1' }), { approvalId: 4, expiresAt: 9, status: 'cooling', runnableAt: 8 }],
      [new FactorDeskError('APPROVAL_CLOSED', 'closed', { status: 'archived' }), undefined],
      [new FactorDeskError('INTERNAL', 'boom', { until: 5 }), undefined],
    ];
    for (const [err, details] of thrown) {
      const handlers = { 'app:status': () => Promise.reject(err) } as unknown as Handlers;
      const dispatch = createDispatcher(handlers, { session: () => null, trustedOrigins: ['app://factordesk'] });
      const r = (await dispatch('app:status', { frame: OWN_FRAME, topFrame: OWN_FRAME }, {})) as Result<unknown>;
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.error.code).toBe(err.code);
      expect(r.error.details, `${err.code} ${JSON.stringify(err.details)}`).toEqual(details);
    }
  });

  it('every code may name its field, and only the codes with typed extras carry more', () => {
    for (const [code, keys] of Object.entries(ERROR_DETAILS)) expect(Object.keys(keys), code).toContain('field');
    const extras = Object.entries(ERROR_DETAILS)
      .filter(([, keys]) => Object.keys(keys).length > 1)
      .map(([code]) => code)
      .sort();
    expect(extras).toEqual(['APPROVAL_CLOSED', 'APPROVAL_PENDING', 'APPROVAL_REQUIRED', 'BAD_REQUEST', 'CONFLICT', 'FORBIDDEN', 'NOT_FOUND', 'OPERATOR_LOCKED', 'RATE_LIMITED', 'USER_LOCKED', 'VAULT_READ_ONLY', 'WEAK_PASSWORD']);
  });
});
