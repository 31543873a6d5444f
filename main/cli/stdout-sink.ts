import type { Writable } from 'node:stream';
import type { OutputSink } from '../core/sink.ts';
import { usageError } from './output.ts';
import type { Context } from './context.ts';

/**
 * An export to standard output (FILE `-`). What is printed cannot be taken back, so the sink
 * either holds the content until the service has recorded the export (`after-record`: no audit
 * export without its audit event; the door calls `flush`), or prints at once (`at-save`: the
 * outbox prints before its rows are marked exported, so a failed mark repeats them rather than
 * losing them).
 */
export function stdoutSink(out: Writable, when: 'after-record' | 'at-save'): OutputSink & { flush(): Promise<void> } {
  let held: string | null = null;
  const write = (content: string) =>
    new Promise<void>((resolve, reject) => {
      out.write(content, (err) => (err ? reject(err) : resolve()));
    });
  return {
    async save(content) {
      if (when === 'at-save') await write(content);
      else held = content;
    },
    async discard() {
      held = null;
    },
    async flush() {
      if (held === null) return;
      const content = held;
      held = null;
      await write(content);
    },
  };
}

/** `-` for an export FILE: standard output, which --json keeps for its one answer. */
export function wantsStdout(ctx: Context, file: string, command: string): boolean {
  if (file !== '-') return false;
  if (ctx.out.isJson) throw usageError('With --json, standard output carries the JSON answer: write the export to a file, or leave out --json to print it.', command);
  return true;
}
