import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const tensorSrc = (file: string) => fileURLToPath(new URL(`../tensor/src/${file}`, import.meta.url));

export default defineConfig({
  // Tests import the packages by their public names, resolved to the sources (Vite does not apply the "source"
  // export condition to linked workspace packages on its own).
  resolve: {
    conditions: ['source'],
    alias: [
      { find: /^@nndl\/tensor\/testing$/, replacement: tensorSrc('testing.ts') },
      { find: /^@nndl\/tensor$/, replacement: tensorSrc('index.ts') },
    ],
  },
  test: { include: ['test/**/*.test.ts'] },
});
