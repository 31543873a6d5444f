// `factordesk serve` checks FACTORDESK_SEARCHES_PER_MINUTE before it opens anything: a bad value
// is exit 2 with a message naming the variable, never a server with no limit.
import { describe, expect, it } from 'vitest';
import { oneJson, spawnCli } from '../fixtures/cli-harness.ts';

describe('factordesk serve environment', () => {
  for (const bad of ['lots', '-5', '99', '1e9', '12 34']) {
    it(`refuses FACTORDESK_SEARCHES_PER_MINUTE=${bad}`, () => {
      const r = spawnCli(['--json', 'serve', '--store', '/nonexistent/vault', '--listen', '127.0.0.1:0', '--tls-cert', '/nonexistent/c.pem', '--tls-key', '/nonexistent/k.pem'], { env: { FACTORDESK_SEARCHES_PER_MINUTE: bad } });
      expect(r.status).toBe(2);
      expect(oneJson(r.stdout).error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/FACTORDESK_SEARCHES_PER_MINUTE/) });
    });
  }
});
