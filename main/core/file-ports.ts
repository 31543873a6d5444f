// Door-side helpers: the files a person chose, as the opaque ports services take (an output
// sink, a picked file). Only doors make these; services never see the path.
import { readFileSync, statSync, unlinkSync } from 'node:fs';
import { basename } from 'node:path';
import type { OutputSink } from './sink.ts';
import type { PickedFile } from './logo.ts';
import { writeFileAtomic } from './fs-atomic.ts';

/** An output sink over the file at `path`, written with `write` (atomic by default) and removed by `discard`. */
export function fileSink(path: string, write: (path: string, content: string) => void = (p, c) => writeFileAtomic(p, c)): OutputSink {
  let saved = false;
  return {
    async save(content) {
      write(path, content);
      saved = true;
    },
    async discard() {
      if (!saved) return;
      saved = false;
      try {
        unlinkSync(path);
      } catch {
        /* already gone */
      }
    },
  };
}

/** The file at `path` as a picked file. */
export function pickedFile(path: string): PickedFile {
  return { name: basename(path), size: async () => statSync(path).size, read: async () => readFileSync(path) };
}
