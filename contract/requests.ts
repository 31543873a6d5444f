/**
 * What the renderer sends on each channel. Main validates every request with a schema of its
 * own (main/ipc/schemas.ts), which is checked at compile time to accept exactly these shapes.
 */
import type { IdentityCheck, ImportEncoding, ReasonPreset } from './views.ts';
import type { ImportRejectCode } from './imports.ts';

/** No fields. */
export type Empty = Record<string, never>;
export type Language = 'nb' | 'en';
export type ExportFormat = 'csv' | 'json';
export type OperatorRole = 'agent' | 'admin';

/** What every action on a user's factors records: who, which identity checks, ticket and reason. */
export interface ActionRequest {
  userId: number;
  checks: string[];
  ticket: string;
  reason: string;
}

export interface PrefsRequest {
  language?: Language;
  density?: 'comfortable' | 'compact';
}
export interface FirstRunRequest {
  name: string;
  displayName: string;
  email?: string;
  password: string;
  /** The organisation's name (sheets, notifications, the authenticator's issuer stays its own setting). */
  organizationName?: string;
  /** Whom users call with questions (sheets and notifications). */
  supportContact?: string;
}
export interface SignInRequest {
  name: string;
  password: string;
  /** The operator's second-factor code (server mode; a solo vault ignores it). */
  otp?: string;
}
export interface RecoverRequest {
  recoveryKey: string;
  name: string;
  password: string;
}
export interface ChangePasswordRequest {
  oldPassword: string;
  newPassword: string;
}
export interface FindUsersRequest {
  query: string;
  limit?: number;
  offset?: number;
}
export interface OneTimeCodeRequest extends ActionRequest {
  minutes?: number;
}
export interface ReenrollRequest extends ActionRequest {
  voidCodes: boolean;
  withBackupCodes: boolean;
}
export interface EnrollmentRef {
  userId: number;
  enrollmentId: number;
}
export interface ConfirmEnrollmentRequest {
  userId: number;
  code: string;
}
export interface PrintSheetRequest extends EnrollmentRef {
  mode: 'print' | 'pdf';
  language: Language;
}
/** A door asks a server for a pending enrollment's sheet (the app's main process, the command line): no enrollment id means the user's pending one. */
export interface SheetRenderRequest {
  userId: number;
  enrollmentId?: number;
  language: Language;
  output: 'printer' | 'pdf' | 'html';
}
/** The sheet a server answered did not come out (print dialog cancelled, output failed). */
export interface SheetNotPrintedRequest {
  userId: number;
  enrollmentId: number;
  sheetId: string;
  language?: Language;
  reason: 'cancelled' | 'failed';
}
export interface RefuseRequest {
  userId: number | null;
  callerName: string;
  callerNumber?: string;
  requested: string;
  failedChecks: string[];
  ticket: string;
  notes?: string;
}
export interface SettingsUpdate {
  organizationName?: string;
  issuer?: string;
  supportContact?: string;
  oneTimeCodeMinutes?: number;
  enrollmentDeadlineDays?: number;
  idleLockMinutes?: number;
  defaultCountryCode?: string;
  velocityPerHour?: number;
  velocityPerDay?: number;
  approvalMinutes?: number;
  approvalCooldownMinutes?: number;
  approveEveryReenrollment?: boolean;
  approveEveryOneTimeCode?: boolean;
  identityChecks?: IdentityCheck[];
  reasonPresets?: ReasonPreset[];
  verification?: { burnAfter: number; lockAfter: number; cooldownMinutes: number };
  smtpHost?: string;
  smtpPort?: number;
  smtpStartTls?: 'required' | 'none';
  smtpFrom?: string;
  smtpUser?: string;
  notificationLanguage?: 'nb' | 'en';
  alertLogPath?: string;
  syslogHost?: string;
  syslogPort?: number;
  syslogProtocol?: 'udp' | 'tcp';
}
export interface AddOperatorRequest {
  name: string;
  displayName: string;
  role: OperatorRole;
  email?: string;
  /** Address of the operator's own directory user, to link them. */
  userEmail?: string;
  password: string;
}
export interface UpdateOperatorRequest {
  operatorId: string;
  role?: OperatorRole;
  displayName?: string;
  email?: string | null;
  /** Address of the operator's own directory user; null unlinks. */
  userEmail?: string | null;
}
export interface OperatorRef {
  operatorId: string;
}
/**
 * Starts an import: of the file a preview (`users:import-preview`) read, with that preview's
 * encoding (`previewId`), else of a file the operator picks; without `encoding`, the file's own is found.
 */
export interface ImportUsersRequest {
  encoding?: ImportEncoding;
  previewId?: string;
}
/** A dry run of an import of a file the operator picks; without `encoding`, the file's own is found. */
export interface PreviewImportRequest {
  encoding?: ImportEncoding;
}
/**
 * Opens a backup to show what it holds before a restore: without `previewId` the admin chooses
 * the file; with it and `password` (the admin's when the backup was made) the same file again,
 * for a backup the vault's current key does not open.
 */
export interface RestorePreviewRequest {
  previewId?: string;
  password?: string;
}
/** Restores the file a preview opened (`previewId`; else the admin chooses one), with the admin's password at backup time. */
export interface RestoreRequest {
  password: string;
  previewId?: string;
}
/** An import on a server: a dry run or the real one, the file's encoding if it is not to be detected, its size if known. */
export interface ImportBeginRequest {
  dryRun?: boolean;
  encoding?: ImportEncoding;
  totalBytes?: number;
}
export interface JobRef {
  jobId: string;
}
/**
 * The saved import report in the app's language: the column titles and a template per line kind
 * (`{{email}}`, `{{similarTo}}`, `{{field}}`, `{{max}}`, `{{maxKb}}` filled in by main from the
 * report's parameters), so main writes the file and the app words it.
 */
export interface ImportReportWording {
  line: string;
  reason: string;
  /** Per rejection code; a code without one is written with its English reason. */
  reasons: Partial<Record<ImportRejectCode, string>>;
  nearDuplicate: string;
  mixedScript: string;
  stoppedRead: string;
  stoppedWrite: string;
}
export interface ImportReportSaveRequest {
  jobId: string;
  wording?: ImportReportWording;
}
/** What the audit log is filtered by; the list and the export take the same filter. Text ignores case. */
export interface AuditFilterRequest {
  userEmail?: string;
  /** The operator's name starts with this. */
  operator?: string;
  /** The ticket contains this. */
  ticket?: string;
  /** Free text: operator, action, user email, ticket, reason or details contain this. */
  text?: string;
  /** An audit action name (see AUDIT_ACTIONS); other text simply matches nothing. */
  action?: string;
  from?: number;
  to?: number;
}
export interface AuditListRequest extends AuditFilterRequest {
  beforeSeq?: number;
  limit?: number;
}
export interface AuditExportRequest {
  format: ExportFormat;
  /** Exports exactly the events this filter lists (all of them, not one page); none: the whole chain. */
  filter?: AuditFilterRequest;
}

/** A RADIUS client of a server: a NAS or VPN gateway, known by the address its requests come from. */
export interface AddRadiusClientRequest {
  label: string;
  /** An IPv4 or IPv6 address (no host name: requests are matched by their source address). */
  address: string;
}
export interface RadiusClientRef {
  clientId: string;
}

/** An automation client of a server (an unattended script): a label and the named scopes it may use. */
export interface CreateAutomationClientRequest {
  label: string;
  /** Scope names from AUTOMATION_SCOPES (contract/permissions.ts), at least one. */
  scopes: string[];
}
