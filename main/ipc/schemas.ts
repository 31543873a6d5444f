/**
 * The request schema and required permission of every IPC channel (main side only: the
 * contract in contract/ is pure types). The guard parses every payload with these schemas;
 * the checks at the end make sure each schema accepts exactly the contract's request type and
 * that this table and the channel names agree.
 */
import { z } from 'zod';
import { builtOnFirstUse } from '../core/built-on-first-use.ts';
import { AUTOMATION_SCOPES, IMPORT_REJECT_CODES, type Channel, type ChannelName, type Permission, type Req, type Same } from '../../contract/index.ts';

/** `permission: null` marks channels usable before sign-in (status, sign-in, first run, prefs). */
function ch<S extends z.ZodType>(permission: Permission | null, req: S) {
  return { permission, req };
}

/** The table and the field schemas it shares, built on first use (see builtOnFirstUse). */
function channelTable() {
  // ---- shared field schemas
  const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
  const shortText = (max: number) => z.string().max(max);
  const checks = z.array(z.string().min(1).max(64)).max(16);
  const action = { userId: id, checks, ticket: shortText(200), reason: shortText(500) };
  const password = z.string().min(1).max(1024);
  const opName = z.string().min(1).max(64);
  const format = z.enum(['csv', 'json']);
  const language = z.enum(['nb', 'en']);
  const empty = z.object({}).strict();
  const importEncoding = z.enum(['utf-8', 'utf-16le', 'utf-16be', 'windows-1252']);
  /** The audit filter the list and the export share. */
  const auditFilter = z.object({
    userEmail: z.string().max(254).optional(),
    operator: z.string().max(64).optional(),
    ticket: z.string().max(200).optional(),
    text: z.string().max(200).optional(),
    action: z.string().max(64).optional(),
    from: z.number().int().optional(),
    to: z.number().int().optional(),
  });

  // ---- the channel table ----------------------------------------------------------------
  /** The saved import report's wording in the app's language (one template per line kind; never a secret). */
  const wordingText = z.string().min(1).max(500);
  const importReportWording = z
    .object({
      line: wordingText,
      reason: wordingText,
      reasons: z.partialRecord(z.enum(IMPORT_REJECT_CODES), wordingText),
      nearDuplicate: wordingText,
      mixedScript: wordingText,
      stoppedRead: wordingText,
      stoppedWrite: wordingText,
    })
    .strict();

  return {
    'app:status': ch(null, empty),
    'app:open-external': ch(null, z.object({ url: z.string().max(2048) }).strict()),
    'prefs:set': ch(null, z.object({ language: language.optional(), density: z.enum(['comfortable', 'compact']).optional() }).strict()),
    'session:first-run': ch(null, z.object({ name: opName, displayName: shortText(128), email: z.string().max(254).optional(), password, organizationName: shortText(200).optional(), supportContact: shortText(200).optional() }).strict()),
    'session:recovery-stored': ch('users:find', empty),
    'session:sign-in': ch(
      null,
      z
        .object({
          name: shortText(256),
          password,
          otp: z
            .string()
            .regex(/^\d{6}$/)
            .optional(),
        })
        .strict(),
    ),
    'session:recover': ch(null, z.object({ recoveryKey: shortText(200), name: opName, password }).strict()),
    'session:activity': ch(null, empty),
    'session:lock': ch(null, empty),
    'session:change-password': ch('operators:change-own-password', z.object({ oldPassword: password, newPassword: password }).strict()),
    'session:second-factor': ch(null, empty),
    'server:probe': ch(null, z.object({ url: z.string().min(1).max(2048) }).strict()),
    'server:connect': ch(null, z.object({ url: z.string().min(1).max(2048), pin: z.string().regex(/^[A-Za-z0-9+/]{43}=$/) }).strict()),
    'server:forget': ch(null, empty),

    'users:find': ch('users:find', z.object({ query: z.string().max(10_000), limit: z.number().int().min(1).max(100).optional(), offset: z.number().int().min(0).max(100_000).optional() }).strict()),
    'users:view': ch('users:view', z.object({ userId: id }).strict()),
    'codes:issue-one-time': ch('codes:issue-one-time', z.object({ ...action, minutes: z.number().int().min(1).max(100_000).optional() }).strict()),
    'codes:backup': ch('codes:backup', z.object(action).strict()),
    'enrollment:reenroll': ch('enrollment:reenroll', z.object({ ...action, voidCodes: z.boolean(), withBackupCodes: z.boolean() }).strict()),
    'enrollment:regenerate': ch('enrollment:regenerate', z.object(action).strict()),
    'enrollment:reveal-key': ch('enrollment:reveal-key', z.object({ userId: id, enrollmentId: id }).strict()),
    'enrollment:issue-code': ch('enrollment:issue-code', z.object(action).strict()),
    'enrollment:confirm': ch('enrollment:confirm', z.object({ userId: id, code: z.string().max(64) }).strict()),
    'users:lost-phone': ch('enrollment:reenroll', z.object(action).strict()),
    'enrollment:print-sheet': ch('enrollment:sheet', z.object({ userId: id, enrollmentId: id, mode: z.enum(['print', 'pdf']), language }).strict()),
    'enrollment:sheet-render': ch('enrollment:sheet', z.object({ userId: id, enrollmentId: id.optional(), language, output: z.enum(['printer', 'pdf', 'html']) }).strict()),
    'enrollment:sheet-not-printed': ch('enrollment:sheet', z.object({ userId: id, enrollmentId: id, sheetId: z.string().min(1).max(64), language: language.optional(), reason: z.enum(['cancelled', 'failed']) }).strict()),
    'sms:remove': ch('sms:remove', z.object(action).strict()),
    'lock:clear': ch('lock:clear', z.object(action).strict()),
    'requests:refuse': ch(
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
    'clipboard:copy': ch('users:find', z.object({ text: z.string().min(1).max(2000) }).strict()),
    'settings:get': ch('settings:read', empty),

    'settings:update': ch(
      'settings:write',
      z
        .object({
          organizationName: shortText(200).optional(),
          issuer: shortText(100).optional(),
          supportContact: shortText(200).optional(),
          oneTimeCodeMinutes: z.number().int().optional(),
          enrollmentDeadlineDays: z.number().int().optional(),
          idleLockMinutes: z.number().int().optional(),
          defaultCountryCode: shortText(8).optional(),
          velocityPerHour: z.number().int().optional(),
          velocityPerDay: z.number().int().optional(),
          approvalMinutes: z.number().int().optional(),
          approvalCooldownMinutes: z.number().int().optional(),
          approveEveryReenrollment: z.boolean().optional(),
          approveEveryOneTimeCode: z.boolean().optional(),
          identityChecks: z
            .array(z.object({ id: z.string().min(1).max(64), strong: z.boolean(), label: z.object({ nb: shortText(200), en: shortText(200) }).strict() }).strict())
            .max(16)
            .optional(),
          reasonPresets: z
            .array(z.object({ nb: shortText(200), en: shortText(200) }).strict())
            .max(20)
            .optional(),
          verification: z.object({ burnAfter: z.number().int(), lockAfter: z.number().int(), cooldownMinutes: z.number().int() }).strict().optional(),
          // Empty texts switch delivery off or drop the user; the service checks the rest.
          smtpHost: z.string().max(253).optional(),
          smtpPort: z.number().int().optional(),
          smtpStartTls: z.enum(['required', 'none']).optional(),
          smtpFrom: z.string().max(254).optional(),
          smtpUser: z.string().max(254).optional(),
          notificationLanguage: z.enum(['nb', 'en']).optional(),
          alertLogPath: z.string().max(1000).optional(),
          syslogHost: z.string().max(253).optional(),
          syslogPort: z.number().int().optional(),
          syslogProtocol: z.enum(['udp', 'tcp']).optional(),
        })
        .strict(),
    ),
    'settings:choose-logo': ch('settings:write', z.object({ clear: z.boolean() }).strict()),
    'operators:list': ch('operators:list', empty),
    'operators:add': ch('operators:add', z.object({ name: opName, displayName: shortText(128), role: z.enum(['agent', 'admin']), email: z.string().max(254).optional(), userEmail: z.string().max(254).optional(), password }).strict()),
    'operators:update': ch(
      'operators:update',
      z
        .object({ operatorId: z.string().max(64), role: z.enum(['agent', 'admin']).optional(), displayName: shortText(128).optional(), email: z.string().max(254).nullable().optional(), userEmail: z.string().max(254).nullable().optional() })
        .strict(),
    ),
    'operators:disable': ch('operators:disable', z.object({ operatorId: z.string().max(64) }).strict()),
    'operators:remove': ch('operators:remove', z.object({ operatorId: z.string().max(64) }).strict()),
    'operators:reset-password': ch('operators:reset-password', z.object({ operatorId: z.string().max(64), password }).strict()),
    'operators:reset-second-factor': ch('operators:reset-password', z.object({ operatorId: z.string().max(64) }).strict()),
    'users:import': ch('users:import', z.object({ encoding: importEncoding.optional(), previewId: z.string().min(1).max(64).optional() }).strict()),
    // A dry run reads the directory as the import would: for those who may import.
    'users:import-preview': ch('users:import', z.object({ encoding: importEncoding.optional() }).strict()),
    'users:import-cancel': ch('users:import', z.object({ jobId: z.string().max(64) }).strict()),
    'users:import-save-report': ch('users:import', z.object({ jobId: z.string().max(64), wording: importReportWording.optional() }).strict()),
    'jobs:reports': ch('users:find', empty),
    'users:import-begin': ch('users:import', z.object({ dryRun: z.boolean().optional(), encoding: importEncoding.optional(), totalBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional() }).strict()),
    // A job's status is its starter's (the store checks who asks).
    'jobs:status': ch('users:import', z.object({ jobId: z.string().min(1).max(64) }).strict()),
    'audit:list': ch('audit:list', auditFilter.extend({ beforeSeq: z.number().int().optional(), limit: z.number().int().min(1).max(1000).optional() }).strict()),
    'audit:verify': ch('audit:verify', empty),
    'audit:export': ch('audit:export', z.object({ format, filter: auditFilter.strict().optional() }).strict()),
    'outbox:list': ch('outbox:list', z.object({ pendingOnly: z.boolean() }).strict()),
    'alerts:list': ch('alerts:list', z.object({ all: z.boolean().optional() }).strict()),
    'alerts:ack': ch('alerts:ack', z.object({ id: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict()),
    'approvals:list': ch('approvals:list', z.object({ all: z.boolean().optional() }).strict()),
    'approvals:approve': ch('approvals:decide', z.object({ id: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), reason: z.string().max(500).optional() }).strict()),
    'approvals:reject': ch('approvals:decide', z.object({ id: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), reason: z.string().max(500) }).strict()),
    'approvals:run': ch('approvals:run', z.object({ id: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict()),
    'users:set-privileged': ch('users:privileged', z.object({ userId: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), privileged: z.boolean() }).strict()),
    'outbox:export': ch('outbox:export', z.object({ format }).strict()),
    'vault:info': ch('vault:info', empty),
    'vault:integrity': ch('vault:integrity', empty),
    'vault:backup': ch('vault:backup', empty),
    'vault:delete-kept': ch('vault:restore', empty),
    'vault:restore-preview': ch(
      'vault:restore',
      z
        .object({
          previewId: z
            .string()
            .regex(/^[0-9a-f]{16}$/)
            .optional(),
          password: password.optional(),
        })
        .strict(),
    ),
    'vault:restore': ch(
      'vault:restore',
      z
        .object({
          password,
          previewId: z
            .string()
            .regex(/^[0-9a-f]{16}$/)
            .optional(),
        })
        .strict(),
    ),
    'vault:rekey': ch('vault:rekey', empty),
    'service-keys:create': ch('service-keys:create', z.object({ label: z.string().min(1).max(64) }).strict()),
    'service-clients:create': ch('service-keys:create', z.object({ label: z.string().min(1).max(64) }).strict()),
    'service-clients:list': ch('service-keys:create', empty),
    'service-clients:revoke': ch('service-keys:create', z.object({ clientId: z.string().regex(/^[0-9a-f]{16}$/) }).strict()),
    'radius-clients:add': ch('radius-clients:manage', z.object({ label: z.string().min(1).max(64), address: z.string().min(1).max(64) }).strict()),
    'radius-clients:list': ch('radius-clients:manage', empty),
    'radius-clients:remove': ch('radius-clients:manage', z.object({ clientId: z.string().min(1).max(64) }).strict()),
    'automation-clients:create': ch('automation-clients:manage', z.object({ label: z.string().min(1).max(64), scopes: z.array(z.string().min(1).max(64)).min(1).max(AUTOMATION_SCOPES.length) }).strict()),
    'automation-clients:list': ch('automation-clients:manage', empty),
    'automation-clients:revoke': ch('automation-clients:manage', z.object({ clientId: z.string().regex(/^[0-9a-f]{32}$/) }).strict()),
  } as const;
}

export const CHANNELS = builtOnFirstUse(channelTable);

export type SchemaTable = ReturnType<typeof channelTable>;

// Compile-time agreement with the contract: the table has exactly the channel names, and each
// schema's input is exactly the contract's request type (both ways assignable).
const namesMatch: Same<keyof SchemaTable, ChannelName> = true;
type Mismatched = { [C in Channel]: Same<z.input<SchemaTable[C]['req']>, Req<C>> extends true ? never : C }[Channel];
// On a mismatch the error names the channel: Type '"ok"' is not assignable to type '"vault:restore"'.
const requestsMatch: [Mismatched] extends [never] ? 'ok' : Mismatched = 'ok';
void namesMatch;
void requestsMatch;
