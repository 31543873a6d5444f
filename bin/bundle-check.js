// Whether out/cli/factordesk.cjs (made by `npm run build:cli`) still matches the sources it was
// made from. Plain JavaScript, loaded before anything else, so it costs a few file stats.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The bundle's path when it exists and every file listed in out/cli/sources.json has the size and time recorded; otherwise null. */
export function freshCliBundle(root) {
  const dir = join(root, 'out', 'cli');
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'sources.json'), 'utf8'));
  } catch {
    return null;
  }
  if (!manifest || manifest.format !== 1 || typeof manifest.sources !== 'object' || manifest.sources === null) return null;
  const files = Object.entries(manifest.sources);
  if (files.length === 0) return null;
  for (const [file, stamp] of files) {
    if (!Array.isArray(stamp) || stamp.length !== 2) return null;
    let s;
    try {
      s = statSync(join(root, file));
    } catch {
      return null;
    }
    if (s.size !== stamp[0] || s.mtimeMs !== stamp[1]) return null;
  }
  const bundle = join(dir, 'factordesk.cjs');
  try {
    statSync(bundle);
  } catch {
    return null;
  }
  return bundle;
}
