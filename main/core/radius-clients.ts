/**
 * RADIUS clients of a server (admin): a NAS or VPN gateway is known by the address its requests
 * come from and a shared secret. The secret is made here (40 random letters and digits), shown
 * once, and kept only sealed under the server's data key, bound to the client's row: the server
 * needs it in clear to check each request, so a hash would not do.
 */
import { isIP } from 'node:net';
import type { ServerStore } from '../store/port.ts';
import type { RadiusClientRecord } from '../store/repos/radius-clients.ts';
import type { NewRadiusClient, RadiusClientView } from '../../contract/index.ts';
import type { Session } from './session.ts';
import type { Sealed } from './crypto.ts';
import type { ValueSealer } from './server-auth.ts';
import { fail } from './errors.ts';
import { requireRole } from './roles.ts';
import { auditAs } from './audit-as.ts';
import { randomInt } from './clock.ts';

export const SECRET_LENGTH = 40;
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const MAX_LABEL = 64;
// No control, bidi or separator characters: the label is shown in the audit and the server log.
const LABEL_RE = /^[\p{L}\p{N}][\p{L}\p{N} ._@:/-]*$/u;
const ID_RE = /^[0-9a-f]{32}$/;

const secretAad = (storeId: string, id: string) => `factordesk/${storeId}/radius_clients/sealed_secret/${id}`;

/** Validates a client label (1–64 letters, digits, spaces and . _ @ : / -). */
export function validRadiusLabel(label: unknown): string {
  const s = typeof label === 'string' ? label.trim().normalize('NFC') : '';
  if (s.length === 0 || s.length > MAX_LABEL || !LABEL_RE.test(s)) fail('BAD_REQUEST', `A RADIUS client label is 1–${MAX_LABEL} letters, digits, spaces, dots, underscores, @, :, / or hyphens.`, { field: 'label' });
  return s;
}

/**
 * An IP address in one spelling (IPv4 dotted, IPv6 compressed lower case, an IPv4-mapped IPv6
 * address as IPv4), or null when `v` is no IP address. Requests are matched by it, so a host
 * name is refused: DNS must not decide which secret a datagram is checked with.
 */
export function canonicalAddress(v: unknown): string | null {
  if (typeof v !== 'string' || v.length > 64) return null;
  const kind = isIP(v);
  if (kind === 4) return v;
  if (kind !== 6 || v.includes('%')) return null;
  const host = new URL(`http://[${v}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
  }
  return host;
}

/** Validates a client address (an IPv4 or IPv6 address) into its one spelling. */
export function validRadiusAddress(v: unknown): string {
  const a = canonicalAddress(typeof v === 'string' ? v.trim() : v);
  if (a === null) fail('BAD_REQUEST', 'Give the RADIUS client’s IP address (IPv4 or IPv6, no host name): requests are matched by the address they come from.', { field: 'address' });
  return a;
}

/** Validates a client id (as `radius-client list` shows it). */
export function validRadiusClientId(v: unknown): string {
  if (typeof v !== 'string' || !ID_RE.test(v)) fail('BAD_REQUEST', 'A RADIUS client id is 32 hexadecimal characters, as "radius-client list" shows it.', { field: 'clientId' });
  return v;
}

const view = (r: RadiusClientRecord): RadiusClientView => ({ id: r.id, label: r.label, address: r.address, createdAt: r.createdAt });

/** Adds a RADIUS client (admin): one per address. The shared secret is returned this once; the audit records label and address, never the secret. */
export async function addRadiusClient(store: ServerStore, sealer: ValueSealer, session: Session, req: { label: string; address: string }): Promise<NewRadiusClient> {
  requireRole(session, 'radius-clients:manage');
  const label = validRadiusLabel(req.label);
  const address = validRadiusAddress(req.address);
  const id = store.random.bytes(16).toString('hex');
  const secret = Array.from({ length: SECRET_LENGTH }, () => SECRET_ALPHABET[randomInt(store.random, SECRET_ALPHABET.length)]).join('');
  const sealedSecret = JSON.stringify(sealer.seal(Buffer.from(secret, 'utf8'), secretAad(store.storeId, id)));
  const record = await store.write(async (tx) => {
    if (await tx.radiusClients.byAddress(address)) fail('CONFLICT', `There is a RADIUS client at ${address} already: remove it first.`, { field: 'address' });
    const now = store.clock.now();
    const r: RadiusClientRecord = { id, label, address, sealedSecret, createdAt: now, removedAt: null };
    await tx.radiusClients.insert(r);
    await auditAs(tx, session, { action: 'radius-client.add', outcome: 'ok', details: { clientId: id, label, address } }, now);
    return r;
  });
  return { client: view(record), secret };
}

/** The RADIUS clients (admin). */
export async function listRadiusClients(store: ServerStore, session: Session): Promise<RadiusClientView[]> {
  requireRole(session, 'radius-clients:manage');
  return (await store.read((tx) => tx.radiusClients.list())).map(view);
}

/** Removes a RADIUS client (admin): its requests are dropped from then on. Audited. */
export async function removeRadiusClient(store: ServerStore, session: Session, clientId: string): Promise<RadiusClientView> {
  requireRole(session, 'radius-clients:manage');
  const id = validRadiusClientId(clientId);
  return store.write(async (tx) => {
    const r = await tx.radiusClients.get(id);
    const now = store.clock.now();
    if (!r || r.removedAt !== null || !(await tx.radiusClients.remove(id, now))) fail('NOT_FOUND', 'There is no RADIUS client with that id.');
    await auditAs(tx, session, { action: 'radius-client.remove', outcome: 'ok', details: { clientId: id, label: r.label, address: r.address } }, now);
    return view(r);
  });
}

/** A client as the RADIUS server uses it: with its shared secret opened. */
export interface RadiusClient {
  id: string;
  label: string;
  address: string;
  secret: Buffer;
}

/** The client at a request's source address with its secret, or null (unknown address, or a secret this server key cannot open). */
export async function radiusClientAt(store: ServerStore, sealer: ValueSealer, address: string): Promise<RadiusClient | null> {
  const a = canonicalAddress(address);
  if (a === null) return null;
  const r = await store.read((tx) => tx.radiusClients.byAddress(a), { single: true });
  if (!r) return null;
  let secret: Buffer | null = null;
  try {
    secret = sealer.open(JSON.parse(r.sealedSecret) as Sealed, secretAad(store.storeId, r.id));
  } catch {
    secret = null;
  }
  return secret ? { id: r.id, label: r.label, address: r.address, secret } : null;
}

/** The session a RADIUS request verifies codes in: a login service through the door 'radius', named by the client's label. */
export function radiusSession(client: { id: string; label: string }, now: number): Session {
  return { operatorId: `radius:${client.id}`, name: `radius:${client.label}`, displayName: client.label, role: 'service', emailKey: null, signedInAt: now, via: 'radius' };
}
