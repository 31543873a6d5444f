// Security suite: the IPC guard under attack, for EVERY channel of the contract. A hostile page
// (a foreign or nested frame, a frame that navigated away) is refused; payloads that fail the
// schema (missing, extra and wrongly typed fields, 10 MB strings, __proto__/constructor keys,
// structured-clone oddities) are BAD_REQUEST before any handler runs; unicode edge cases are
// refused or stored literally, never INTERNAL. After each barrage nothing in the vault changed
// except at most one audit event per refused call, and the dispatcher still serves a lookup.
// Also: input that fails the schema moves no verification counter; operator abuse (own account,
// agent on admin channels, locked session); 20 failed sign-ins lock an operator across a restart.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHANNEL_NAMES, type Channel, type Req } from '../../contract/index.ts';
import { CHANNELS } from '../../main/ipc/schemas.ts';
import { PERMISSIONS } from '../../main/core/roles.ts';
import { ERROR_CODES } from '../../main/core/errors.ts';
import { ManualClock } from '../../main/core/clock.ts';
import { verifyAuditRows as verifyAuditChain, listAuditRows as listAudit } from '../../main/store/sqlite/audit-rows.ts';
import { totpAt } from '../../main/core/totp.ts';
import { ADMIN, AGENT, CTX, OWN_FRAME, codeOf, insertUser, makeSuiteApp, secretFromUri, vaultFingerprint, verificationRows, type SuiteApp } from '../helpers/suites.ts';

const apps: SuiteApp[] = [];
afterEach(() => {
  while (apps.length) apps.pop()!.cleanup();
});

interface Ctx {
  app: SuiteApp;
  kari: number;
  ola: number;
  own: number;
  agentId: string;
  pending: () => number;
  seq: () => number;
}

/** An app with the admin signed in, an agent, three users (one is the admin's own account), a pending enrollment. */
async function setup(): Promise<Ctx> {
  const app = makeSuiteApp({ clock: new ManualClock() });
  apps.push(app);
  await app.firstRun();
  await app.addAgent();
  // Calls in a row here are not about the velocity limits (test/integration/approvals.test.ts is).
  expect((await app.call('settings:update', { velocityPerHour: 10_000, velocityPerDay: 100_000 })).ok).toBe(true);
  const kari = insertUser(app.db(), 'kari.nordmann@example.no', 'Kari Nordmann', { sms: '+4791234567' });
  const ola = insertUser(app.db(), 'ola.hansen@example.no', 'Ola Hansen', { sms: '+4798765432' });
  // The admin's own user account, typed with other capitals: the same account after folding.
  const own = insertUser(app.db(), 'Anne.Berg@Example.NO', 'Anne Berg', { sms: '+4790000001' });
  const re = await app.call('enrollment:reenroll', { userId: kari, ...CTX, voidCodes: false, withBackupCodes: false });
  expect(re.ok).toBe(true);
  expect((await app.call('codes:issue-one-time', { userId: kari, ...CTX })).ok).toBe(true);
  // One wrong code, so kari has a verification counter to watch.
  expect(codeOf(await app.call('enrollment:confirm', { userId: kari, code: '000000' }))).toBe('CODE_REJECTED');
  const ops = await app.call('operators:list', {});
  const agentId = (ops.value as Array<{ id: string; name: string }>).find((o) => o.name === AGENT.name)!.id;
  let n = 0;
  return {
    app,
    kari,
    ola,
    own,
    agentId,
    pending: () => (app.db().prepare("SELECT max(id) FROM authenticators WHERE status = 'pending'").pluck().get() as number | null) ?? 1,
    seq: () => ++n,
  };
}

