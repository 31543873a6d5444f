/**
 * The server key file: the store's data key (seals secret values), the pepper (keys code
 * verifiers) and the Ed25519 key that signs audit chain heads. Only the server reads it; no
 * operator ever receives it. Mode 0600 (refused when others can read it), or given through the
 * environment (FACTORDESK_SERVER_KEY) or a systemd credential (CREDENTIALS_DIRECTORY) for containers.
 * A recovery key re-creates a lost file from an escrow copy kept sealed in the store.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey, createPublicKey, generateKeyPairSync, scryptSync } from 'node:crypto';
import { z } from 'zod';
import { builtOnFirstUse } from '../core/built-on-first-use.ts';
import { fail } from '../core/errors.ts';
import { open as openBox, seal, type Sealed } from '../core/crypto.ts';
import type { Random } from '../core/clock.ts';
import type { ValueSealer } from '../core/server-auth.ts';
import { formatRawKey, parseRawKey } from '../core/raw-keys.ts';
import { writeFileAtomic } from '../platform/fs-atomic.ts';

export interface ServerKeys {
  storeId: string;
  dataKey: Buffer;
  pepper: Buffer;
  /** PKCS#8 DER of the Ed25519 signing key. */
  signingKey: Buffer;
}

// Built on first use (see builtOnFirstUse).
const SCHEMAS = builtOnFirstUse(() => ({
  KeyFile: z.strictObject({
    format: z.literal('factordesk.server-key'),
    version: z.literal(1),
    storeId: z.string().regex(/^[0-9a-f]{32}$/),
    dataKey: z.base64().refine((v) => Buffer.from(v, 'base64').length === 32),
    pepper: z.base64().refine((v) => Buffer.from(v, 'base64').length === 32),
    signingKey: z.base64().max(200),
  }),
}));

/**
 * The generation of the data key in a key file of format version 1 (store.values writes it into
 * every box). A data-key rotation would add a newer key with its generation to the file.
 */
export const DATA_KEY_GENERATION = 1;

/** A new set of keys for a new store (with `dataKey` when the store was opened with it already). */
export function newServerKeys(storeId: string, random: Random, dataKey: Buffer = random.bytes(32)): ServerKeys {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { storeId, dataKey, pepper: random.bytes(32), signingKey: privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer };
}

export function serializeKeys(k: ServerKeys): string {
  return (
    JSON.stringify(
      { format: 'factordesk.server-key', version: 1, storeId: k.storeId, dataKey: k.dataKey.toString('base64'), pepper: k.pepper.toString('base64'), signingKey: k.signingKey.toString('base64') },
      null,
      1,
    ) + '\n'
  );
}

export function parseKeys(text: string, where: string): ServerKeys {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    fail('BAD_REQUEST', `${where} is not a FactorDesk server key file.`);
  }
  const r = SCHEMAS.KeyFile.safeParse(json);
  if (!r.success) fail('BAD_REQUEST', `${where} is not a FactorDesk server key file.`);
  const signingKey = Buffer.from(r.data.signingKey, 'base64');
  try {
    if (createPrivateKey({ key: signingKey, format: 'der', type: 'pkcs8' }).asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
  } catch {
    fail('BAD_REQUEST', `${where} holds no usable signing key.`);
  }
  return { storeId: r.data.storeId, dataKey: Buffer.from(r.data.dataKey, 'base64'), pepper: Buffer.from(r.data.pepper, 'base64'), signingKey };
}

