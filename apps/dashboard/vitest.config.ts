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
    // The browser work behind each poll (a worker's queue, WebGL shader compiles) takes seconds on a busy 2-core CI
    // machine; expect.poll's default of 1 s made the playground test flaky there.
    expect: { poll: { timeout: 20_000 } },
  },
});
