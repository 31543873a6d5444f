import type { Handlers } from '../guard.ts';
import type { Store } from '../../store/port.ts';
import { DirectorySearches } from '../../core/directory-searches.ts';
import { DEFAULT_LIMIT } from '../../core/user-search.ts';
import { getUserFactors } from '../../core/factors.ts';
import { issueOneTimeCode } from '../../core/one-time-codes.ts';
import { issueBackupCodes } from '../../core/backup-codes.ts';
import { confirmEnrollment, forceReenrollment, regenerateEnrollment, revealEnrollmentKey } from '../../core/enrollment.ts';
import { clearVerificationLock, recordRefusedRequest, removeSms } from '../../core/user-actions.ts';
import { currentSettings, settingsView } from '../../core/settings.ts';
import { addOperator, disableOperator, listOperators, removeOperator, resetOperatorPassword, updateOperator } from '../../core/operators.ts';
import { listAuditEvents } from '../../core/audit-export.ts';
import { listOutbox } from '../../core/outbox.ts';
import { acknowledgeAlert, listAlerts } from '../../core/alerts.ts';
import { approveApproval, listApprovals, rejectApproval, setUserPrivileged } from '../../core/approvals.ts';
import { runApproval, type ApprovalRunResult } from '../../core/approval-run.ts';
import type { ApprovalRunView } from '../../../contract/index.ts';
import { recordRecoveryKeyStored } from '../../core/first-run.ts';
import { reportLostPhone, type LostPhoneResult } from '../../core/lost-phone.ts';
import type { IssuedEnrollment, LostPhoneIssued } from '../../../contract/index.ts';

/** The channels whose whole work is one service call on the store: the same in the app and on a server. */
export type StoreChannels = Pick<
  Handlers,
  | 'users:find'
  | 'users:view'
  | 'codes:issue-one-time'
  | 'codes:backup'
  | 'enrollment:reenroll'
  | 'enrollment:regenerate'
  | 'enrollment:reveal-key'
  | 'enrollment:confirm'
  | 'users:lost-phone'
  | 'sms:remove'
  | 'lock:clear'
  | 'requests:refuse'
  | 'settings:get'
  | 'operators:list'
  | 'operators:add'
  | 'operators:update'
  | 'operators:disable'
  | 'operators:remove'
  | 'operators:reset-password'
  | 'audit:list'
  | 'outbox:list'
  | 'alerts:list'
  | 'alerts:ack'
  | 'approvals:list'
  | 'approvals:approve'
  | 'approvals:reject'
  | 'approvals:run'
  | 'users:set-privileged'
  | 'session:recovery-stored'
>;

