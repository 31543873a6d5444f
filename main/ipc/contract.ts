/**
 * The IPC contract: every channel's name, request schema, response type and required
 * permission, in one pure module (no electron, no node: imports). Main validates with these
 * schemas, the preload exposes one function per channel, the renderer imports the types.
 */
import { z } from 'zod';
import type { ErrorCode } from '../core/errors.ts';
import type { Permission } from '../core/roles.ts';
import { CHANNEL_NAMES as NAMES, EVENT_NAMES as EVENTS, IPC_PREFIX, type ChannelName } from './channel-names.ts';

export type { ErrorCode };
export type Result<T> = { ok: true; value: T } | { ok: false; error: { code: ErrorCode; message: string; details?: Record<string, unknown> } };

// ---- shared field schemas -------------------------------------------------------------
const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const shortText = (max: number) => z.string().max(max);
const checks = z.array(z.string().min(1).max(64)).max(16);
const action = { userId: id, checks, ticket: shortText(200), reason: shortText(500) };
const password = z.string().min(1).max(1024);
const opName = z.string().min(1).max(64);
const format = z.enum(['csv', 'json']);
const language = z.enum(['nb', 'en']);
const empty = z.object({}).strict();

// ---- response types -------------------------------------------------------------------
export interface PublicSession {
  operatorId: string;
  name: string;
  displayName: string;
  role: 'agent' | 'admin';
}
export interface AppStatus {
  vaultState: 'ready' | 'none' | 'incomplete' | 'error';
  vaultDir: string;
  error: { code: ErrorCode; message: string } | null;
  session: PublicSession | null;
  prefs: Prefs;
  idleLockMinutes: number;
}
export interface Prefs {
  language: 'nb' | 'en';
  lastOperatorName: string;
  density: 'comfortable' | 'compact';
}
export interface UserSummary {
  id: number;
  email: string;
  name: string;
  organization: string | null;
  status: 'active' | 'disabled';
}
export interface AuditEventView {
  seq: number;
  at: number;
  operator: string | null;
  action: string;
  userId: number | null;
  userEmail: string | null;
  checks: string[];
  ticket: string | null;
  reason: string | null;
  outcome: string;
  details: Record<string, unknown>;
}
export interface FactorSummaryView {
  user: { id: number; email: string; name: string; phone: string | null; organization: string | null; status: 'active' | 'disabled'; externalId: string | null };
  authenticator: { status: 'active' | 'pending' | 'revoked' | 'none'; enrolledAt: number | null; lastUsedAt: number | null };
  pending: { enrollmentId: number; createdAt: number; deadline: number; sheetId: string | null } | null;
  sms: { masked: string; verified: boolean; usage: 'login-only' } | null;
  backupCodes: { remaining: number; total: number; createdAt: number } | null;
  oneTimeCode: { active: boolean; expiresAt: number | null };
  verification: { failures: number; locked: boolean; lockedUntil: number | null };
  recentEvents: AuditEventView[];
}
export interface IdentityCheck {
  id: string;
  strong: boolean;
  label: { nb: string; en: string };
}
export interface SettingsView {
  organizationName: string;
  organizationLogo: string | null;
  issuer: string;
  supportContact: string;
  oneTimeCodeMinutes: number;
  enrollmentDeadlineDays: number;
  idleLockMinutes: number;
  identityChecks: IdentityCheck[];
  verification: { burnAfter: number; lockAfter: number; cooldownMinutes: number };
}
export interface IssuedEnrollment {
  enrollmentId: number;
  uri: string;
  key: string;
  qrSvg: string;
  deadline: number;
  sheetId: string;
  backupCodes?: string[];
}
export interface OperatorView {
  id: string;
  name: string;
  displayName: string;
  email: string | null;
  role: 'agent' | 'admin';
  status: 'active' | 'disabled' | 'removed';
  createdAt: number;
  updatedAt: number;
}
export interface ChainReportView {
  ok: boolean;
  count: number;
  firstBroken: number | null;
  problem: string | null;
  anchor: 'ok' | 'missing' | 'ahead' | 'mismatch' | 'invalid';
}
export interface ImportReportView {
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: Array<{ line: number; reason: string }>;
  cancelled: boolean;
}
export interface JobReport {
  jobId: string;
  kind: 'import' | 'backup' | 'integrity' | 'rekey';
  ok: boolean;
  finishedAt: number;
  error: { code: ErrorCode; message: string } | null;
  result: unknown;
}
export interface OutboxItem {
  id: number;
  email: string;
  kind: string;
  subject: string;
  createdAt: number;
  exportedAt: number | null;
}
export interface VaultInfo {
  dir: string;
  cipher: string;
  schemaVersion: number;
  keyGeneration: number;
  sizeBytes: number;
  users: number;
  operators: number;
  auditEvents: number;
}