/** The public half of the signing key (SPKI DER, base64): what an exported audit log verifies with. */
export function signingPublicKey(k: ServerKeys): string {
  return (createPublicKey(createPrivateKey({ key: k.signingKey, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' }) as Buffer).toString('base64');
}

/**
 * Reads the keys: `--key-file FILE` (owner-only: refused when group or others may read it or
 * it is not a regular file), else FACTORDESK_SERVER_KEY (the file's content), else the systemd
 * credential `factordesk-server-key` in CREDENTIALS_DIRECTORY.
 */
export function loadServerKeys(file: string | undefined, env: NodeJS.ProcessEnv): ServerKeys {
  if (file !== undefined) {
    let fd: number;
    try {
      fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    } catch {
      fail('BAD_REQUEST', `The server key file ${file} cannot be opened.`);
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) fail('BAD_REQUEST', `The server key file ${file} is not a regular file.`);
      if ((st.mode & 0o077) !== 0) fail('FORBIDDEN', `The server key file ${file} can be read by other users (mode ${(st.mode & 0o777).toString(8)}): run "chmod 600 ${file}" and start again.`);
      if (st.size > 4096) fail('BAD_REQUEST', `${file} is not a FactorDesk server key file.`);
      return parseKeys(readFileSync(fd, 'utf8'), `The file ${file}`);
    } finally {
      closeSync(fd);
    }
  }
  if (env.FACTORDESK_SERVER_KEY) return parseKeys(env.FACTORDESK_SERVER_KEY, 'FACTORDESK_SERVER_KEY');
  if (env.CREDENTIALS_DIRECTORY) {
    const path = join(env.CREDENTIALS_DIRECTORY, 'factordesk-server-key');
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      fail('BAD_REQUEST', `There is no credential factordesk-server-key in ${env.CREDENTIALS_DIRECTORY}.`);
    }
    return parseKeys(text, `The credential ${path}`);
  }
  fail('BAD_REQUEST', 'Name the server key file: --key-file FILE (or FACTORDESK_SERVER_KEY, or a systemd credential factordesk-server-key).');
}

/** Writes a new key file, owner-only; refuses to replace an existing file. */
export function writeKeyFile(file: string, k: ServerKeys): void {
  if (existsSync(file)) fail('CONFLICT', `${file} exists already: a server key file is never overwritten. Move it away first.`);
  writeFileAtomic(file, serializeKeys(k), 0o600);
}

/** Seals single values under the data key (AES-256-GCM with a fresh 96-bit IV, bound to `aad`). */
export function valueSealer(k: ServerKeys, random: Random): ValueSealer {
  return {
    seal: (plaintext, aad) => seal(k.dataKey, plaintext, `v1|${aad}`, random.bytes(12)),
    open: (box, aad) => openBox(k.dataKey, box, `v1|${aad}`),
  };
}

/** A value the store keeps so a server can tell a wrong key file from the right one at start. */
export function keyCheck(k: ServerKeys, random: Random): string {
  return JSON.stringify(seal(k.dataKey, Buffer.from('factordesk server key check'), `check|${k.storeId}`, random.bytes(12)));
}

export function keyCheckMatches(k: ServerKeys, check: string): boolean {
  try {
    return openBox(k.dataKey, JSON.parse(check) as Sealed, `check|${k.storeId}`)?.toString() === 'factordesk server key check';
  } catch {
    return false;
  }
}

// The escrow: the whole key file sealed under a key derived from the recovery key.
const ESCROW_KDF = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/**
 * A new recovery key (printed once) and the escrow copy of the key file the store keeps. With
 * `recoveryRaw` (a vault folder created for the server: its own recovery key), that key is used,
 * so one printed key both opens the vault and re-creates the key file.
 */
export function escrowKeys(k: ServerKeys, random: Random, recoveryRaw?: Buffer): { recoveryKey: string; escrow: string } {
  const raw = recoveryRaw ? Buffer.from(recoveryRaw) : random.bytes(32);
  const salt = random.bytes(16);
  const kek = scryptSync(raw, salt, 32, ESCROW_KDF);
  const box = seal(kek, Buffer.from(serializeKeys(k)), `escrow|${k.storeId}`, random.bytes(12));
  kek.fill(0);
  const recoveryKey = formatRawKey(raw);
  raw.fill(0);
  return { recoveryKey, escrow: JSON.stringify({ salt: salt.toString('base64'), box }) };
}

/** The key file content back from the escrow with the recovery key; null when the key is wrong. */
export function openEscrow(escrow: string, recoveryKey: string, storeId: string): ServerKeys | null {
  const raw = parseRawKey(recoveryKey);
  if (!raw) return null;
  try {
    const e = JSON.parse(escrow) as { salt: string; box: Sealed };
    const kek = scryptSync(raw, Buffer.from(e.salt, 'base64'), 32, ESCROW_KDF);
    const text = openBox(kek, e.box, `escrow|${storeId}`);
    kek.fill(0);
    return text ? parseKeys(text.toString('utf8'), 'The escrow copy') : null;
  } catch {
    return null;
  } finally {
    raw.fill(0);
  }
}