async function withQr(r: Omit<IssuedEnrollment, 'qrSvg'>): Promise<IssuedEnrollment> {
  // The QR is drawn on the service side and sent as SVG text; the renderer shows it as an image.
  const qrSvg = await (await import('qrcode')).default.toString(r.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
  return { ...r, qrSvg };
}

/** What running an approval made, for the renderer: an enrollment gets its QR image. */
export async function approvalRunView(r: ApprovalRunResult): Promise<ApprovalRunView> {
  if ('enrollment' in r) return { action: r.action, userId: r.userId, enrollment: await withQr(r.enrollment) };
  if ('lostPhone' in r) return { action: r.action, userId: r.userId, lostPhone: await lostPhoneView(r.lostPhone) };
  return r;
}

/** The lost-phone answer for the renderer: an agent-driven enrollment gets its QR image. */
export async function lostPhoneView(r: LostPhoneResult): Promise<LostPhoneIssued> {
  if (r.enrollment.mode === 'self') return { ...r, enrollment: r.enrollment };
  const { mode, ...issued } = r.enrollment;
  return { ...r, enrollment: { mode, ...(await withQr(issued)) } };
}

/**
 * Implementations of the store-only channels over the store `store()` returns (SESSION_LOCKED
 * when there is none); `smtpPasswordSet` says whether the delivering process has the relay password.
 */
export function storeChannels(store: () => Store, searches: DirectorySearches = new DirectorySearches(), smtpPasswordSet: () => boolean = () => false): StoreChannels {
  return {
    'users:find': ({ query, limit, offset }, s) => searches.search(store(), s!, query, { limit: limit ?? DEFAULT_LIMIT, offset: offset ?? 0 }),
    'users:view': ({ userId }, s) => getUserFactors(store(), s!, userId),
    'codes:issue-one-time': ({ userId, checks, ticket, reason, minutes }, s) =>
      issueOneTimeCode(store(), s!, userId, { checks, ticket, reason, ...(minutes !== undefined ? { minutes } : {}) }),
    'codes:backup': ({ userId, checks, ticket, reason }, s) => issueBackupCodes(store(), s!, userId, { checks, ticket, reason }),
    'enrollment:reenroll': async ({ userId, checks, ticket, reason, voidCodes, withBackupCodes }, s) =>
      withQr(await forceReenrollment(store(), s!, userId, { checks, ticket, reason, voidCodes, withBackupCodes })),
    'users:lost-phone': async ({ userId, checks, ticket, reason }, s) => lostPhoneView(await reportLostPhone(store(), s!, userId, { checks, ticket, reason })),
    'enrollment:regenerate': async ({ userId, checks, ticket, reason }, s) => withQr(await regenerateEnrollment(store(), s!, userId, { checks, ticket, reason })),
    'enrollment:reveal-key': async ({ userId, enrollmentId }, s) => {
      await revealEnrollmentKey(store(), s!, userId, enrollmentId);
      return { ok: true as const };
    },
    'enrollment:confirm': async ({ userId, code }, s) => {
      await confirmEnrollment(store(), s!, userId, code);
      return { status: 'active' as const };
    },
    'sms:remove': async ({ userId, checks, ticket, reason }, s) => {
      await removeSms(store(), s!, userId, { checks, ticket, reason });
      return { ok: true as const };
    },
    'lock:clear': async ({ userId, checks, ticket, reason }, s) => {
      await clearVerificationLock(store(), s!, userId, { checks, ticket, reason });
      return { ok: true as const };
    },
    'requests:refuse': async ({ userId, ...req }, s) => {
      await recordRefusedRequest(store(), s!, userId, req);
      return { ok: true as const };
    },
    'settings:get': async () => settingsView(await currentSettings(store()), smtpPasswordSet()),
    'operators:list': (_r, s) => listOperators(store(), s!),
    'operators:add': (req, s) => addOperator(store(), s!, { ...req, email: req.email ?? null, userEmail: req.userEmail ?? null }),
    'operators:update': ({ operatorId, ...patch }, s) => updateOperator(store(), s!, operatorId, patch),
    'operators:disable': ({ operatorId }, s) => disableOperator(store(), s!, operatorId),
    'operators:remove': ({ operatorId }, s) => removeOperator(store(), s!, operatorId),
    'operators:reset-password': ({ operatorId, password }, s) => resetOperatorPassword(store(), s!, operatorId, password),
    'audit:list': (q, s) => listAuditEvents(store(), s!, q),
    'outbox:list': async ({ pendingOnly }, s) =>
      (await listOutbox(store(), s!, { pendingOnly })).map((o) => ({ id: o.id, email: o.email, kind: o.kind, subject: o.subject, createdAt: o.createdAt, exportedAt: o.exportedAt, deliveredAt: o.deliveredAt, attempts: o.attempts, lastError: o.lastError })),
    'alerts:list': ({ all }, s) => listAlerts(store(), s!, { all }),
    'alerts:ack': ({ id }, s) => acknowledgeAlert(store(), s!, id),
    'approvals:list': ({ all }, s) => listApprovals(store(), s!, { all }),
    'approvals:approve': ({ id, reason }, s) => approveApproval(store(), s!, id, reason),
    'approvals:reject': ({ id, reason }, s) => rejectApproval(store(), s!, id, reason),
    'approvals:run': async ({ id }, s) => {
      const r = await runApproval(store(), s!, id);
      return approvalRunView(r);
    },
    'users:set-privileged': ({ userId, privileged }, s) => setUserPrivileged(store(), s!, userId, privileged),
    'session:recovery-stored': async (_req, s) => {
      await recordRecoveryKeyStored(store(), s!);
      return { ok: true as const };
    },
  };
}
