import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

export default defineConfig({
  // Tests import the package by its public name, resolved to the sources.
  resolve: {
    conditions: ['source'],
    alias: [
      { find: /^@nndl\/tensor\/testing$/, replacement: src('testing.ts') },
      { find: /^@nndl\/tensor$/, replacement: src('index.ts') },
    ],
  },
  test: { include: ['test/**/*.test.ts'] },
});
