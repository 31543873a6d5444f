import { findCheck, type Settings } from '../core/settings.ts';
import { quoteArg } from './output.ts';

/**
 * The message for check ids the vault does not know: the services say "choose from the list",
 * which a command line cannot show, so the known ids (and which of them are strong) are listed.
 */
export function unknownChecksMessage(settings: Settings, unknown: readonly string[], flagName: string): string {
  const known = settings.identityChecks.map((c) => `${c.id}${findCheck(settings, c.id)?.strong ? ' (strong)' : ''}`).join(', ');
  return `Unknown identity check${unknown.length === 1 ? '' : 's'} ${unknown.map((u) => quoteArg(u)).join(', ')} in --${flagName}. The known checks are: ${known}. Give them comma-separated, e.g. --${flagName} callback,photo-id.`;
}
