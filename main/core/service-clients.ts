/**
 * Service clients of a server: what a login service (a VPN gateway, a web portal, PAM) holds to
 * verify users' codes over HTTPS, and nothing else. The secret is 256 random bits shown once;
 * the store keeps only its hash, and the session it stands for may only verify codes.
 */
import type { ServerStore } from '../store/port.ts';
import type { Session } from './session.ts';
import { createServiceKey, listServiceKeys, revokeServiceKey, validServiceKeyLabel } from './service-keys.ts';
import { safeEqual, sha256Hex } from './crypto.ts';
import { fail } from './errors.ts';
import type { ServiceClientView } from '../../contract/index.ts';

/** Creates a client (admin); its secret is in the answer only. */
export async function createServiceClient(store: ServerStore, session: Session, label: string): Promise<{ clientId: string; label: string; secret: string }> {
  const clean = validServiceKeyLabel(label);
  let secret = '';
  const r = await createServiceKey(store, session, clean, (content) => {
    const key = (JSON.parse(content) as { key?: unknown }).key;
    if (typeof key !== 'string') fail('INTERNAL', 'The new client secret could not be read.');
    secret = key;
  });
  return { clientId: r.keyId, label: r.label, secret };
}

export async function listServiceClients(store: ServerStore, session: Session): Promise<ServiceClientView[]> {
  return (await listServiceKeys(store, session)).map((k) => ({ clientId: k.keyId, label: k.label, createdAt: k.createdAt }));
}

export async function revokeServiceClient(store: ServerStore, session: Session, clientId: string): Promise<{ revoked: number }> {
  return revokeServiceKey(store, session, clientId);
}

/**
 * The session a client id and secret stand for: role `service` (it can verify codes, nothing
 * else), named after the client's label. Null when the id is unknown or the secret wrong (the
 * same answer, after the same work).
 */
export async function serviceClientSession(store: ServerStore, clientId: string, secret: string): Promise<Session | null> {
  const known = /^[0-9a-f]{16}$/.test(clientId) ? await store.read((tx) => tx.serverAuth.serviceClient(clientId), { single: true }) : null;
  const given = /^[0-9a-f]{64}$/.test(secret) ? Buffer.from(sha256Hex(Buffer.from(secret, 'hex')), 'hex') : Buffer.alloc(32, 0xff);
  const ok = safeEqual(given, known?.verifier ?? Buffer.alloc(32)) && !!known;
  if (!ok || !known) return null;
  return { operatorId: `service:${clientId}`, name: `service:${known.label}`, displayName: known.label, role: 'service', emailKey: null, signedInAt: store.clock.now(), via: 'https' };
}
