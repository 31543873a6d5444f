import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    pool: 'forks',
    // electron-store imports `electron`; inlining it lets tests replace `electron` with a stub.
    server: { deps: { inline: ['electron-store', 'conf'] } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Test hooks: the fast KDF profile and crash points; the packaged app cannot turn them on.
    env: { FACTORDESK_TEST_HOOKS: '1' },
  },
});
