/**
 * The automation client an unattended script runs with over a server: FACTORDESK_CLIENT_ID and
 * FACTORDESK_CLIENT_SECRET, or FACTORDESK_CLIENT_FILE naming a file (owner-only, mode 0600) with
 * the id and the secret on two lines, as "automation-client create" prints them. With one set,
 * commands with --server call the server with it (HTTP Basic) and need no login.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import type { AutomationCredential } from '../server/client.ts';
import { fail } from '../core/errors.ts';
import { usageError } from './output.ts';

const ID_RE = /^[0-9a-f]{32}$/;
const SECRET_RE = /^[0-9a-f]{64}$/;

/** The automation client named by the environment, or null when none is; a half-set or malformed one is a usage error. */
export function automationCredential(env: NodeJS.ProcessEnv): AutomationCredential | null {
  const file = env.FACTORDESK_CLIENT_FILE;
  const id = env.FACTORDESK_CLIENT_ID;
  const secret = env.FACTORDESK_CLIENT_SECRET;
  if (file) {
    if (id || secret) throw usageError('Set either FACTORDESK_CLIENT_FILE or FACTORDESK_CLIENT_ID with FACTORDESK_CLIENT_SECRET, not both.');
    return checked(...readClientFile(file), `the file ${file}`);
  }
  if (!id && !secret) return null;
  if (!id || !secret) throw usageError('An automation client needs both FACTORDESK_CLIENT_ID and FACTORDESK_CLIENT_SECRET (or FACTORDESK_CLIENT_FILE).');
  return checked(id.trim(), secret.trim(), 'FACTORDESK_CLIENT_ID and FACTORDESK_CLIENT_SECRET');
}

function checked(clientId: string, secret: string, where: string): AutomationCredential {
  if (!ID_RE.test(clientId) || !SECRET_RE.test(secret)) {
    throw usageError(`${where}: an automation client id is 32 and its secret 64 hexadecimal characters, as "automation-client create" printed them.`);
  }
  return { clientId, secret };
}

/** The two lines of a client file; refused when others may read it (the secret is in it). */
function readClientFile(file: string): [string, string] {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    throw usageError(`The automation client file ${file} cannot be opened.`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > 4096) throw usageError(`${file} is not an automation client file (the id and the secret on two lines).`);
    // Windows has no such mode bits: the file's ACL is the user's business there.
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      fail('FORBIDDEN', `The automation client file ${file} can be read by other users (mode ${(st.mode & 0o777).toString(8)}): run "chmod 600 ${file}" and start again.`);
    }
    const lines = readFileSync(fd, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
    if (lines.length !== 2) throw usageError(`${file} is not an automation client file (the id and the secret on two lines).`);
    return [lines[0]!, lines[1]!];
  } finally {
    closeSync(fd);
  }
}
