// `npm run build:cli` (part of `npm start` and `npm test`): bundles the command line into
// out/cli/factordesk.cjs, which bin/factordesk.js loads instead of the TypeScript sources for
// as long as every source file it was made from is unchanged (out/cli/sources.json: size and
// modification time of each, and of package-lock.json for the bundled packages). Built in
// out/cli.next and then moved into place, so a command never sees half a bundle.
import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleProjectCli } from './packaging/cli-bundle.ts';

export async function buildProjectCli(root: string): Promise<string> {
  const next = join(root, 'out', 'cli.next');
  const dest = join(root, 'out', 'cli');
  rmSync(next, { recursive: true, force: true });
  // The sizes and times are taken before bundling: a file saved while the bundle is made is then stale, never taken as current.
  const before = new Map<string, [number, number]>();
  const stamp = (file: string): [number, number] => {
    const s = statSync(join(root, file));
    return [s.size, s.mtimeMs];
  };
  before.set('package-lock.json', stamp('package-lock.json'));
  const made = await bundleProjectCli(root, next);
  const sources: Record<string, [number, number]> = { 'package-lock.json': before.get('package-lock.json')! };
  for (const file of made.sources) sources[file] = stamp(file);
  writeFileSync(join(next, 'sources.json'), `${JSON.stringify({ format: 1, sources })}\n`);
  rmSync(dest, { recursive: true, force: true });
  renameSync(next, dest);
  return join(dest, 'factordesk.cjs');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  await buildProjectCli(root);
}
