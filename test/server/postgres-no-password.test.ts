// `factordesk server init` and `serve` on PostgreSQL without the database password given (no
// PGPASSWORD, no PGPASSFILE entry), as a new administrator first tries it: the answer says what
// to set, never the database driver's own words ("SASL: ... client password must be a string").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, oneJson, spawnCli } from '../fixtures/cli-harness.ts';
import { serverFixture, type ServerFixture } from '../helpers/server.ts';

describe('PostgreSQL store without its password', () => {
  let fx: ServerFixture;
  beforeAll(async () => {
    fx = await serverFixture('fd-pg-nopass-');
  }, 120_000);
  afterAll(async () => fx?.cleanup());

  it('server init asks for PGPASSFILE or PGPASSWORD (SIGNIN_FAILED, exit 3)', () => {
    const r = spawnCli(['--json', 'server', 'init', '--store', fx.storeUrl, '--key-file', fx.keyFile, '--name', ADMIN.name], { env: { FACTORDESK_PASSWORD: ADMIN.password, PGPASSWORD: undefined, PGPASSFILE: '/nonexistent/pgpass' } });
    // Also at once: pg left the socket open until the database's authentication timeout (a
    // minute, past spawnCli's timeout, which gives a null status).
    expect(r.status, r.stdout + r.stderr).toBe(3);
    const e = oneJson(r.stdout).error;
    expect(e).toMatchObject({ code: 'SIGNIN_FAILED', message: expect.stringMatching(/asks for a password.*PGPASSFILE or the PGPASSWORD/) });
    expect(e?.message).not.toMatch(/SASL|SCRAM|must be a string/);
  });
});
