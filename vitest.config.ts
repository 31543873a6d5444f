import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    pool: 'forks',
    // electron-store imports `electron`; inlining it lets tests replace `electron` with a stub.
    server: { deps: { inline: ['electron-store', 'conf'] } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll waits for work in another process or a worker (a job, a save, a server round
    // trip): on a loaded CI machine that takes longer than vitest's 1 s default.
    expect: { poll: { timeout: 10_000 } },
    // Test hooks (fast KDF, crash points, FACTORDESK_TEST_NOW) are on only with the token this
    // setup writes to a private file; FACTORDESK_TEST_HOOKS=1 alone does nothing, and the
    // packaged app cannot turn them on at all.
    globalSetup: ['test/helpers/global-setup.ts'],
    env: { FACTORDESK_TEST_HOOKS: '1' },
  },
});
