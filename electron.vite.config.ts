import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';

// main, preload and renderer are built from the top-level folders. Packages in
// `dependencies` stay external to the main bundle (the native database module must).
export default defineConfig({
  main: {
    // Turns the test-only hooks (fast KDF, crash points) off for good in the app bundle.
    define: { __FACTORDESK_APP_BUNDLE__: 'true' },
    build: {
      outDir: 'out/main',
      lib: {
        entry: {
          index: resolve('main/index.ts'),
          'jobs-worker': resolve('main/app/jobs-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      lib: { entry: resolve('preload/index.ts'), formats: ['cjs'], fileName: () => 'index.cjs' },
    },
  },
  renderer: {
    root: resolve('renderer'),
    plugins: [react()],
    build: {
      outDir: resolve('out/renderer'),
      rolldownOptions: { input: resolve('renderer/index.html') },
    },
  },
});
