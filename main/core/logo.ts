// The organisation logo printed on enrollment sheets: which files are accepted and how they are
// stored (a data URL in the settings).
import { fail } from './errors.ts';
import type { Session } from './session.ts';
import type { Store } from '../store/port.ts';
import { readSettings, updateSettings, type Settings } from './settings.ts';

/** A file the person picked (made by the door); the service never sees its path. */
export interface PickedFile {
  readonly name: string;
  size(): Promise<number>;
  read(): Promise<Buffer>;
}

export const MAX_LOGO_BYTES = 200 * 1024;
const LOGO_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.svg': 'image/svg+xml' };

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot).toLowerCase();
}

/**
 * Sets (or with `clear`, removes) the logo (admin, through updateSettings): PNG, JPEG or SVG of
 * at most 200 kB. No file picked leaves the settings as they are.
 */
export async function chooseLogo(store: Store, session: Session, choice: { clear: true } | { file: PickedFile | null }): Promise<Settings> {
  if ('clear' in choice) return updateSettings(store, session, { organizationLogo: null });
  const file = choice.file;
  if (!file) return readSettings(store, session);
  const type = LOGO_TYPES[extensionOf(file.name)];
  if (!type) fail('BAD_REQUEST', 'The logo must be a PNG, JPEG or SVG file.', { field: 'organizationLogo' });
  if ((await file.size()) > MAX_LOGO_BYTES) fail('BAD_REQUEST', 'The logo must be at most 200 kB.', { field: 'organizationLogo' });
  const bytes = await file.read();
  if (bytes.length > MAX_LOGO_BYTES) fail('BAD_REQUEST', 'The logo must be at most 200 kB.', { field: 'organizationLogo' });
  return updateSettings(store, session, { organizationLogo: `data:${type};base64,${bytes.toString('base64')}` });
}