/** A well-formed request for every channel; where a channel is dangerous the target is real. */
const VALID: { [C in Channel]: (x: Ctx) => Req<C> } = {
  'app:status': () => ({}),
  'app:open-external': () => ({ url: 'https://support.factordesk.example/kb' }),
  'prefs:set': () => ({ language: 'en', density: 'compact' }),
  'session:first-run': () => ({ name: 'mallory', displayName: 'Mallory', email: 'mallory@example.no', password: 'a long enough new password 1' }),
  'session:recovery-stored': () => ({}),
  'session:sign-in': () => ({ name: 'nobody', password: 'not the password of anyone' }),
  'session:recover': () => ({ recoveryKey: 'A'.repeat(52), name: ADMIN.name, password: 'a long enough new password 1' }),
  'session:activity': () => ({}),
  'session:lock': () => ({}),
  'session:change-password': () => ({ oldPassword: 'not the current password', newPassword: 'a long enough new password 1' }),
  'session:second-factor': () => ({}),
  'server:probe': () => ({ url: 'https://127.0.0.1:1' }),
  'server:connect': () => ({ url: 'https://127.0.0.1:1', pin: `${'A'.repeat(43)}=` }),
  'server:forget': () => ({}),
  'users:find': () => ({ query: 'kari', limit: 20, offset: 0 }),
  'users:view': (x) => ({ userId: x.kari }),
  'codes:issue-one-time': (x) => ({ userId: x.kari, ...CTX, minutes: 60 }),
  'codes:backup': (x) => ({ userId: x.kari, ...CTX }),
  'enrollment:issue-code': (x) => ({ userId: x.kari, ...CTX }),
  'enrollment:reenroll': (x) => ({ userId: x.kari, ...CTX, voidCodes: true, withBackupCodes: true }),
  'enrollment:regenerate': (x) => ({ userId: x.kari, ...CTX }),
  'users:lost-phone': (x) => ({ userId: x.kari, ...CTX }),
  'enrollment:reveal-key': (x) => ({ userId: x.kari, enrollmentId: x.pending() }),
  'enrollment:confirm': (x) => ({ userId: x.kari, code: '123456' }),
  'enrollment:print-sheet': (x) => ({ userId: x.kari, enrollmentId: x.pending(), mode: 'print', language: 'nb' }),
  'enrollment:sheet-render': (x) => ({ userId: x.kari, enrollmentId: x.pending(), language: 'nb', output: 'html' }),
  'enrollment:sheet-not-printed': (x) => ({ userId: x.kari, enrollmentId: x.pending(), sheetId: 'K7Q2-M4XD', language: 'nb', reason: 'cancelled' }),
  'sms:remove': (x) => ({ userId: x.ola, ...CTX }),
  'lock:clear': (x) => ({ userId: x.kari, ...CTX }),
  'requests:refuse': (x) => ({ userId: x.kari, callerName: 'Caller', callerNumber: '+4791234567', requested: 'new backup codes', failedChecks: ['known-email'], ticket: 'HD-1', notes: 'sounded rushed' }),
  'clipboard:copy': () => ({ text: '4711 2093' }),
  'settings:get': () => ({}),
  'settings:update': () => ({
    organizationName: 'Eksempel AS',
    supportContact: '+47 22 00 00 00',
    identityChecks: [
      { id: 'callback', strong: true, label: { nb: 'Ringt tilbake', en: 'Called back' } },
      { id: 'known-email', strong: false, label: { nb: 'E-post', en: 'E-mail' } },
    ],
    verification: { burnAfter: 5, lockAfter: 10, cooldownMinutes: 30 },
  }),
  'settings:choose-logo': () => ({ clear: true }),
  'operators:list': () => ({}),
  'operators:add': (x) => ({ name: `kim${x.seq()}`, displayName: 'Kim Lund', role: 'admin', email: 'kim.lund@example.no', password: 'a long enough new password 1' }),
  'operators:update': (x) => ({ operatorId: x.agentId, role: 'admin', displayName: 'Per Lie', email: 'per.lie@example.no' }),
  'operators:disable': (x) => ({ operatorId: x.agentId }),
  'operators:remove': (x) => ({ operatorId: x.agentId }),
  'operators:reset-password': (x) => ({ operatorId: x.agentId, password: 'a long enough new password 1' }),
  'operators:reset-second-factor': (x) => ({ operatorId: x.agentId }),
  'users:import': () => ({}),
  'users:import-preview': () => ({}),
  'users:import-cancel': () => ({ jobId: 'job-1' }),
  'users:import-save-report': () => ({ jobId: 'job-1' }),
  'jobs:reports': () => ({}),
  'users:import-begin': () => ({ dryRun: true, encoding: 'utf-8', totalBytes: 10 }),
  'jobs:status': () => ({ jobId: 'job-1' }),
  'audit:list': () => ({ userEmail: 'kari.nordmann@example.no', operator: 'anne', action: 'user.view', from: 0, to: 2 ** 50, beforeSeq: 1000, limit: 10 }),
  'audit:verify': () => ({}),
  'audit:export': () => ({ format: 'json' }),
  'outbox:list': () => ({ pendingOnly: true }),
  'alerts:list': () => ({ all: true }),
  'alerts:ack': () => ({ id: 1 }),
  'approvals:list': () => ({ all: true }),
  'approvals:approve': () => ({ id: 1, reason: 'checked the ticket' }),
  'approvals:reject': () => ({ id: 1, reason: 'not on the ticket' }),
  'approvals:run': () => ({ id: 1 }),
  'users:set-privileged': (x) => ({ userId: x.kari, privileged: true }),
  'outbox:export': () => ({ format: 'csv' }),
  'vault:info': () => ({}),
  'vault:integrity': () => ({}),
  'vault:backup': () => ({}),
  'vault:restore-preview': () => ({}),
  'vault:delete-kept': () => ({}),
  'vault:restore': () => ({ password: ADMIN.password }),
  'vault:rekey': () => ({}),
  'service-keys:create': () => ({ label: 'login' }),
  'service-clients:create': () => ({ label: 'vpn' }),
  'service-clients:list': () => ({}),
  'service-clients:revoke': () => ({ clientId: '0123456789abcdef' }),
  'radius-clients:add': () => ({ label: 'vpn', address: '192.0.2.10' }),
  'radius-clients:list': () => ({}),
  'radius-clients:remove': () => ({ clientId: '0123456789abcdef0123456789abcdef' }),
  'automation-clients:create': () => ({ label: 'nightly', scopes: ['users:import'] }),
  'automation-clients:list': () => ({}),
  'automation-clients:revoke': () => ({ clientId: '0123456789abcdef0123456789abcdef' }),
};

