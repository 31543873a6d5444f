/**
 * Automation clients of a server: what an unattended script (the nightly import) holds instead
 * of an operator's password and second factor. An admin creates one with named scopes from a
 * fixed list (AUTOMATION_SCOPES); the session it stands for may do exactly those and nothing
 * else: it never signs in, never verifies codes, never manages operators or clients.
 *
 * The secret (256 random bits) is shown once. The store keeps an HMAC under its verifier key
 * (the pepper, held apart from the database rows: in the server's key file or the vault's
 * encrypted meta) over the client's id, label, scopes and secret, so a copy of the table cannot
 * be searched for a secret, and a scope list widened in the database alone makes the client fail
 * to authenticate rather than gain rights.
 */
import { createHmac } from 'node:crypto';
import type { ServerStore } from '../store/port.ts';
import type { AutomationClientRecord } from '../store/repos/automation-clients.ts';
import { AUTOMATION_SCOPES, type AutomationClientView, type AutomationScope, type NewAutomationClient } from '../../contract/index.ts';
import type { Session } from './session.ts';
import { fail } from './errors.ts';
import { requireRole } from './roles.ts';
import { auditAs } from './audit-as.ts';
import { safeEqual, sha256Hex } from './crypto.ts';
import { attemptGate } from './signin-throttle.ts';

const MAX_LABEL = 64;
// No control, bidi or separator characters: the label is shown in the audit and in lists.
const LABEL_RE = /^[\p{L}\p{N}][\p{L}\p{N} ._@:/-]*$/u;
const ID_RE = /^[0-9a-f]{32}$/;
const SECRET_RE = /^[0-9a-f]{64}$/;
/** Last use is written at most this often (every request reads the client; few write it). */
const TOUCH_EVERY_MS = 60_000;

/** What every failed authentication with a wrong secret or an unknown id says: the same answer for both. */
export const AUTOMATION_SIGNIN_FAILED = 'Unknown automation client or wrong secret (HTTP Basic: CLIENT_ID:SECRET, as "automation-client create" printed them).';
/** What a revoked client's right secret gets. */
export const AUTOMATION_REVOKED = 'This automation client was revoked: ask an admin for a new one ("automation-client create").';

/** Validates an automation client label (1–64 letters, digits, spaces and . _ @ : / -). */
export function validAutomationLabel(label: unknown): string {
  const s = typeof label === 'string' ? label.trim().normalize('NFC') : '';
  if (s.length === 0 || s.length > MAX_LABEL || !LABEL_RE.test(s)) fail('BAD_REQUEST', `An automation client label is 1–${MAX_LABEL} letters, digits, spaces, dots, underscores, @, :, / or hyphens.`, { field: 'label' });
  return s;
}

/** Validates scope names into a sorted list without repeats; an unknown one is refused with the valid names. */
export function validAutomationScopes(scopes: unknown): AutomationScope[] {
  const list = Array.isArray(scopes) ? scopes : [];
  if (list.length === 0) fail('BAD_REQUEST', `Give at least one scope: ${AUTOMATION_SCOPES.join(', ')}.`, { field: 'scopes' });
  for (const s of list) {
    if (typeof s !== 'string' || !(AUTOMATION_SCOPES as readonly string[]).includes(s)) {
      const shown = typeof s === 'string' && s.length <= 64 && /^[a-z:-]+$/.test(s) ? `"${s}"` : 'that one';
      fail('BAD_REQUEST', `Unknown scope ${shown}: an automation client's scopes are ${AUTOMATION_SCOPES.join(', ')}.`, { field: 'scopes' });
    }
  }
  return [...new Set(list as AutomationScope[])].sort();
}

/** Validates a client id (as "automation-client list" shows it). */
export function validAutomationClientId(v: unknown): string {
  if (typeof v !== 'string' || !ID_RE.test(v)) fail('BAD_REQUEST', 'An automation client id is 32 hexadecimal characters, as "automation-client list" shows it.', { field: 'clientId' });
  return v;
}

/**
 * The verifier of a client's secret: HMAC-SHA256 under the store's verifier key over the store,
 * the client's id, label and scopes (a JSON array: unambiguous) and the secret.
 */
function clientVerifier(store: ServerStore, c: { id: string; label: string; scopes: readonly string[] }, secret: Buffer): Buffer {
  return createHmac('sha256', store.values.verifierKey())
    .update(JSON.stringify(['factordesk automation-client v1', store.storeId, c.id, c.label, [...c.scopes]]))
    .update(secret)
    .digest();
}

const view = (r: AutomationClientRecord): AutomationClientView => ({ clientId: r.id, label: r.label, scopes: [...r.scopes], createdAt: r.createdAt, createdBy: r.createdBy, lastUsedAt: r.lastUsedAt });

/** Creates an automation client (admin). Its secret is in the answer only; the audit records id, label and scopes. */
export async function createAutomationClient(store: ServerStore, session: Session, req: { label: string; scopes: readonly string[] }): Promise<NewAutomationClient> {
  requireRole(session, 'automation-clients:manage');
  const label = validAutomationLabel(req.label);
  const scopes = validAutomationScopes(req.scopes);
  const id = store.random.bytes(16).toString('hex');
  const secret = store.random.bytes(32);
  const verifier = clientVerifier(store, { id, label, scopes }, secret);
  const record = await store.write(async (tx) => {
    const now = store.clock.now();
    const r: AutomationClientRecord = { id, label, scopes, verifier, createdAt: now, createdBy: session.name, lastUsedAt: null, revokedAt: null };
    await tx.automationClients.insert(r);
    await auditAs(tx, session, { action: 'automation-client.create', outcome: 'ok', details: { clientId: id, label, scopes } }, now);
    return r;
  });
  const shown = secret.toString('hex');
  secret.fill(0);
  return { client: view(record), secret: shown };
}

