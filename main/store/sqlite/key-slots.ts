import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { fail } from '../../core/errors.ts';
import type { Random } from '../../core/clock.ts';
import {
  assertKdfAcceptable,
  currentKdf,
  kdfWithinLimits,
  KDF_LIMITS_MESSAGE,
  deriveKek,
  hkdf,
  hmacHex,
  open,
  seal,
  safeEqualHex,
  x25519PublicRaw,
  x25519WrapKey,
  type KdfParams,
} from '../../core/crypto.ts';
import { writeFileAtomic } from '../../platform/fs-atomic.ts';
import { builtOnFirstUse } from '../../core/built-on-first-use.ts';

/**
 * Most slots a file may hold: one per operator and service key, twice during a key rotation.
 * Every slot may cost a KDF run, and the file is read before anything is authenticated.
 */
export const MAX_SLOTS = 500;
/** Most key generations a file may name (two only while a rotation is under way). */
export const MAX_GENERATIONS = 2;

/** The slot file's schemas, built on first use (see builtOnFirstUse). */
function slotSchemas() {
  const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/).max(4096);
  const SealedSchema = z.object({ iv: b64, ct: b64, tag: b64 }).strict();

  const SlotSchema = z
    .object({
      id: z.string().regex(/^[a-f0-9]{32}$/),
      keyId: z.string().regex(/^[a-f0-9]{32}$/),
      kind: z.enum(['operator', 'recovery', 'service', 'server']),
      generation: z.number().int().min(1),
      label: z.string().max(512).optional(),
      operatorId: z.string().max(64).optional(),
      publicKey: b64,
      privateKey: z
        .object({
          kdf: z.object({ alg: z.literal('scrypt'), N: z.number().int(), r: z.number().int(), p: z.number().int(), salt: b64 }).strict(),
          box: SealedSchema,
        })
        .strict()
        .optional(),
      dek: z.object({ ephemeral: b64, box: SealedSchema }).strict(),
      createdAt: z.string().max(64),
    })
    .strict();

  const AnchorSchema = z.object({ count: z.number().int().min(0), hash: z.string().regex(/^[a-f0-9]{64}$/), mac: z.string().regex(/^[a-f0-9]{64}$/) }).strict();

  const SlotFileSchema = z
    .object({
      format: z.literal('factordesk.keyslots'),
      version: z.literal(1),
      vaultId: z.string().regex(/^[a-f0-9]{32}$/),
      generations: z.record(z.string().regex(/^\d+$/), z.object({ kcv: z.string().regex(/^[a-f0-9]{64}$/) }).strict()),
      slots: z.array(SlotSchema).max(MAX_SLOTS),
      anchor: AnchorSchema.optional(),
    })
    .strict();

  return { Slot: SlotSchema, Anchor: AnchorSchema, SlotFile: SlotFileSchema };
}
const SCHEMAS = builtOnFirstUse(slotSchemas);
type Schemas = ReturnType<typeof slotSchemas>;

export type Slot = z.infer<Schemas['Slot']>;
export type SlotFile = z.infer<Schemas['SlotFile']>;
export type Anchor = z.infer<Schemas['Anchor']>;

export const SLOT_FILE = 'keyslots.json';

/** Reads and validates the slot file; malformed or foreign content is SLOTS_INVALID, never "repaired". */
export function readSlotFile(path: string): SlotFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') fail('SLOTS_INVALID', 'The key-slot file is missing. Restore it from the last backup.');
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    fail('SLOTS_INVALID', 'The key-slot file is damaged (not valid JSON). Restore it from the last backup.');
  }
  if (typeof json !== 'object' || json === null || (json as { format?: unknown }).format !== 'factordesk.keyslots') {
    fail('SLOTS_INVALID', 'This is not a FactorDesk key-slot file.');
  }
  const beyond = beyondLimits(json);
  if (beyond) fail('SLOTS_INVALID', `The key-slot file ${beyond}; it was not used. Restore it from the last backup.`);
  const parsed = SCHEMAS.SlotFile.safeParse(json);
  if (!parsed.success) fail('SLOTS_INVALID', 'The key-slot file is damaged (unexpected structure). Restore it from the last backup.');
  return parsed.data;
}

