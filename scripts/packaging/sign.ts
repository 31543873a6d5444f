// Code-signing hook for Windows (electron-builder's win.signtoolOptions.sign). signtool on
// Windows, osslsigncode elsewhere; the certificate is a .pfx/.p12 named by
// FACTORDESK_WIN_CERT_FILE with its password in FACTORDESK_WIN_CERT_PASSWORD. Without a
// certificate the file is left unsigned, unless FACTORDESK_REQUIRE_SIGNING=1 (release builds),
// which fails the build. The password is passed to the tool, never printed.
import { execFileSync } from 'node:child_process';

export type Env = Readonly<Record<string, string | undefined>>;

export interface SignCommand {
  tool: string;
  args: string[];
}

const DEFAULT_TIMESTAMP = 'http://timestamp.digicert.com';

/** True when the build must be signed (FACTORDESK_REQUIRE_SIGNING=1). */
export function signingRequired(env: Env): boolean {
  return env.FACTORDESK_REQUIRE_SIGNING === '1';
}

/**
 * The command that signs `file` with `hash` (sha1/sha256; `nest` appends a second signature),
 * or null when no certificate is configured. Throws when signing is required and impossible.
 */
export function windowsSignCommand(file: string, hash: string, nest: boolean, env: Env, platform: NodeJS.Platform): SignCommand | null {
  const cert = env.FACTORDESK_WIN_CERT_FILE;
  if (!cert) {
    if (signingRequired(env)) throw new Error('FACTORDESK_REQUIRE_SIGNING=1 but FACTORDESK_WIN_CERT_FILE is not set: the Windows build would be unsigned.');
    return null;
  }
  const password = env.FACTORDESK_WIN_CERT_PASSWORD;
  const timestamp = env.FACTORDESK_TIMESTAMP_URL || DEFAULT_TIMESTAMP;
  if (platform === 'win32') {
    const args = ['sign', '/fd', hash, '/tr', timestamp, '/td', 'sha256', '/f', cert];
    if (password) args.push('/p', password);
    if (nest) args.push('/as');
    args.push('/d', 'FactorDesk', file);
    return { tool: env.FACTORDESK_SIGNTOOL || 'signtool.exe', args };
  }
  // osslsigncode writes a new file; the hook renames it over the input.
  const args = ['sign', '-pkcs12', cert, '-h', hash, '-ts', timestamp, '-n', 'FactorDesk'];
  if (password) args.push('-pass', password);
  if (nest) args.push('-nest');
  args.push('-in', file, '-out', `${file}.signed`);
  return { tool: env.FACTORDESK_OSSLSIGNCODE || 'osslsigncode', args };
}

/** What electron-builder hands the hook (the fields used here). */
export interface SignTask {
  path: string;
  hash: string;
  isNest: boolean;
}

/** electron-builder's custom sign function. `run` is injectable for tests. */
export async function signWindows(
  task: SignTask,
  env: Env = process.env,
  platform: NodeJS.Platform = process.platform,
  run: (cmd: SignCommand) => void = (cmd) => {
    execFileSync(cmd.tool, cmd.args, { stdio: ['ignore', 'ignore', 'inherit'] });
  },
): Promise<boolean> {
  const cmd = windowsSignCommand(task.path, task.hash, task.isNest, env, platform);
  if (!cmd) {
    process.stderr.write(`factordesk dist: no FACTORDESK_WIN_CERT_FILE, ${task.path} is left unsigned\n`);
    return false;
  }
  run(cmd);
  if (platform !== 'win32') {
    const { renameSync } = await import('node:fs');
    renameSync(`${task.path}.signed`, task.path);
  }
  return true;
}

/** macOS: signing uses electron-builder's CSC_LINK/CSC_KEY_PASSWORD; notarizing needs Apple's credentials. */
export function macNotarize(env: Env): boolean {
  return Boolean((env.APPLE_ID && env.APPLE_APP_SPECIFIC_PASSWORD && env.APPLE_TEAM_ID) || (env.APPLE_API_KEY && env.APPLE_API_KEY_ID && env.APPLE_API_ISSUER));
}

/** Throws when a required macOS signature has no identity to sign with. */
export function checkMacSigning(env: Env): void {
  if (signingRequired(env) && !env.CSC_LINK && !env.CSC_NAME) throw new Error('FACTORDESK_REQUIRE_SIGNING=1 but neither CSC_LINK nor CSC_NAME is set: the macOS build would be unsigned.');
  if (signingRequired(env) && !macNotarize(env)) throw new Error('FACTORDESK_REQUIRE_SIGNING=1 but no APPLE_* notarization credentials are set.');
}
