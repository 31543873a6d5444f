/**
 * Signed chain heads (server mode): the server signs the audit chain's head (count and hash)
 * with its Ed25519 key, so an exported log — or the database itself — verifies with the public
 * key alone: an edited event breaks the chain, an edited or forged head breaks its signature, and
 * a deleted tail is caught by a signed head (kept in the database and in a file outside it) that
 * names more events than are left.
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { AuditChainChecker, type AuditEvent, type ChainProblem } from './audit.ts';

export interface ChainHead {
  storeId: string;
  count: number;
  hash: string;
  at: number;
}

export interface SignedHead extends ChainHead {
  /** Ed25519 signature (base64) over the head's canonical text. */
  sig: string;
}

const headText = (h: ChainHead) => Buffer.from(`factordesk audit head v1\n${h.storeId}\n${h.count}\n${h.hash}\n${h.at}`, 'utf8');

/** Signs a head with the PKCS#8 DER Ed25519 key. */
export function signHead(signingKey: Buffer, h: ChainHead): SignedHead {
  const key = createPrivateKey({ key: signingKey, format: 'der', type: 'pkcs8' });
  return { storeId: h.storeId, count: h.count, hash: h.hash, at: h.at, sig: sign(null, headText(h), key).toString('base64') };
}

/** True when `h` is signed by the key whose SPKI DER is `publicKey` (base64). */
export function headSignatureValid(publicKey: string, h: SignedHead): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
    return verify(null, headText(h), key, Buffer.from(h.sig, 'base64'));
  } catch {
    return false;
  }
}

export interface SignedChainReport {
  ok: boolean;
  count: number;
  /** Signed heads checked (signature and position in the chain). */
  headsChecked: number;
  /** The latest signed head, or null when none was found. */
  latestSigned: { count: number; at: number } | null;
  problems: string[];
  /** The first event whose link in the chain does not verify (null when the chain itself is whole), and how. */
  firstBroken: number | null;
  chainProblem: ChainProblem | null;
}

/**
 * Verifies events against signed heads with the public key alone: the chain must be whole, every
 * head correctly signed for this store and matching the event at its count, and no head may name
 * more events than there are (a deleted tail). A chain with no signed head at all is not ok.
 */
export async function verifySignedChain(events: AsyncIterable<AuditEvent> | Iterable<AuditEvent>, heads: SignedHead[], publicKey: string, storeId: string): Promise<SignedChainReport> {
  const problems: string[] = [];
  const byCount = new Map<number, SignedHead[]>();
  for (const h of heads) {
    if (h.storeId !== storeId) problems.push(`a signed head names another store (${h.storeId})`);
    else if (!headSignatureValid(publicKey, h)) problems.push(`the signed head at event ${h.count} does not verify with this public key`);
    else byCount.set(h.count, [...(byCount.get(h.count) ?? []), h]);
  }
  const checker = new AuditChainChecker();
  let count = 0;
  let checked = 0;
  for await (const e of events) {
    checker.add(e);
    count = e.seq;
    for (const h of byCount.get(e.seq) ?? []) {
      checked++;
      if (h.hash !== e.hash) problems.push(`event ${e.seq} differs from what its signed head says`);
    }
  }
  const chain = checker.report();
  if (!chain.ok && chain.problem) problems.unshift(chain.problem);
  const valid = heads.filter((h) => h.storeId === storeId && headSignatureValid(publicKey, h));
  const latest = valid.reduce<SignedHead | null>((a, h) => (!a || h.count > a.count ? h : a), null);
  if (latest && latest.count > count) problems.push(`events ${count + 1}–${latest.count} were deleted: a head signed at ${new Date(latest.at).toISOString()} names ${latest.count} events, ${count} are left`);
  if (!latest && count > 0) problems.push('no signed head verifies with this public key');
  return { ok: problems.length === 0, count, headsChecked: checked, latestSigned: latest ? { count: latest.count, at: latest.at } : null, problems, firstBroken: chain.firstBroken, chainProblem: chain.problemCode };
}
