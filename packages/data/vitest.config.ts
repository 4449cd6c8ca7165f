import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  // The `#platform` import picks its Node or browser file by the `node` condition; tests run in Node.
  ssr: { resolve: { conditions: ['source', 'node'] } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
});
