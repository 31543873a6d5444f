/**
 * The IPC channel table: every channel's request and response, and every event main pushes.
 * Pure types (no zod, no electron, no node: imports): main, preload and renderer all import it.
 */
import type { ChannelName, EventName } from './channel-names.ts';
import type { Result } from './errors.ts';
import type * as Q from './requests.ts';
import type * as V from './views.ts';
import type { AlertView } from './alerts.ts';
import type { ApprovalView } from './approvals.ts';

/** A credential a restore brings back: an operator (by sign-in name) or a service key (by label). */
export interface RevivedCredential {
  kind: 'operator' | 'service';
  label: string | null;
}

type Spec<Req, Res> = { req: Req; res: Res };

export interface Channels {
  'app:status': Spec<Q.Empty, V.AppStatus>;
  'app:open-external': Spec<{ url: string }, { opened: boolean }>;
  'prefs:set': Spec<Q.PrefsRequest, V.Prefs>;
  'session:first-run': Spec<Q.FirstRunRequest, { recoveryKey: string; session: V.PublicSession }>;
  'session:recovery-stored': Spec<Q.Empty, { ok: true }>;
  'session:sign-in': Spec<Q.SignInRequest, { session: V.PublicSession; warnings: string[]; jobReports: V.JobReport[] }>;
  'session:recover': Spec<Q.RecoverRequest, { session: V.PublicSession }>;
  'session:activity': Spec<Q.Empty, { ok: true }>;
  'session:lock': Spec<Q.Empty, { locked: true }>;
  'session:change-password': Spec<Q.ChangePasswordRequest, { ok: true }>;
  /** After SECOND_FACTOR_ENROLL: the operator's own new second factor, handed over once. */
  'session:second-factor': Spec<Q.Empty, V.SecondFactorSetup>;
  /** Reaches a server and reads its key, trusting nothing yet (first run). */
  'server:probe': Spec<{ url: string }, V.ServerProbe>;
  /** Pins the confirmed key and makes this app a client of that server. */
  'server:connect': Spec<{ url: string; pin: string }, V.AppStatus>;
  /** Forgets the server (signed out): the app offers the first-run choice again. */
  'server:forget': Spec<Q.Empty, V.AppStatus>;
  'users:find': Spec<Q.FindUsersRequest, V.UserSearchPage>;
  'users:view': Spec<{ userId: number }, V.FactorSummaryView>;
  'codes:issue-one-time': Spec<Q.OneTimeCodeRequest, { code: string; expiresAt: number }>;
  'codes:backup': Spec<Q.ActionRequest, { codes: string[]; createdAt: number }>;
  'enrollment:reenroll': Spec<Q.ReenrollRequest, V.IssuedEnrollment>;
  'enrollment:regenerate': Spec<Q.ActionRequest, V.IssuedEnrollment>;
  'enrollment:reveal-key': Spec<Q.EnrollmentRef, { ok: true }>;
  'enrollment:confirm': Spec<Q.ConfirmEnrollmentRequest, { status: 'active' }>;
  'enrollment:issue-code': Spec<Q.ActionRequest, V.EnrollmentCodeIssued>;
  'users:lost-phone': Spec<Q.ActionRequest, V.LostPhoneIssued>;
  'enrollment:print-sheet': Spec<Q.PrintSheetRequest, { done: boolean; file: string | null }>;
  /** Served by a server to a door's main process (never a renderer): the sheet rendered and recorded as sent. */
  'enrollment:sheet-render': Spec<Q.SheetRenderRequest, V.RenderedSheet>;
  /** Served by a server: the sheet of `enrollment:sheet-render` did not come out. */
  'enrollment:sheet-not-printed': Spec<Q.SheetNotPrintedRequest, { ok: true }>;
  'sms:remove': Spec<Q.ActionRequest, { ok: true }>;
  'lock:clear': Spec<Q.ActionRequest, { ok: true }>;
  'requests:refuse': Spec<Q.RefuseRequest, { ok: true }>;
  'clipboard:copy': Spec<{ text: string }, { clearsInSeconds: number }>;
  'settings:get': Spec<Q.Empty, V.SettingsView>;
  'settings:update': Spec<Q.SettingsUpdate, V.SettingsView>;
  'settings:choose-logo': Spec<{ clear: boolean }, V.SettingsView>;
  'operators:list': Spec<Q.Empty, V.OperatorView[]>;
  'operators:add': Spec<Q.AddOperatorRequest, V.OperatorView>;
  'operators:update': Spec<Q.UpdateOperatorRequest, V.OperatorView>;
  'operators:disable': Spec<Q.OperatorRef, V.OperatorView>;
  'operators:remove': Spec<Q.OperatorRef, { rekeyRecommended: true }>;
  'operators:reset-password': Spec<Q.OperatorRef & { password: string }, V.OperatorView>;
  'operators:reset-second-factor': Spec<Q.OperatorRef, { ok: true }>;
  'users:import': Spec<Q.ImportUsersRequest, { jobId: string | null }>;
  'users:import-preview': Spec<Q.PreviewImportRequest, V.ImportPreviewView>;
  'users:import-cancel': Spec<Q.JobRef, { ok: true }>;
  'users:import-save-report': Spec<Q.ImportReportSaveRequest, { file: string | null }>;
  'jobs:reports': Spec<Q.Empty, V.JobReport[]>;
  /** A server's import job, before its CSV is streamed to POST /api/v1/import/JOB_ID (the app's main process and the CLI call it; the desktop does not serve it). */
  'users:import-begin': Spec<Q.ImportBeginRequest, { jobId: string }>;
  /** How a running or finished import (or its dry run) is doing; its report or preview once done. */
  'jobs:status': Spec<Q.JobRef, V.JobStatusView>;
  'audit:list': Spec<Q.AuditListRequest, V.AuditEventView[]>;
  'audit:verify': Spec<Q.Empty, V.ChainReportView>;
  'audit:export': Spec<Q.AuditExportRequest, { file: string | null; count: number }>;
  'outbox:list': Spec<{ pendingOnly: boolean }, V.OutboxItem[]>;
  'alerts:list': Spec<{ all?: boolean }, { alerts: AlertView[]; open: number }>;
  'alerts:ack': Spec<{ id: number }, { alert: AlertView; changed: boolean }>;
  'approvals:list': Spec<{ all?: boolean }, { approvals: ApprovalView[]; waiting: number }>;
  'approvals:approve': Spec<{ id: number; reason?: string }, ApprovalView>;
  'approvals:reject': Spec<{ id: number; reason: string }, ApprovalView>;
  'approvals:run': Spec<{ id: number }, V.ApprovalRunView>;
  'users:set-privileged': Spec<{ userId: number; privileged: boolean }, { userId: number; privileged: boolean; changed: boolean }>;
  'outbox:export': Spec<{ format: Q.ExportFormat }, { file: string | null; count: number }>;
  'vault:info': Spec<Q.Empty, V.VaultInfo>;
  'vault:integrity': Spec<Q.Empty, { ok: boolean; problems: string[] }>;
  'vault:backup': Spec<Q.Empty, { file: string | null; bytes: number }>;
  'vault:restore-preview': Spec<Q.RestorePreviewRequest, V.RestorePreviewView>;
  'vault:delete-kept': Spec<Q.Empty, { deleted: number }>;
  'vault:restore': Spec<Q.RestoreRequest, { restored: boolean; revived?: RevivedCredential[] }>;
  'vault:rekey': Spec<Q.Empty, { recoveryKey: string }>;
  'service-keys:create': Spec<{ label: string }, { file: string | null }>;
  'service-clients:create': Spec<{ label: string }, { clientId: string; label: string; secret: string }>;
  'service-clients:list': Spec<Q.Empty, V.ServiceClientView[]>;
  'service-clients:revoke': Spec<{ clientId: string }, { revoked: number }>;
  'radius-clients:add': Spec<Q.AddRadiusClientRequest, V.NewRadiusClient>;
  'radius-clients:list': Spec<Q.Empty, V.RadiusClientView[]>;
  'radius-clients:remove': Spec<Q.RadiusClientRef, V.RadiusClientView>;
  'automation-clients:create': Spec<Q.CreateAutomationClientRequest, V.NewAutomationClient>;
  'automation-clients:list': Spec<Q.Empty, V.AutomationClientView[]>;
  'automation-clients:revoke': Spec<{ clientId: string }, V.AutomationClientView>;
}

