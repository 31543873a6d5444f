import type { Writable } from 'node:stream';
import type { PromptIo } from './prompt.ts';

/** What a CLI run reads from and writes to (the process's, or a test's). */
export interface Io {
  env: NodeJS.ProcessEnv;
  stdin: PromptIo['stdin'];
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
}
