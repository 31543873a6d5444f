// The answer envelope: with --json every answer carries `warnings`, filled with what was warned
// (the warnings also still go to stderr); without --json only stderr has them.
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { Output } from '../../main/cli/output.ts';
import { FactorDeskError } from '../../main/core/errors.ts';
import { oneJson, runCli } from '../fixtures/cli-harness.ts';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString('utf8');
    cb();
  }
}

describe('warnings in the JSON answer', () => {
  it('lists each warning in a success and in a failure', () => {
    for (const fail of [false, true]) {
      const stdout = new Capture();
      const stderr = new Capture();
      const out = new Output(true, stdout, stderr);
      out.warn('The clock is behind.');
      out.warn('Second \u001b[31mthing');
      if (fail) out.failure(new FactorDeskError('NOT_FOUND', 'There is no user with that email address.'));
      else out.success({ result: { x: 1 } });
      const j = oneJson(stdout.text);
      expect(j.warnings).toEqual(['The clock is behind.', 'Second ?[31mthing']);
      expect(stderr.text).toBe('factordesk: warning: The clock is behind.\nfactordesk: warning: Second ?[31mthing\n');
    }
  });

  it('is an empty list when nothing was warned, also for a usage error', async () => {
    const r = await runCli(['--json', 'no-such-command']);
    expect(r.status).toBe(2);
    expect(oneJson(r.stdout).warnings).toEqual([]);
    const v = await runCli(['--json', '--version']);
    expect(JSON.parse(v.stdout)).toEqual({ ok: true, result: { version: '0.1.0' }, warnings: [] });
  });
});
