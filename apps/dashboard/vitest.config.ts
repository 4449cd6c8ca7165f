import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The lessons' unit tests import the workspace packages from their TypeScript sources, as the app does.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // The end-to-end suite starts one server and one browser for all its tests.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
});