const schemaAccepts = (c: Channel, payload: unknown) => (CHANNELS[c].req as { safeParse(v: unknown): { success: boolean } }).safeParse(payload ?? {}).success;

/** What must not change when a call is refused: the vault (but one audit event), and every side effect. */
function snapshot(app: SuiteApp) {
  return {
    vault: vaultFingerprint(app.db()),
    externals: app.externals.length,
    printed: app.printed.length,
    clipboard: app.clipboard.value,
    prefs: JSON.stringify(app.controller.deps.prefs.get()),
    session: app.controller.session?.name ?? null,
  };
}

/** Compares two snapshots: problems (as text) if anything but ≤ `maxAudit` audit events changed. */
function changes(before: ReturnType<typeof snapshot>, after: ReturnType<typeof snapshot>, maxAudit: number): string[] {
  const out: string[] = [];
  // An alert is raised with its audit event (a refusal over the velocity limit): it may change only with one.
  const alertsMayChange = after.vault.audit > before.vault.audit;
  for (const t of Object.keys({ ...before.vault.tables, ...after.vault.tables })) if (before.vault.tables[t] !== after.vault.tables[t] && !(t === 'alerts' && alertsMayChange)) out.push(`table ${t} changed`);
  const d = after.vault.audit - before.vault.audit;
  if (d < 0 || d > maxAudit) out.push(`${d} audit events added (at most ${maxAudit})`);
  for (const k of ['externals', 'printed', 'clipboard', 'prefs', 'session'] as const) if (before[k] !== after[k]) out.push(`${k} changed`);
  return out;
}

/** The dispatcher still serves a normal lookup. */
async function stillServing(app: SuiteApp) {
  const r = await app.call('users:find', { query: 'kari' });
  expect(r, 'the dispatcher stopped serving').toMatchObject({ ok: true });
  expect((r.value as { items: Array<{ email: string }> }).items.map((i) => i.email)).toContain('kari.nordmann@example.no');
}

// ---- payload mutations ---------------------------------------------------------------------

type Path = Array<string | number>;
function leaves(v: unknown, path: Path = []): Array<{ path: Path; value: unknown }> {
  if (Array.isArray(v)) return [{ path, value: v }, ...v.flatMap((x, i) => leaves(x, [...path, i]))];
  if (v && typeof v === 'object') return [...(path.length ? [{ path, value: v }] : []), ...Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]))];
  return [{ path, value: v }];
}
function setAt(root: unknown, path: Path, value: unknown, remove = false): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove) {
    if (Array.isArray(o)) o.splice(Number(last), 1);
    else delete o[last];
  } else o[last] = value;
  return copy;
}
const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : v instanceof Map ? 'map' : v instanceof Date ? 'date' : ArrayBuffer.isView(v) ? 'bytes' : typeof v);

const TEN_MB = 'x'.repeat(10 * 1024 * 1024);
function deep(n: number): unknown {
  let o: unknown = 'bottom';
  for (let i = 0; i < n; i++) o = { a: o };
  return o;
}
const WRONG: unknown[] = [null, 42, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, 'text', '', true, [], ['callback'], {}, { a: 1 }, new Date(0), new Map([['a', 1]]), new Uint8Array(4), 10n, deep(2_000)];
const HUGE_ARRAY = Array.from({ length: 100_000 }, () => 'callback');

/** Own-property keys that must never reach a handler, as JSON.parse makes them (own properties). */
function withKey(payload: Record<string, unknown>, key: string, value: unknown): unknown {
  const parts = [`${JSON.stringify(key)}:${JSON.stringify(value)}`, ...Object.entries(payload).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)];
  return JSON.parse(`{${parts.join(',')}}`);
}

interface Mutation {
  what: string;
  payload: unknown;
  /** True when the schema must refuse it (not just "happens to"). */
  mustFail: boolean;
}

