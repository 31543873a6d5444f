/** What main answers with: plain data only, so it crosses IPC unchanged. */
import type { CodedError, ErrorCode, ReadOnlyReason } from './errors.ts';
import type { ImportPreview, ImportRejection } from './imports.ts';
import type { ApprovalAction } from './approvals.ts';

/** The text encodings a user import reads; without one chosen, the file's own (BOM, else UTF-8, else Windows-1252). */
export type ImportEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface PublicSession {
  operatorId: string;
  name: string;
  displayName: string;
  role: 'agent' | 'admin';
  /** Set when this session can only read (a read-only vault folder, a full disk): the app shows why. */
  readOnly?: ReadOnlyReason | null;
}
export interface AppStatus {
  /** A solo vault on this computer, or a client of a FactorDesk server. */
  mode: 'vault' | 'server';
  /** In server mode: the server's address and the pinned key (base64 SHA-256 of its public key). */
  server: { url: string; pin: string } | null;
  vaultState: 'ready' | 'none' | 'incomplete' | 'error';
  /** The vault folder: only to a signed-in session, or at first run (where it will be created). */
  vaultDir: string | null;
  error: CodedError | null;
  session: PublicSession | null;
  prefs: Prefs;
  idleLockMinutes: number;
}
/** What a server showed before it is trusted: its address and key, for the operator to compare. */
export interface ServerProbe {
  url: string;
  /** base64 SHA-256 of the certificate's public key (what gets pinned). */
  pin: string;
  subject: string;
  issuer: string;
  validTo: number;
  /** True when the address answered as a FactorDesk server. */
  factorDesk: boolean;
}
/** An operator's own second factor for a server, shown once at their first sign-in. */
export interface SecondFactorSetup {
  uri: string;
  key: string;
  qrSvg: string;
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
/** One page of a user lookup, ranked best first, with how many users match in all. */
export interface UserSearchPage {
  items: UserSummary[];
  /** More users match than this page holds (within the paging window). */
  hasMore: boolean;
  /** Users matching in all: exact up to a cap (1,000); the cap when `totalCapped`. */
  total: number;
  /** More users match than the cap: shown as "1,000+". */
  totalCapped: boolean;
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
  sms: { masked: string; verified: boolean; usage: 'login-only' | 'login-and-approvals' } | null;
  backupCodes: { remaining: number; total: number; createdAt: number } | null;
  oneTimeCode: { active: boolean; expiresAt: number | null };
  verification: { failures: number; locked: boolean; lockedUntil: number | null };
  /** Factor changes wait for approval: marked VIP by an admin, or an operator's own account. */
  privileged: { marked: boolean; operatorAccount: boolean };
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
  /** + and 1–3 digits: given to phone numbers written without a country code. */
  defaultCountryCode: string;
  velocityPerHour: number;
  velocityPerDay: number;
  /** Minutes an approval request (and an approved one not yet run) lives. */
  approvalMinutes: number;
  /** A site with a single admin: minutes before a waiting action may run unless rejected. */
  approvalCooldownMinutes: number;
  approveEveryReenrollment: boolean;
  approveEveryOneTimeCode: boolean;
  identityChecks: IdentityCheck[];
  /** Reasons the action dialogs offer to pick (the agent may still type one). */
  reasonPresets: ReasonPreset[];
  verification: { burnAfter: number; lockAfter: number; cooldownMinutes: number };
  /** The SMTP relay notifications are delivered through ('' host: none, they are exported). */
  smtpHost: string;
  smtpPort: number;
  smtpStartTls: 'required' | 'none';
  smtpFrom: string;
  /** The relay user; its password is never a setting (FACTORDESK_SMTP_PASSWORD on the host). */
  smtpUser: string;
  /** Whether the process that delivers (this app, or the server) has FACTORDESK_SMTP_PASSWORD: the password itself is never shown. */
  smtpPasswordSet: boolean;
  /** The language notifications are written in when the user's own is not known. */
  notificationLanguage: 'nb' | 'en';
  /** Absolute path of the alert log (one JSON line per alert); empty for none. */
  alertLogPath: string;
  /** Server mode: alerts also go to this host as RFC 5424 syslog; empty for none. */
  syslogHost: string;
  syslogPort: number;
  syslogProtocol: 'udp' | 'tcp';
}
export interface ReasonPreset {
  nb: string;
  en: string;
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
/**
 * What an enrollment sheet shows (a door that renders it itself, such as the command line's PDF).
 * Holds the secret. `key` is grouped by 4; `organizationLogo` is a data: URL; `supportContact` is
 * whom the user calls with questions (settings; empty: "the helpdesk" in each language).
 */
export interface SheetContent {
  language: 'nb' | 'en';
  organizationName: string;
  organizationLogo: string | null;
  user: { name: string; email: string };
  uri: string;
  key: string;
  issuer: string;
  account: string;
  deadline: number;
  sheetId: string;
  issuedAt: number;
  operatorName: string;
  supportContact?: string;
  backupCodes?: string[];
  timeZone?: string;
}
/**
 * A server's rendered sheet, for a door's main process to print or write (recorded as sent on
 * the server already). Holds the QR secret: never handed to a renderer.
 */
export interface RenderedSheet {
  html: string;
  input: SheetContent;
  paperSize: 'A4' | 'Letter';
  userId: number;
  enrollmentId: number;
  sheetId: string;
  language: 'nb' | 'en';
  backupCodesPage: boolean;
}
export interface OperatorView {
  id: string;
  name: string;
  displayName: string;
  email: string | null;
  userId: number | null;
  userEmail: string | null;
  role: 'agent' | 'admin';
  status: 'active' | 'disabled' | 'removed';
  createdAt: number;
  updatedAt: number;
}
export interface ChainReportView {
  ok: boolean;
  count: number;
  firstBroken: number | null;
  /** In English, for logs; the app words `problemCode` (at event `firstBroken`) instead. */
  problem: string | null;
  problemCode?: 'missing' | 'out-of-order' | 'unlinked' | 'changed' | null;
  anchor: 'ok' | 'missing' | 'ahead' | 'mismatch' | 'invalid';
}
/**
 * A job as its operator sees it while it runs and after (`jobs:status`): rows and bytes read so
 * far, rows accepted and rejected, and once `done` its `result` (the import's report, or the dry
 * run's preview); `error` when it `failed`.
 */
export interface JobStatusView {
  jobId: string;
  kind: 'import' | 'import-preview';
  state: 'waiting' | 'running' | 'done' | 'failed';
  rows: number;
  bytes: number;
  totalBytes: number | null;
  accepted: number;
  rejected: number;
  rowsPerSecond: number;
  startedAt: number;
  finishedAt: number | null;
  error: CodedError | null;
  result: ImportReportView | ImportPreview | null;
}
export interface ImportReportView {
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Each rejected line: its code and parameters (the app words them), and the English reason for logs. */
  rejected: ImportRejection[];
  cancelled: boolean;
  /** How the text was read; `encodingGuessed` when it was not UTF-8 and was read as Windows-1252 without being told. */
  encoding: ImportEncoding;
  encodingGuessed: boolean;
  /**
   * Set when the import ended before the end of the file: the line it stopped at, and why; `kind`
   * 'write' when the vault could not be written (disk full), else the file could not be read on.
   */
  stopped: { line: number; reason: string; code?: ErrorCode; kind?: 'read' | 'write' } | null;
  /** Rows imported but worth a second look: a near-duplicate of another user's address (`similarTo`), or an address that mixes writing systems. */
  flagged?: Array<{ line: number; email: string; kind: 'near-duplicate' | 'mixed-script'; similarTo: string | null }>;
}
/**
 * What the app's dry run of an import found (`preview`), for the file the operator picked
 * (`fileName`, its name only; `totalBytes`); `previewId` starts the import of that file. All null
 * when the file dialog was cancelled.
 */
export interface ImportPreviewView {
  previewId: string | null;
  fileName: string | null;
  totalBytes: number | null;
  preview: ImportPreview | null;
}
export interface JobReport {
  jobId: string;
  kind: 'import' | 'backup' | 'integrity' | 'rekey' | 'audit-verify' | 'audit-export';
  ok: boolean;
  finishedAt: number;
  error: CodedError | null;
  result: unknown;
}
export interface OutboxItem {
  id: number;
  email: string;
  kind: string;
  subject: string;
  createdAt: number;
  exportedAt: number | null;
  /** When the SMTP relay took it (a delivered item is not exported). */
  deliveredAt: number | null;
  /** Delivery attempts so far, and the last failure in a few words (never a password). */
  attempts: number;
  lastError: string | null;
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
  /** Upkeep, from the latest event of each kind in the audit log and the outbox. */
  upkeep: VaultUpkeep;
  /** Files earlier restores kept aside in the vault folder (they hold the key slots of their time). */
  keptAside?: number;
  /** Retired service keys still in the vault: each key file unwraps the vault key until revoked. */
  serviceKeys?: Array<{ keyId: string; label: string; createdAt: string }>;
}

/** What a chosen backup holds, read from inside it (never from its header), before a restore. */
export interface BackupPreview {
  vaultId: string;
  /** The backup is of this vault (the app restores nothing else). */
  thisVault: boolean;
  /** Time of its newest audit event (ms since epoch): the backup was made after it. */
  lastEventAt: number | null;
  users: number;
  operators: number;
  auditEvents: number;
  /** Operators and service keys revoked since it was made: a restore puts them back in force. */
  revived: Array<{ kind: 'operator' | 'service'; label: string | null }>;
}

/**
 * The answer of vault:restore-preview: `previewId` null when no file was chosen; `preview` null
 * when the vault's current key does not open the backup (from before a key rotation, or another
 * vault's): asked again with the password then.
 */
export interface RestorePreviewView {
  previewId: string | null;
  fileName: string | null;
  preview: BackupPreview | null;
}

/** When the vault was last backed up, checked and its audit verified (ms since epoch), and what is still to send. */
export interface VaultUpkeep {
  lastBackup: { at: number; file: string | null; bytes: number | null } | null;
  lastIntegrityCheck: { at: number; ok: boolean } | null;
  lastAuditVerify: { at: number; ok: boolean } | null;
  outboxPending: number;
}

/** A login service's client of a server (no secret: it is shown once, at creation). */
export interface ServiceClientView {
  clientId: string;
  label: string;
  createdAt: string;
}
/** A RADIUS client as admins see it; its shared secret is shown once, when it is added. */
export interface RadiusClientView {
  id: string;
  label: string;
  address: string;
  createdAt: number;
}
/** An automation client as admins see it (never its secret: that is shown once, at creation). */
export interface AutomationClientView {
  clientId: string;
  label: string;
  scopes: string[];
  createdAt: number;
  createdBy: string;
  /** When it last authenticated (to the minute), or null when never. */
  lastUsedAt: number | null;
}
export interface NewAutomationClient {
  client: AutomationClientView;
  /** The secret (HTTP Basic password): shown this once, kept only as a keyed hash on the server. */
  secret: string;
}
export interface NewRadiusClient {
  client: RadiusClientView;
  /** The shared secret to configure on the client: shown this once, kept only sealed on the server. */
  secret: string;
}

/** A self-enrollment code as the agent reads it to the user once (XXXX-XXXX-XXXX). */
export interface EnrollmentCodeIssued {
  code: string;
  expiresAt: number;
}

/**
 * What the lost-phone action answers, once: the one-time code to read to the user and how the
 * new authenticator is set up: agent-driven (QR, typed key and sheet, as a re-enrollment) or,
 * where a server offers it, on the server's self-enrollment page with an enrollment code (the
 * agent never sees that QR). `actionId` links the action's audit events.
 */
export interface LostPhoneIssued {
  actionId: string;
  revokedAuthenticator: boolean;
  oneTimeCode: { code: string; expiresAt: number };
  enrollment: ({ mode: 'agent' } & IssuedEnrollment) | ({ mode: 'self'; pagePath: string } & EnrollmentCodeIssued);
}

/** What running an approved request made (one of these, by its action). The code or key is shown once, as when the action runs directly. */
export interface ApprovalRunView {
  action: ApprovalAction;
  userId: number;
  oneTimeCode?: { code: string; expiresAt: number };
  backupCodes?: { codes: string[]; createdAt: number };
  enrollment?: { enrollmentId: number; uri: string; key: string; deadline: number; sheetId: string; backupCodes?: string[]; qrSvg: string };
  /** The lost-phone action: its one-time code and the new enrollment (agent-driven, or a self-enrollment code on a server). */
  lostPhone?: LostPhoneIssued;
}
