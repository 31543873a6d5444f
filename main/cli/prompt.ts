import type { ReadStream } from 'node:tty';
import type { Writable } from 'node:stream';
import { FactorDeskError } from '../core/errors.ts';

/** Where a prompt reads and writes: the terminal, never a pipe. */
export interface PromptIo {
  stdin: NodeJS.ReadableStream & Partial<Pick<ReadStream, 'isTTY' | 'setRawMode'>>;
  stderr: Writable;
}

const MAX_INPUT = 1024;

/** True when stdin is a terminal a person can type into. */
export function canPrompt(io: PromptIo): boolean {
  return io.stdin.isTTY === true && typeof io.stdin.setRawMode === 'function';
}

/**
 * Reads one line from the terminal without echo (raw mode), for passwords and recovery keys.
 * Backspace edits, Enter ends, Ctrl-C or Ctrl-D on an empty line cancels. The typed text is
 * never written anywhere; the prompt and the newline go to stderr.
 */
export function readHidden(io: PromptIo, prompt: string): Promise<string> {
  return readLine(io, prompt, false);
}

/** Reads one visible line from the terminal (an operator name). */
export function readVisible(io: PromptIo, prompt: string): Promise<string> {
  return readLine(io, prompt, true);
}

function readLine(io: PromptIo, prompt: string, echo: boolean): Promise<string> {
  if (!canPrompt(io)) return Promise.reject(new FactorDeskError('SIGNIN_FAILED', 'No terminal to ask on.'));
  const stdin = io.stdin;
  // Echo off before the prompt shows, so nothing typed once it is visible is ever echoed.
  stdin.setRawMode!(true);
  io.stderr.write(prompt);
  return new Promise<string>((resolve, reject) => {
    let buf = '';
    let escape = 0; // inside a terminal escape sequence (arrow keys and the like): 1 after ESC, 2 inside CSI
    const finish = (err: FactorDeskError | null): void => {
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      try {
        stdin.setRawMode!(false);
      } catch {
        /* the terminal went away */
      }
      stdin.pause();
      io.stderr.write('\n');
      if (err) {
        buf = '';
        reject(err);
      } else {
        const out = buf;
        buf = '';
        resolve(out);
      }
    };
    const onEnd = (): void => finish(new FactorDeskError('CANCELLED', 'Cancelled.'));
    const onData = (chunk: Buffer | string): void => {
      const s = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      for (const ch of s) {
        if (escape === 1) {
          escape = ch === '[' || ch === 'O' ? 2 : 0;
          continue;
        }
        if (escape === 2) {
          if (/[@-~]/.test(ch)) escape = 0;
          continue;
        }
        if (ch === '\u001b') {
          escape = 1;
          continue;
        }
        if (ch === '\r' || ch === '\n') return finish(null);
        if (ch === '\u0003') return finish(new FactorDeskError('CANCELLED', 'Cancelled.'));
        if (ch === '\u0004') {
          if (buf.length === 0) return finish(new FactorDeskError('CANCELLED', 'Cancelled.'));
          continue;
        }
        if (ch === '\u007f' || ch === '\b') {
          if (buf.length > 0) {
            buf = [...buf].slice(0, -1).join('');
            if (echo) io.stderr.write('\b \b');
          }
          continue;
        }
        if (ch === '\u0015') {
          // Ctrl-U: clear the line
          if (echo) io.stderr.write('\b \b'.repeat([...buf].length));
          buf = '';
          continue;
        }
        if (/\p{Cc}/u.test(ch)) continue; // arrows and other escapes are ignored
        if (buf.length >= MAX_INPUT) continue;
        buf += ch;
        if (echo) io.stderr.write(ch);
      }
    };
    stdin.resume();
    stdin.on('data', onData);
    stdin.on('end', onEnd);
  });
}

/**
 * Reads one line from stdin (a pipe), for a code a login service passes without putting it on
 * the command line (where the process list shows it). At most `max` bytes; the line end is dropped.
 */
export function readStdinLine(io: PromptIo, max = 256): Promise<string> {
  const stdin = io.stdin;
  return new Promise<string>((resolve, reject) => {
    let buf = '';
    const done = (err: FactorDeskError | null): void => {
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      stdin.removeListener('error', onError);
      stdin.pause();
      if (err) reject(err);
      else resolve(buf.replace(/\r?\n[\s\S]*$/, ''));
    };
    const onData = (chunk: Buffer | string): void => {
      buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      if (buf.length > max) return done(new FactorDeskError('BAD_REQUEST', 'The code on standard input is too long.'));
      if (buf.includes('\n')) done(null);
    };
    const onEnd = (): void => done(null);
    const onError = (): void => done(new FactorDeskError('IO_ERROR', 'Standard input could not be read.'));
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onError);
    stdin.resume();
  });
}