// ---- the channel table ----------------------------------------------------------------
/** `permission: null` marks channels usable before sign-in (status, sign-in, first run, prefs). */
function ch<Res>() {
  return <Req extends z.ZodType>(permission: Permission | null, req: Req) => ({ permission, req, res: undefined as unknown as Res });
}

export const CHANNELS = {
  'app:status': ch<AppStatus>()(null, empty),
  'app:open-external': ch<{ opened: boolean }>()(null, z.object({ url: z.string().max(2048) }).strict()),
  'prefs:set': ch<Prefs>()(
    null,
    z.object({ language: language.optional(), density: z.enum(['comfortable', 'compact']).optional() }).strict(),
  ),
  'session:first-run': ch<{ recoveryKey: string; session: PublicSession }>()(
    null,
    z.object({ name: opName, displayName: shortText(128), email: z.string().max(254).optional(), password }).strict(),
  ),
  'session:recovery-stored': ch<{ ok: true }>()('users:find', empty),
  'session:sign-in': ch<{ session: PublicSession; warnings: string[]; jobReports: JobReport[] }>()(null, z.object({ name: shortText(256), password }).strict()),
  'session:recover': ch<{ session: PublicSession }>()(null, z.object({ recoveryKey: shortText(200), name: opName, password }).strict()),
  'session:activity': ch<{ ok: true }>()(null, empty),
  'session:lock': ch<{ locked: true }>()(null, empty),
  'session:change-password': ch<{ ok: true }>()('operators:change-own-password', z.object({ oldPassword: password, newPassword: password }).strict()),

  'users:find': ch<{ items: UserSummary[]; hasMore: boolean }>()(
    'users:find',
    z.object({ query: z.string().max(10_000), limit: z.number().int().min(1).max(100).optional(), offset: z.number().int().min(0).max(100_000).optional() }).strict(),
  ),
  'users:view': ch<FactorSummaryView>()('users:view', z.object({ userId: id }).strict()),
  'codes:issue-one-time': ch<{ code: string; expiresAt: number }>()(
    'codes:issue-one-time',
    z.object({ ...action, minutes: z.number().int().min(1).max(100_000).optional() }).strict(),
  ),
  'codes:backup': ch<{ codes: string[]; createdAt: number }>()('codes:backup', z.object(action).strict()),
  'enrollment:reenroll': ch<IssuedEnrollment>()(
    'enrollment:reenroll',
    z.object({ ...action, voidCodes: z.boolean(), withBackupCodes: z.boolean() }).strict(),
  ),
  'enrollment:regenerate': ch<IssuedEnrollment>()('enrollment:regenerate', z.object(action).strict()),
  'enrollment:reveal-key': ch<{ ok: true }>()('enrollment:reveal-key', z.object({ userId: id, enrollmentId: id }).strict()),
  'enrollment:confirm': ch<{ status: 'active' }>()('enrollment:confirm', z.object({ userId: id, code: z.string().max(64) }).strict()),
  'enrollment:print-sheet': ch<{ done: boolean; file: string | null }>()(
    'enrollment:sheet',
    z.object({ userId: id, enrollmentId: id, mode: z.enum(['print', 'pdf']), language }).strict(),
  ),
  'sms:remove': ch<{ ok: true }>()('sms:remove', z.object(action).strict()),
  'lock:clear': ch<{ ok: true }>()('lock:clear', z.object(action).strict()),
  'requests:refuse': ch<{ ok: true }>()(
    'requests:refuse',
    z
      .object({
        userId: id.nullable(),
        callerName: shortText(200),
        callerNumber: shortText(64).optional(),
        requested: shortText(500),
        failedChecks: checks,
        ticket: shortText(200),
        notes: shortText(2000).optional(),
      })
      .strict(),
  ),
  'clipboard:copy': ch<{ clearsInSeconds: number }>()('users:find', z.object({ text: z.string().min(1).max(2000) }).strict()),
  'settings:get': ch<SettingsView>()('settings:read', empty),

  'settings:update': ch<SettingsView>()(
    'settings:write',
    z
      .object({
        organizationName: shortText(200).optional(),
        issuer: shortText(100).optional(),
        supportContact: shortText(200).optional(),
        oneTimeCodeMinutes: z.number().int().optional(),
        enrollmentDeadlineDays: z.number().int().optional(),
        idleLockMinutes: z.number().int().optional(),
        identityChecks: z
          .array(z.object({ id: z.string().min(1).max(64), strong: z.boolean(), label: z.object({ nb: shortText(200), en: shortText(200) }).strict() }).strict())
          .max(16)
          .optional(),
        verification: z.object({ burnAfter: z.number().int(), lockAfter: z.number().int(), cooldownMinutes: z.number().int() }).strict().optional(),
      })
      .strict(),
  ),
  'settings:choose-logo': ch<SettingsView>()('settings:write', z.object({ clear: z.boolean() }).strict()),
  'operators:list': ch<OperatorView[]>()('operators:list', empty),
  'operators:add': ch<OperatorView>()(
    'operators:add',
    z.object({ name: opName, displayName: shortText(128), role: z.enum(['agent', 'admin']), email: z.string().max(254).optional(), password }).strict(),
  ),
  'operators:update': ch<OperatorView>()(
    'operators:update',
    z.object({ operatorId: z.string().max(64), role: z.enum(['agent', 'admin']).optional(), displayName: shortText(128).optional(), email: z.string().max(254).nullable().optional() }).strict(),
  ),
  'operators:disable': ch<OperatorView>()('operators:disable', z.object({ operatorId: z.string().max(64) }).strict()),
  'operators:remove': ch<{ rekeyRecommended: true }>()('operators:remove', z.object({ operatorId: z.string().max(64) }).strict()),
  'operators:reset-password': ch<OperatorView>()('operators:reset-password', z.object({ operatorId: z.string().max(64), password }).strict()),
  'users:import': ch<{ jobId: string | null }>()('users:import', empty),
  'users:import-cancel': ch<{ ok: true }>()('users:import', z.object({ jobId: z.string().max(64) }).strict()),
  'users:import-save-report': ch<{ file: string | null }>()('users:import', z.object({ jobId: z.string().max(64) }).strict()),
  'jobs:reports': ch<JobReport[]>()('users:find', empty),
  'audit:list': ch<AuditEventView[]>()(
    'audit:list',
    z
      .object({
        userEmail: z.string().max(254).optional(),
        operator: z.string().max(64).optional(),
        action: z.string().max(64).optional(),
        from: z.number().int().optional(),
        to: z.number().int().optional(),
        beforeSeq: z.number().int().optional(),
        limit: z.number().int().min(1).max(1000).optional(),
      })
      .strict(),
  ),
  'audit:verify': ch<ChainReportView>()('audit:verify', empty),
  'audit:export': ch<{ file: string | null; count: number }>()('audit:export', z.object({ format }).strict()),
  'outbox:list': ch<OutboxItem[]>()('outbox:list', z.object({ pendingOnly: z.boolean() }).strict()),
  'outbox:export': ch<{ file: string | null; count: number }>()('outbox:export', z.object({ format }).strict()),
  'vault:info': ch<VaultInfo>()('vault:info', empty),
  'vault:integrity': ch<{ ok: boolean; problems: string[] }>()('vault:integrity', empty),
  'vault:backup': ch<{ file: string | null; bytes: number }>()('vault:backup', empty),
  'vault:restore': ch<{ restored: boolean }>()('vault:restore', z.object({ password }).strict()),
  'vault:rekey': ch<{ recoveryKey: string }>()('vault:rekey', empty),
  'service-keys:create': ch<{ file: string | null }>()('service-keys:create', z.object({ label: z.string().min(1).max(64) }).strict()),
} as const;

