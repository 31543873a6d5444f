import { closeSync, existsSync, fsyncSync, linkSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { fsyncDir } from '../platform/fs-atomic.ts';
import { usageError } from './output.ts';

const MAX_PATH = 4096;

/** Checks a path argument's shape (no NUL, not empty, not absurdly long) and resolves it. */
export function pathArg(p: string, what: string): string {
  if (typeof p !== 'string' || p.length === 0) throw usageError(`Name the ${what}.`);
  if (p.length > MAX_PATH || p.includes('\0') || /[\p{Cc}]/u.test(p)) throw usageError(`The ${what} name is not a usable file name.`);
  return resolve(p);
}

/**
 * A FILE argument that names a new file only: `-` (standard output elsewhere) is refused with the
 * reason, instead of creating a file called "-".
 */
export function newFileArg(p: string, what: string, why: string): string {
  if (p === '-') throw usageError(`The ${what} cannot go to standard output ("-"): ${why} Name a file.`);
  const dest = pathArg(p, what);
  checkNewFile(dest, what);
  return dest;
}

/**
 * Checks, before anything changes in the vault, that a new file can be written at `dest`: the
 * folder exists and the file does not (outputs never overwrite: a secret or export already
 * there is not silently replaced).
 */
export function checkNewFile(dest: string, what: string): void {
  const dir = dirname(dest);
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw usageError(`The folder for the ${what} does not exist.`);
  }
  if (!st.isDirectory()) throw usageError(`The folder for the ${what} is not a folder.`);
  if (existsSync(dest)) throw usageError(`The ${what} ${basename(dest)} already exists; choose another name or move it away first.`);
}

/**
 * Writes a new file readable by the owner only (0600), atomically and without ever replacing an
 * existing file: the content goes to a temp file in the same folder, is fsynced, then hard-linked
 * to its name (which fails if the name exists) and the temp name is removed.
 */
export function writeNewFile(dest: string, data: string | Buffer, what: string): void {
  const dir = dirname(dest);
  const tmp = join(dir, `.${basename(dest)}.${randomBytes(6).toString('hex')}.tmp`);
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    try {
      linkSync(tmp, dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw usageError(`The ${what} ${basename(dest)} already exists; choose another name or move it away first.`);
      throw err;
    }
    fsyncDir(dir);
  } finally {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
  }
}


/** Checks that an input file exists and is a regular file. */
export function checkInputFile(path: string, what: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw usageError(`The ${what} ${basename(path)} does not exist or cannot be read.`);
  }
  if (!st.isFile()) throw usageError(`The ${what} ${basename(path)} is not a file.`);
}