/** The automation clients not revoked (admin). */
export async function listAutomationClients(store: ServerStore, session: Session): Promise<AutomationClientView[]> {
  requireRole(session, 'automation-clients:manage');
  return (await store.read((tx) => tx.automationClients.list())).map(view);
}

/** Revokes an automation client (admin): its next request is refused. Audited. */
export async function revokeAutomationClient(store: ServerStore, session: Session, clientId: string): Promise<AutomationClientView> {
  requireRole(session, 'automation-clients:manage');
  const id = validAutomationClientId(clientId);
  return store.write(async (tx) => {
    const r = await tx.automationClients.get(id);
    const now = store.clock.now();
    if (!r || r.revokedAt !== null || !(await tx.automationClients.revoke(id, now))) fail('NOT_FOUND', 'There is no automation client with that id (see "automation-client list").');
    await auditAs(tx, session, { action: 'automation-client.revoke', outcome: 'ok', details: { clientId: id, label: r.label, scopes: r.scopes } }, now);
    return view(r);
  });
}

/** The throttle key of a client id: apart from the sign-in names' keys (those hash another prefix). */
function throttleKey(clientId: string): string {
  return sha256Hex(`factordesk automation-client:${clientId}`).slice(0, 32);
}

/**
 * The session an automation client's id and secret stand for: role `automation` with the
 * client's scopes, named after its label, through the door 'https'. Refused with SIGNIN_FAILED
 * when the id is unknown or the secret wrong (one answer for both, after the same work), with
 * its own message when the client was revoked (only to the right secret). Failures are counted
 * per id in the store (every server instance sees them) and audited; after SIGNIN_POLICY.slowAfter
 * of them further wrong attempts are answered RATE_LIMITED, uncounted, until the delay passes.
 * The right secret always gets through: it is 256 random bits, so the throttle guards the audit
 * and the store against floods, not a guess, and whoever knows an id cannot stop the nightly job.
 */
export async function automationClientSession(store: ServerStore, clientId: string, secret: string): Promise<Session> {
  const wellFormed = ID_RE.test(clientId);
  const now = store.clock.now();
  const key = wellFormed ? throttleKey(clientId) : '';
  const found = wellFormed ? await store.read(async (tx) => ({ client: await tx.automationClients.get(clientId), state: await tx.serverAuth.signInState(key) })) : null;
  const client = found?.client ?? null;
  // The same work for an unknown id or a malformed secret: an HMAC compared against a throwaway.
  const given = SECRET_RE.test(secret) ? Buffer.from(secret, 'hex') : Buffer.alloc(32);
  const computed = clientVerifier(store, client ?? { id: clientId.slice(0, 64), label: '', scopes: [] }, given);
  const ok = safeEqual(computed, client?.verifier ?? Buffer.alloc(32)) && !!client && SECRET_RE.test(secret);
  given.fill(0);
  if (!ok || !client || client.revokedAt !== null) {
    const reason = !client ? 'unknown' : !ok ? 'secret' : 'revoked';
    if (found) {
      const gate = attemptGate(found.state, now);
      if (gate.kind !== 'ok') {
        const seconds = gate.kind === 'wait' ? gate.seconds : Math.ceil((gate.until - now) / 1000);
        fail('RATE_LIMITED', `Too many failed attempts with this automation client. Try again in ${seconds} s.`, { seconds });
      }
      await store.write(async (tx) => {
        const state = await tx.serverAuth.signInState(key);
        // Spaced out, never locked: a lock would let anyone who knows the id stop the nightly job.
        await tx.serverAuth.setSignInState(key, { failures: state.failures + 1, lastFailureAt: now, lockedUntil: null });
        await tx.audit.append({ action: 'automation-client.refused', operator: null, outcome: 'refused', details: { via: 'https', clientId, reason, ...(client ? { label: client.label } : {}) } }, now);
      });
    }
    fail('SIGNIN_FAILED', reason === 'revoked' ? AUTOMATION_REVOKED : AUTOMATION_SIGNIN_FAILED);
  }
  if (found!.state.failures > 0 || (client.lastUsedAt === null || now - client.lastUsedAt >= TOUCH_EVERY_MS)) {
    await store.write(async (tx) => {
      if (found!.state.failures > 0) await tx.serverAuth.setSignInState(key, { failures: 0, lastFailureAt: null, lockedUntil: null });
      await tx.automationClients.touch(client.id, now);
    });
  }
  return {
    operatorId: `automation:${client.id}`,
    name: `automation:${client.label}`,
    displayName: client.label,
    role: 'automation',
    scopes: client.scopes.filter((s): s is AutomationScope => (AUTOMATION_SCOPES as readonly string[]).includes(s)),
    emailKey: null,
    userId: null,
    // Stable per client, so the directory searches of its requests fold into one window.
    signedInAt: client.createdAt,
    via: 'https',
  };
}
