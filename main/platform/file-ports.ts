// Door-side helpers: the files a person chose, as the opaque ports services take (an output
// sink, a picked file). Only doors make these; services never see the path.
import { createReadStream, readFileSync, statSync, unlinkSync } from 'node:fs';
import { basename } from 'node:path';
import type { OutputSink } from '../core/sink.ts';
import type { PickedFile } from '../core/logo.ts';
import type { InputFile } from '../core/import-users.ts';
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

/** A CSV file to import, by path (the door's side of InputFile). */
export function inputFile(path: string): InputFile {
  return {
    size: () => {
      try {
        return statSync(path).size;
      } catch {
        return null; // the stream reports a missing file
      }
    },
    stream: () => createReadStream(path),
  };
}