export type Channel = keyof typeof CHANNELS;
export type Req<C extends Channel> = z.input<(typeof CHANNELS)[C]['req']>;
export type Res<C extends Channel> = (typeof CHANNELS)[C]['res'];
export const CHANNEL_NAMES: readonly Channel[] = NAMES;

// The dependency-free name list (used by the preload) must match this table exactly.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const namesMatch: Same<Channel, ChannelName> = true;
void namesMatch;

/** Events main pushes to the renderer (plain data only). */
export interface Events {
  'idle:warning': { secondsLeft: number };
  'session:locked': { reason: 'idle' | 'os-lock' | 'suspend' | 'manual' | 'restore' };
  'import:progress': { jobId: string; rows: number; bytes: number; accepted: number; rejected: number; rowsPerSecond: number };
  'job:done': JobReport;
  'clock:warning': { latestRecorded: number; now: number };
  'menu:command': { command: 'focus-search' | 'new-lookup' | 'lock' };
}
export type EventName = keyof Events;
export const EVENT_NAMES: readonly EventName[] = EVENTS;
const eventsMatch: Same<EventName, (typeof EVENTS)[number]> = true;
void eventsMatch;

/** What the preload exposes as `window.api`. */
export type Api = { [C in Channel]: (req: Req<C>) => Promise<Result<Res<C>>> } & {
  on<E extends EventName>(event: E, handler: (data: Events[E]) => void): () => void;
};

export { IPC_PREFIX };