export type Channel = keyof Channels;
export type Req<C extends Channel> = Channels[C]['req'];
export type Res<C extends Channel> = Channels[C]['res'];

/** Events main pushes to the renderer (plain data only). */
export interface Events {
  'idle:warning': { secondsLeft: number };
  /** After a restore, `revived` lists operators and service keys revoked since the backup that work again. */
  'session:locked': { reason: 'idle' | 'os-lock' | 'suspend' | 'manual' | 'restore'; revived?: RevivedCredential[] };
  /** A running import: rows read, and bytes read of `totalBytes` (null when the size is not known). */
  'import:progress': { jobId: string; rows: number; bytes: number; totalBytes: number | null; accepted: number; rejected: number; rowsPerSecond: number };
  'job:done': V.JobReport;
  /** Progress of a job that walks the audit chain (verify, export): events done of total. */
  'job:progress': { jobId: string; kind: V.JobReport['kind']; done: number; total: number };
  'clock:warning': { latestRecorded: number; now: number };
  'menu:command': { command: 'focus-search' | 'new-lookup' | 'lock' };
}

/** What the preload exposes as `window.api`. */
export type Api = { [C in Channel]: (req: Req<C>) => Promise<Result<Res<C>>> } & {
  on<E extends EventName>(event: E, handler: (data: Events[E]) => void): () => void;
};

// The dependency-free name lists (used by the preload) must match these tables exactly.
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const namesMatch: Same<Channel, ChannelName> = true;
const eventsMatch: Same<keyof Events, EventName> = true;
void namesMatch;
void eventsMatch;