function mutations(c: Channel, valid: Record<string, unknown>): Mutation[] {
  const out: Mutation[] = [];
  const L = leaves(valid);
  for (const k of Object.keys(valid)) out.push({ what: `missing ${k}`, payload: setAt(valid, [k], undefined, true), mustFail: false });
  out.push({ what: 'extra field', payload: { ...valid, extra: 1 }, mustFail: true });
  out.push({ what: 'extra isAdmin', payload: { ...valid, isAdmin: true, role: 'admin' }, mustFail: true });
  out.push({ what: 'extra 10 MB field', payload: { ...valid, blob: TEN_MB }, mustFail: true });
  for (const { path, value } of L) {
    if (path.length === 0) continue;
    const where = path.join('.');
    for (const w of WRONG) {
      const differs = kind(w) !== kind(value);
      out.push({ what: `${where} = ${kind(w)} ${kind(w) === 'string' ? JSON.stringify(w) : String(w instanceof Object ? kind(w) : w)}`, payload: setAt(valid, path, w), mustFail: differs && w !== null });
    }
    if (typeof value === 'string') out.push({ what: `${where} = 10 MB string`, payload: setAt(valid, path, TEN_MB), mustFail: true });
    if (Array.isArray(value)) out.push({ what: `${where} = 100k-element array`, payload: setAt(valid, path, HUGE_ARRAY), mustFail: true });
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const key of ['__proto__', 'constructor', 'prototype']) out.push({ what: `${where}.${key}`, payload: setAt(valid, path, withKey(value as Record<string, unknown>, key, { role: 'admin' })), mustFail: true });
    }
  }
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    out.push({ what: `own ${key} key`, payload: withKey(valid, key, key === 'constructor' ? { prototype: { role: 'admin' } } : { role: 'admin', userId: 1 }), mustFail: true });
  }
  for (const shape of [[], [valid], 'string', 42, true, new Uint8Array(8), 10n]) {
    out.push({ what: `payload is ${kind(shape)}`, payload: shape, mustFail: true });
  }
  // Structured clone can also deliver a Map or a Date. zod's object schema reads them as an object
  // without fields: refused where a field is required, else the same as {} (harmless, no fields).
  for (const shape of [new Map(Object.entries(valid)), new Date(0)]) out.push({ what: `payload is ${kind(shape)}`, payload: shape, mustFail: false });
  void c;
  return out;
}

// ---- the barrages ----------------------------------------------------------------------------

