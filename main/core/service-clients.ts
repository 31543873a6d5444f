/**
 * Service clients of a server: what a login service (a VPN gateway, a web portal, PAM) holds to
 * verify users' codes over HTTPS, and nothing else. The secret is 256 random bits shown once;
 * the store keeps only its hash, and the session it stands for may only verify codes.
 */
import type { ReadTx, ServerReadTx, ServerStore } from '../store/port.ts';
import type { Session } from './session.ts';
import type { CallerCheck } from './verify.ts';
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
  return (await checkServiceClient(store, clientId, secret))?.session ?? null;
}

/** A client as its id and secret checked out: its session, and its stored verifier (to confirm it later). */
interface CheckedClient {
  session: Session;
  verifier: Buffer;
}

async function checkServiceClient(store: ServerStore, clientId: string, secret: string): Promise<CheckedClient | null> {
  const known = /^[0-9a-f]{16}$/.test(clientId) ? await store.read((tx) => tx.serverAuth.serviceClient(clientId), { single: true }) : null;
  const given = secretVerifier(secret);
  const ok = safeEqual(given, known?.verifier ?? Buffer.alloc(32)) && !!known;
  if (!ok || !known) return null;
  return { session: clientSession(store, clientId, known.label), verifier: known.verifier };
}

function secretVerifier(secret: string): Buffer {
  return /^[0-9a-f]{64}$/.test(secret) ? Buffer.from(sha256Hex(Buffer.from(secret, 'hex')), 'hex') : Buffer.alloc(32, 0xff);
}

function clientSession(store: ServerStore, clientId: string, label: string): Session {
  return { operatorId: `service:${clientId}`, name: `service:${label}`, displayName: label, role: 'service', emailKey: null, signedInAt: store.clock.now(), via: 'https' };
}

/** Service clients one server instance remembers at most (login services are few; a flood of ids is not kept). */
export const REMEMBERED_CLIENTS_MAX = 256;

/**
 * What a server instance remembers of the service clients that signed in to it: the label and
 * verifier of each, so a login service's next verification needs no read of its own before the
 * verification's transaction. It is never the last word: the verification confirms in its own
 * transaction that the client is still there (`stillThere`), so a client revoked through any
 * instance is refused at its next request everywhere. Only a correct secret is answered from
 * memory; an unknown id or a wrong secret is checked against the store as before (the same work
 * for both).
 */
export class ServiceClientSessions {
  private readonly known = new Map<string, { label: string; verifier: Buffer }>();
  private readonly store: ServerStore;
  constructor(store: ServerStore) {
    this.store = store;
  }

  /**
   * The session for a client id and secret, or null (unknown id or wrong secret); `stillThere`
   * is for the transaction that acts on it. `remembered` says it came from memory, unconfirmed.
   */
  async session(clientId: string, secret: string): Promise<{ session: Session; remembered: boolean; stillThere: CallerCheck } | null> {
    const mem = this.known.get(clientId);
    if (mem && safeEqual(secretVerifier(secret), mem.verifier)) {
      return { session: clientSession(this.store, clientId, mem.label), remembered: true, stillThere: (tx) => this.stillThere(tx, clientId, mem.verifier) };
    }
    const checked = await checkServiceClient(this.store, clientId, secret);
    if (!checked) return null;
    if (this.known.size >= REMEMBERED_CLIENTS_MAX) this.known.delete(this.known.keys().next().value!);
    this.known.set(clientId, { label: checked.session.displayName, verifier: checked.verifier });
    return { session: checked.session, remembered: false, stillThere: (tx) => this.stillThere(tx, clientId, checked.verifier) };
  }

  /** Confirms a remembered client against the store (outside a transaction); forgets it when it is gone. */
  async confirm(clientId: string): Promise<boolean> {
    const mem = this.known.get(clientId);
    if (!mem) return false;
    return this.store.read((tx) => this.stillThere(tx, clientId, mem.verifier), { single: true });
  }

  /** True while the client is in the store with this verifier; a client that is gone is forgotten. */
  private async stillThere(tx: ReadTx, clientId: string, verifier: Buffer): Promise<boolean> {
    // Run only in transactions of this.store, a server's store: its transactions reach serverAuth.
    const live = await (tx as ServerReadTx).serverAuth.serviceClient(clientId);
    const ok = live !== null && safeEqual(live.verifier, verifier);
    if (!ok) this.known.delete(clientId);
    return ok;
  }
}