/**
 * Why a slot file (or the slots inside a backup) is beyond what FactorDesk will spend on it, or
 * null: too many slots or generations, or KDF parameters beyond KDF_LIMITS. Checked before the
 * structure, so the message says what is wrong rather than "damaged".
 */
export function beyondLimits(v: unknown): string | null {
  if (typeof v !== 'object' || v === null) return null;
  const { slots, generations } = v as { slots?: unknown; generations?: unknown };
  if (Array.isArray(slots) && slots.length > MAX_SLOTS) return `holds ${slots.length} key slots, more than the ${MAX_SLOTS} FactorDesk accepts`;
  if (typeof generations === 'object' && generations !== null && Object.keys(generations).length > MAX_GENERATIONS) return `names more than ${MAX_GENERATIONS} key generations`;
  if (Array.isArray(slots)) {
    for (const s of slots) {
      const kdf = (s as { privateKey?: { kdf?: { N?: unknown; r?: unknown; p?: unknown } } } | null)?.privateKey?.kdf;
      if (kdf && !kdfWithinLimits({ N: Number(kdf.N), r: Number(kdf.r), p: Number(kdf.p) })) return KDF_LIMITS_MESSAGE;
    }
  }
  return null;
}

/** True when `v` has the structure of a slot file within the limits (for slots carried inside a backup). */
export function isSlotFile(v: unknown): v is SlotFile {
  return beyondLimits(v) === null && SCHEMAS.SlotFile.safeParse(v).success;
}

/** Writes the slot file atomically (temp file, fsync, rename). */
export function writeSlotFile(path: string, file: SlotFile): void {
  writeFileAtomic(path, JSON.stringify(file, null, 1));
}

/** The highest generation in the file (the key the database should be under). */
export function latestGeneration(file: SlotFile): number {
  return Math.max(...Object.keys(file.generations).map(Number));
}

/** Key check value: lets open() tell "wrong key" from "damaged database". */
export function keyCheckValue(dek: Buffer, vaultId: string): string {
  return hmacHex(hkdf(dek, 'factordesk kcv', vaultId), 'kcv');
}

/** True when `dek` is the key recorded for `generation`. */
export function matchesGeneration(file: SlotFile, generation: number, dek: Buffer): boolean {
  const g = file.generations[String(generation)];
  return !!g && safeEqualHex(g.kcv, keyCheckValue(dek, file.vaultId));
}

function dekAad(vaultId: string, slotId: string, generation: number): string {
  return `factordesk/dek/${vaultId}/${slotId}/${generation}`;
}
function privAad(vaultId: string, keyId: string): string {
  return `factordesk/private-key/${vaultId}/${keyId}`;
}

/** Wraps `dek` to a slot's X25519 public key (ECIES: ephemeral key, HKDF, AES-256-GCM). */
export function wrapDekToPublic(random: Random, vaultId: string, slotId: string, generation: number, publicKey: Buffer, dek: Buffer): Slot['dek'] {
  const eph = random.bytes(32);
  const wrapKey = x25519WrapKey(eph, publicKey, `factordesk wrap ${vaultId}`);
  return { ephemeral: x25519PublicRaw(eph).toString('base64'), box: seal(wrapKey, dek, dekAad(vaultId, slotId, generation), random.bytes(12)) };
}

/** Unwraps a slot's DEK with the slot's private key; null when it does not verify. */
export function unwrapDek(vaultId: string, slot: Slot, privateKey: Buffer): Buffer | null {
  try {
    const wrapKey = x25519WrapKey(privateKey, Buffer.from(slot.dek.ephemeral, 'base64'), `factordesk wrap ${vaultId}`);
    return open(wrapKey, slot.dek.box, dekAad(vaultId, slot.id, slot.generation));
  } catch {
    return null;
  }
}

/** Creates an operator slot: a fresh key pair whose private half is sealed under the password. */
export async function makeOperatorSlot(
  random: Random,
  vaultId: string,
  generation: number,
  dek: Buffer,
  operator: { id: string; nameKey: string },
  password: string,
  now: Date,
  kdf: KdfParams = currentKdf(),
): Promise<Slot> {
  const priv = random.bytes(32);
  const keyId = random.bytes(16).toString('hex');
  const privateKey = await sealPrivateKey(random, vaultId, keyId, priv, password, kdf);
  const id = random.bytes(16).toString('hex');
  const pub = x25519PublicRaw(priv);
  const slot: Slot = {
    id,
    keyId,
    kind: 'operator',
    generation,
    label: operator.nameKey,
    operatorId: operator.id,
    publicKey: pub.toString('base64'),
    privateKey,
    dek: wrapDekToPublic(random, vaultId, id, generation, pub, dek),
    createdAt: now.toISOString(),
  };
  priv.fill(0);
  return slot;
}