describe('IPC fuzzing, every channel', () => {
  it('covers every channel of the contract', () => {
    expect(Object.keys(VALID).sort()).toEqual([...CHANNEL_NAMES].sort());
    for (const c of CHANNEL_NAMES) expect(schemaAccepts(c, VALID[c]({ pending: () => 1, seq: () => 1, kari: 1, ola: 2, own: 3, agentId: 'x' } as unknown as Ctx)), `${c}: VALID fails its own schema`).toBe(true);
  });

  it('a foreign, nested, detached, missing or impostor sender is FORBIDDEN with a valid payload: nothing changes but one audit event per call', async () => {
    const x = await setup();
    const frames: Array<[string, unknown, unknown]> = [
      ['null frame', null, null],
      ['undefined frame', undefined, undefined],
      ['foreign origin', { url: 'https://evil.example/index.html', parent: null }, undefined],
      ['file: page', { url: 'file:///tmp/evil.html', parent: null }, undefined],
      ['look-alike app host', { url: 'app://factordesk.evil.example/index.html', parent: null }, undefined],
      ['userinfo on the app origin', { url: 'app://evil@factordesk/index.html', parent: null }, undefined],
      ['app origin with a port', { url: 'app://factordesk:8080/index.html', parent: null }, undefined],
      ['about:blank', { url: 'about:blank', parent: null }, undefined],
      ['subframe on the app origin', { url: OWN_FRAME.url, parent: OWN_FRAME }, undefined],
      ['detached frame', { url: OWN_FRAME.url, parent: null, detached: true }, undefined],
      ['not the window top frame', { url: OWN_FRAME.url, parent: null }, { url: OWN_FRAME.url, parent: null }],
      ['frame that throws when read', new Proxy({}, { get: () => { throw new Error('disposed'); } }), undefined],
    ];
    const problems: string[] = [];
    for (const c of CHANNEL_NAMES) {
      for (const [label, frame, top] of frames) {
        const before = snapshot(x.app);
        const r = await x.app.dispatch(c, { frame: frame as never, topFrame: top === undefined ? frame : top }, VALID[c](x));
        if (codeOf(r) !== 'FORBIDDEN') problems.push(`${c} from ${label}: ${codeOf(r)}`);
        const after = snapshot(x.app);
        for (const p of changes(before, after, 1)) problems.push(`${c} from ${label}: ${p}`);
        if (after.vault.audit > before.vault.audit) {
          const e = listAudit(x.app.db(), { limit: 1 })[0]!;
          if (e.action !== 'ipc.refused' || e.details.channel !== c) problems.push(`${c} from ${label}: unexpected audit ${e.action}`);
        }
      }
    }
    expect(problems).toEqual([]);
    await stillServing(x.app);
  });

  it('missing, extra and wrongly typed fields, 10 MB strings, __proto__/constructor/prototype keys, odd shapes: BAD_REQUEST, nothing changes', async () => {
    const x = await setup();
    const problems: string[] = [];
    let sent = 0;
    for (const c of CHANNEL_NAMES) {
      const valid = VALID[c](x) as Record<string, unknown>;
      const before = snapshot(x.app);
      for (const m of mutations(c, valid)) {
        if (schemaAccepts(c, m.payload)) {
          if (m.mustFail) problems.push(`${c}: the schema accepts ${m.what}`);
          continue;
        }
        sent++;
        const r = await x.app.raw(c, m.payload);
        if (codeOf(r) !== 'BAD_REQUEST') problems.push(`${c} with ${m.what}: ${codeOf(r)}`);
        if (!r.ok && /\.ts:\d+|at \w+ \(/.test(JSON.stringify(r))) problems.push(`${c} with ${m.what}: a stack trace in the answer`);
        if (!r.ok && JSON.stringify(r).length > 2_000) problems.push(`${c} with ${m.what}: the answer echoes the payload`);
      }
      // Nothing at all: BAD_REQUEST is not audited, and no handler ran.
      for (const p of changes(before, snapshot(x.app), 0)) problems.push(`${c}: ${p}`);
      await stillServing(x.app);
    }
    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThan(CHANNEL_NAMES.length * 10);
    // No prototype was polluted on the way.
    expect(({} as Record<string, unknown>).role).toBeUndefined();
    expect(({} as Record<string, unknown>).userId).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('role');
  });

  it('an unknown channel name (also one that looks like a prototype member) is BAD_REQUEST', async () => {
    const x = await setup();
    for (const name of ['fs:read', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'users:find ', 'USERS:FIND', 'fd:users:find', '']) {
      const before = snapshot(x.app);
      expect(codeOf(await x.app.raw(name, {})), name).toBe('BAD_REQUEST');
      expect(changes(before, snapshot(x.app), 0)).toEqual([]);
    }
    await stillServing(x.app);
  });
});

// ---- unicode edge cases ------------------------------------------------------------------------

const UNICODE: Array<[string, string]> = [
  ['a lone high surrogate', 'HD-\uD800-7'],
  ['a lone low surrogate', '\uDC00HD-7'],
  ['a right-to-left override (U+202E)', 'HD-7\u202Eexe.txt'],
  ['zero-width joiners', 'HD\u200D-\u200D7'],
  ['a NUL character', 'HD-7\u0000DROP TABLE'],
  ['combining marks', 'Re\u0301sume\u0301 Z\u0351\u0358a\u0300\u0301\u0302lgo'],
  ['look-alike Cyrillic letters', 'аnne.berg@exаmple.no'],
  ['a BOM and a line separator', '\uFEFFHD-7\u2028next line'],
  ['an emoji ZWJ sequence', 'HD-7 👩‍💻'],
];

/** How each free-text field is stored, where it is stored: the expected stored form of `s`. */
const nfcTrim = (s: string) => s.trim().normalize('NFC');
const trimOnly = (s: string) => s.trim();
type Stored = (x: Ctx, field: string, s: string) => Array<[string, unknown, unknown]>;
const lastEvent = (x: Ctx, action: string) => listAudit(x.app.db(), { action, limit: 1 })[0];
const actionText: Stored = (x, field, s) => {
  if (field !== 'ticket' && field !== 'reason') return [];
  const e = listAudit(x.app.db(), { limit: 5 }).find((ev) => ev.ticket !== null)!;
  return [[`audit ${field}`, (e as unknown as Record<string, unknown>)[field], nfcTrim(s)]];
};
const STORED: Partial<Record<Channel, Stored>> = {
  'codes:issue-one-time': actionText,
  'codes:backup': actionText,
  'enrollment:reenroll': actionText,
  'enrollment:regenerate': actionText,
  'users:lost-phone': actionText,
  'sms:remove': actionText,
  'lock:clear': actionText,
  'requests:refuse': (x, field, s) => {
    const e = lastEvent(x, 'request.refused')!;
    if (field === 'ticket') return [['audit ticket', e.ticket, nfcTrim(s)]];
    if (field === 'requested') return [['audit reason', e.reason, nfcTrim(s)]];
    if (['callerName', 'callerNumber', 'notes'].includes(field)) return [[`audit details.${field}`, e.details[field], nfcTrim(s)]];
    return [];
  },
  'settings:update': (x, field, s) => {
    const st = x.app.controller.vaultOrNull!.db.prepare("SELECT value FROM settings WHERE key = ?").pluck();
    if (['organizationName', 'supportContact', 'issuer'].includes(field)) return [[`setting ${field}`, JSON.parse(st.get(field) as string), trimOnly(s)]];
    if (field.startsWith('identityChecks.0.label.')) return [[`setting ${field}`, (JSON.parse(st.get('identityChecks') as string) as Array<{ label: Record<string, string> }>)[0]!.label[field.split('.').pop()!], trimOnly(s)]];
    return [];
  },
  'operators:add': (x, field, s) => {
    const row = x.app.db().prepare('SELECT display_name, email FROM operators ORDER BY created_at DESC, rowid DESC LIMIT 1').get() as { display_name: string; email: string | null };
    if (field === 'displayName') return [['operator display name', row.display_name, trimOnly(s)]];
    if (field === 'email') return [['operator email', row.email, trimOnly(s)]];
    return [];
  },
  'operators:update': (x, field, s) => {
    const row = x.app.db().prepare('SELECT display_name, email FROM operators WHERE id = ?').get(x.agentId) as { display_name: string; email: string | null };
    if (field === 'displayName') return [['operator display name', row.display_name, trimOnly(s)]];
    if (field === 'email') return [['operator email', row.email, trimOnly(s)]];
    return [];
  },
  'clipboard:copy': (x, field, s) => (field === 'text' ? [['clipboard', x.app.clipboard.value, s]] : []),
};

describe('unicode edge cases in every string field of every channel', () => {
  for (const [label, text] of UNICODE) {
    // Lone surrogates fail today (see the report): INTERNAL where the text goes into the audit
    // (canonicalize refuses it), and U+FFFD instead of the text elsewhere (SQLite stores UTF-8).
    const bug = label.includes('surrogate') ? 'BUG: ' : '';
    it(`${bug}${label}: refused (nothing changes) or handled and stored literally, never INTERNAL; the chain still verifies`, async () => {
      const x = await setup();
      const problems: string[] = [];
      let handled = 0;
      for (const c of CHANNEL_NAMES) {
        const base = VALID[c](x) as Record<string, unknown>;
        for (const { path, value } of leaves(base)) {
          if (typeof value !== 'string' || path.length === 0) continue;
          const where = path.join('.');
          const payload = setAt(VALID[c](x), path, text);
          if (!schemaAccepts(c, payload)) continue; // a length or enum limit: covered by the schema barrage
          const before = snapshot(x.app);
          const r = await x.app.raw(c, payload);
          const code = codeOf(r);
          if (!(ERROR_CODES as readonly string[]).includes(code) && code !== 'OK') problems.push(`${c}.${where}: unknown code ${code}`);
          if (code === 'INTERNAL') problems.push(`${c}.${where}: INTERNAL (${r.ok ? '' : r.error.message})`);
          if (!r.ok) {
            for (const p of changes(before, snapshot(x.app), 1)) problems.push(`${c}.${where} refused with ${code}: ${p}`);
          } else {
            handled++;
            for (const [what, got, want] of STORED[c]?.(x, where, text) ?? []) {
              if (got !== want) problems.push(`${c}.${where}: ${what} stored as ${JSON.stringify(got)}, sent ${JSON.stringify(want)}`);
            }
          }
          if (!x.app.controller.session) {
            problems.push(`${c}.${where}: the session was lost`);
            expect(codeOf(await x.app.signIn(ADMIN))).toBe('OK');
          }
          const v = x.app.controller.vaultOrNull!;
          const chain = verifyAuditChain(v.db, v.anchor());
          if (!chain.ok) {
            problems.push(`${c}.${where}: audit chain broken: ${chain.problem ?? chain.anchor}`);
            break;
          }
        }
      }
      await stillServing(x.app);
      expect(problems).toEqual([]);
    });
  }
});

// ---- counters, operator abuse, sign-in lock ----------------------------------------------------

describe('input that fails the schema is not a verification failure', () => {
  it('malformed confirmation codes are BAD_REQUEST and move no counter, write no event; a wrong code does (control)', async () => {
    const x = await setup();
    const db = () => x.app.db();
    const before = verificationRows(db());
    const audit = vaultFingerprint(db()).audit;
    const bad: unknown[] = ['', '12345', '1234567', '12345a', 'abcdef', '１２３４５６', '١٢٣٤٥٦', '12 34 5', '123456789012345678', `${'1'.repeat(65)}`, TEN_MB, 123456, null, ['123456'], { code: '123456' }, '123\u0000456', '123\u200D456', ' \u202E654321'];
    for (const code of bad) {
      const r = await x.app.raw('enrollment:confirm', { userId: x.kari, code });
      expect(codeOf(r), JSON.stringify(code)?.slice(0, 40)).toBe('BAD_REQUEST');
    }
    expect(verificationRows(db())).toBe(before);
    expect(vaultFingerprint(db()).audit).toBe(audit);
    // Control: a well-formed wrong code is a counted, audited failure.
    expect(codeOf(await x.app.call('enrollment:confirm', { userId: x.kari, code: '000001' }))).toBe('CODE_REJECTED');
    expect(verificationRows(db())).not.toBe(before);
    expect(vaultFingerprint(db()).audit).toBe(audit + 1);
  });
});

describe('operator abuse', () => {
  const TARGETED = ['codes:issue-one-time', 'codes:backup', 'enrollment:reenroll', 'enrollment:regenerate', 'users:lost-phone', 'sms:remove', 'lock:clear', 'enrollment:confirm', 'enrollment:reveal-key', 'enrollment:print-sheet'] as const;

  it('acting on your own user account is OWN_ACCOUNT on every channel that acts on a user, and nothing changes', async () => {
    const x = await setup();
    // Another admin may start a re-enrollment for the admin's user account (an agent may not: it
    // is an operator's account): the agent is made an admin for that, to get a pending one to target.
    expect((await x.app.call('operators:update', { operatorId: x.agentId, role: 'admin' })).ok).toBe(true);
    x.app.close();
    expect(codeOf(await x.app.signIn(AGENT))).toBe('OK');
    // It is an operator's account: the change waits for approval, and as the only other admin is
    // that operator, it cools down; then it runs.
    const asked = await x.app.call('enrollment:reenroll', { userId: x.own, ...CTX, voidCodes: false, withBackupCodes: false });
    expect(!asked.ok && asked.error).toMatchObject({ code: 'APPROVAL_PENDING', details: { status: 'cooling' } });
    x.app.clock.advance(60 * 60_000);
    const re = await x.app.call('approvals:run', { id: (asked as unknown as { error: { details: { approvalId: number } } }).error.details.approvalId });
    expect(re.ok, JSON.stringify(re)).toBe(true);
    const secret = secretFromUri(re.value.enrollment.uri);
    x.app.close();
    expect(codeOf(await x.app.signIn(ADMIN))).toBe('OK');
    const ownPayload = (c: (typeof TARGETED)[number]) => {
      const p: Record<string, unknown> = { ...(VALID[c](x) as object), userId: x.own };
      if ('enrollmentId' in p) p.enrollmentId = re.value.enrollment.enrollmentId;
      if (c === 'enrollment:confirm') p.code = totpAt(secret, x.app.clock.now());
      return p;
    };
    for (const c of TARGETED) {
      const before = snapshot(x.app);
      const r = await x.app.raw(c, ownPayload(c));
      expect(codeOf(r), c).toBe('OWN_ACCOUNT');
      expect(changes(before, snapshot(x.app), 0), c).toEqual([]);
    }
    // Control: another operator may do the same for that user (a change on an operator's account waits for approval).
    x.app.close();
    expect(codeOf(await x.app.signIn(AGENT))).toBe('OK');
    expect(codeOf(await x.app.raw('codes:issue-one-time', ownPayload('codes:issue-one-time')))).toBe('APPROVAL_PENDING');
    expect(codeOf(await x.app.raw('enrollment:confirm', ownPayload('enrollment:confirm')))).toBe('OK');
  });

  it('an agent calling an admin channel with a valid request is FORBIDDEN, audited once, and nothing else changes', async () => {
    const x = await setup();
    x.app.close();
    expect(codeOf(await x.app.signIn(AGENT))).toBe('OK');
    const adminOnly = CHANNEL_NAMES.filter((c) => {
      const p = CHANNELS[c].permission;
      return p !== null && !(PERMISSIONS[p] as readonly string[]).includes('agent');
    });
    expect(adminOnly.length).toBeGreaterThan(20);
    const problems: string[] = [];
    for (const c of adminOnly) {
      const before = snapshot(x.app);
      const r = await x.app.raw(c, VALID[c](x));
      if (codeOf(r) !== 'FORBIDDEN') problems.push(`${c}: ${codeOf(r)}`);
      problems.push(...changes(before, snapshot(x.app), 1).map((p) => `${c}: ${p}`));
      const e = listAudit(x.app.db(), { limit: 1 })[0]!;
      if (e.action !== 'ipc.refused' || e.details.channel !== c || e.operator !== AGENT.name) problems.push(`${c}: not audited as a refusal (${e.action})`);
    }
    expect(problems).toEqual([]);
    await stillServing(x.app);
  });

  it('a locked session is SESSION_LOCKED on every channel that needs one, with a valid request; nothing changes', async () => {
    const x = await setup();
    const before = vaultFingerprint(x.app.db());
    const payloads = new Map(CHANNEL_NAMES.map((c) => [c, VALID[c](x)]));
    x.app.close();
    const sideEffects = () => JSON.stringify([x.app.externals.length, x.app.printed.length, x.app.clipboard.value]);
    const fx = sideEffects();
    const problems: string[] = [];
    for (const c of CHANNEL_NAMES) {
      if (CHANNELS[c].permission === null) continue;
      const r = await x.app.raw(c, payloads.get(c));
      if (codeOf(r) !== 'SESSION_LOCKED') problems.push(`${c}: ${codeOf(r)}`);
      if (x.app.controller.vaultOrNull) problems.push(`${c}: opened the vault`);
    }
    expect(problems).toEqual([]);
    expect(sideEffects()).toBe(fx);
    expect(codeOf(await x.app.call('app:status', {}))).toBe('OK');
    expect(codeOf(await x.app.signIn(ADMIN))).toBe('OK');
    // Only the sign-out and sign-in were recorded while it was locked.
    const after = vaultFingerprint(x.app.db());
    expect(after.tables).toEqual(before.tables);
    expect(listAudit(x.app.db(), { limit: after.audit - before.audit }).map((e) => e.action).sort()).toEqual(['signin', 'signout']);
  });

  it('20 failed sign-ins lock the operator; the lock holds in a new process (new controller over the folder) until it expires', async () => {
    const x = await setup();
    x.app.close();
    const seen: string[] = [];
    for (let i = 0; i < 20; i++) {
      x.app.clock.advance(61_000); // past any slow-down delay
      seen.push(codeOf(await x.app.call('session:sign-in', { name: ADMIN.name, password: `wrong password number ${i}!` })));
    }
    expect(new Set(seen)).toEqual(new Set(['SIGNIN_FAILED']));
    x.app.clock.advance(61_000);
    expect(codeOf(await x.app.signIn(ADMIN))).toBe('OPERATOR_LOCKED');
    // The same name in other capitals or with spaces is the same operator.
    expect(codeOf(await x.app.call('session:sign-in', { name: ' ANNE ', password: ADMIN.password }))).toBe('OPERATOR_LOCKED');

    // "Restart": a new controller over the same folder.
    const restarted = makeSuiteApp({ dir: x.app.dir, clock: x.app.clock });
    apps.push(restarted);
    const locked = await restarted.signIn(ADMIN);
    expect(codeOf(locked)).toBe('OPERATOR_LOCKED');
    expect(locked.ok ? null : locked.error.details?.until).toBeGreaterThan(x.app.clock.now());
    // Another operator is not affected.
    expect(codeOf(await restarted.signIn(AGENT))).toBe('OK');
    restarted.close();
    x.app.clock.advance(15 * 60_000);
    expect(codeOf(await restarted.signIn(ADMIN))).toBe('OK');
    const failed = restarted.db().prepare("SELECT count(*) FROM audit_events WHERE action = 'signin.failed'").pluck().get() as number;
    expect(failed).toBe(20);
  });

  it('BUG: the lock survives a flood of failed sign-ins under other names (sign-in journal past 100,000 events)', async () => {
    const x = await setup();
    x.app.close();
    for (let i = 0; i < 20; i++) {
      x.app.clock.advance(61_000);
      await x.app.call('session:sign-in', { name: ADMIN.name, password: `wrong password number ${i}!` });
    }
    x.app.clock.advance(61_000);
    expect(codeOf(await x.app.signIn(ADMIN))).toBe('OPERATOR_LOCKED');
    // What 100,000 failed sign-ins under made-up names leave in the journal (each one appends an
    // event: no delay applies, every name is new), written directly to keep the test fast.
    const path = join(x.app.dir, 'signin-journal.json');
    const journal = JSON.parse(readFileSync(path, 'utf8')) as { events: Array<{ at: number; name: string; outcome: string }> };
    const at = x.app.clock.now();
    while (journal.events.length < 100_000) journal.events.push({ at, name: `flood-${journal.events.length}`, outcome: 'failed' });
    writeFileSync(path, JSON.stringify(journal));
    // One more attempt pushes the journal past its schema's 100,000-event cap: from then on it
    // reads as empty (readJournal in main/store/sqlite/signin-journal.ts), and every lock with it.
    expect(codeOf(await x.app.call('session:sign-in', { name: 'mallory', password: 'one more wrong password' }))).toBe('SIGNIN_FAILED');
    x.app.clock.advance(61_000);
    const r = await x.app.signIn(ADMIN);
    expect(codeOf(r), 'the locked operator signed in after the flood').toBe('OPERATOR_LOCKED');
  });
});