/** Seals an X25519 private key under a password-derived key (scrypt → AES-256-GCM). */
export async function sealPrivateKey(random: Random, vaultId: string, keyId: string, priv: Buffer, password: string, kdf: KdfParams): Promise<NonNullable<Slot['privateKey']>> {
  const salt = random.bytes(16);
  const kek = await deriveKek(password, salt, kdf);
  const box = seal(kek, priv, privAad(vaultId, keyId), random.bytes(12));
  kek.fill(0);
  return { kdf: { alg: 'scrypt', N: kdf.N, r: kdf.r, p: kdf.p, salt: salt.toString('base64') }, box };
}

/** Opens an operator slot's private key with a password; null on a wrong password or damaged slot. */
export async function openPrivateKey(vaultId: string, slot: Slot, password: string): Promise<Buffer | null> {
  if (!slot.privateKey) return null;
  const { N, r, p, salt } = slot.privateKey.kdf;
  assertKdfAcceptable({ N, r, p });
  const kek = await deriveKek(password, Buffer.from(salt, 'base64'), { N, r, p });
  const priv = open(kek, slot.privateKey.box, privAad(vaultId, slot.keyId));
  kek.fill(0);
  return priv;
}

/** Runs the KDF on a dummy slot so an unknown operator name costs the same time as a known one. */
export async function burnKdfTime(password: string): Promise<void> {
  await deriveKek(password, Buffer.alloc(16), currentKdf());
}

/** Creates a slot for a raw 256-bit key (recovery or service): the key itself is the private key. */
export function makeRawKeySlot(random: Random, vaultId: string, generation: number, dek: Buffer, kind: 'recovery' | 'service' | 'server', rawKey: Buffer, now: Date, label?: string): Slot {
  const id = random.bytes(16).toString('hex');
  const pub = x25519PublicRaw(rawKey);
  return {
    id,
    keyId: random.bytes(16).toString('hex'),
    kind,
    generation,
    ...(label ? { label } : {}),
    publicKey: pub.toString('base64'),
    dek: wrapDekToPublic(random, vaultId, id, generation, pub, dek),
    createdAt: now.toISOString(),
  };
}

/**
 * The private key of a vault's server slot (`factordesk serve --store FOLDER`), derived from the
 * server key file's data key and the vault id. The slot is a raw-key slot like the recovery
 * slot: the derived key is the X25519 private key the vault key is wrapped to. Deriving it
 * (rather than adding a key to the file) keeps one key-file format for both stores, binds the
 * slot to this vault, and never uses the data key itself for two purposes; whoever holds the
 * key file can open the vault, nobody else, and no operator password is involved.
 */
export function serverSlotKey(dataKey: Buffer, vaultId: string): Buffer {
  return hkdf(dataKey, 'factordesk vault server slot', vaultId);
}

/** A copy of `slot` for a new generation, wrapping the new key to the same public key (no password needed). */
export function rewrapSlot(random: Random, vaultId: string, slot: Slot, generation: number, dek: Buffer): Slot {
  const id = random.bytes(16).toString('hex');
  return { ...slot, id, generation, dek: wrapDekToPublic(random, vaultId, id, generation, Buffer.from(slot.publicKey, 'base64'), dek) };
}

/** The key that authenticates the audit anchor and the sign-in journal, derived from the DEK. */
export function derivedKey(dek: Buffer, vaultId: string, purpose: 'anchor' | 'journal'): Buffer {
  return hkdf(dek, `factordesk ${purpose}`, vaultId);
}

/** MAC over the audit head. */
export function anchorMac(key: Buffer, vaultId: string, count: number, hash: string): string {
  return hmacHex(key, `${vaultId}:${count}:${hash}`);
}

export { formatRawKey, parseRawKey } from '../../core/raw-keys.ts';
