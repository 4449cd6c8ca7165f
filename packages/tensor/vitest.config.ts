import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

// Tests import the package by its public name, resolved to the sources.
const resolve = {
  conditions: ['source'],
  alias: [
    { find: /^@nndl\/tensor\/testing$/, replacement: src('testing.ts') },
    { find: /^@nndl\/tensor$/, replacement: src('index.ts') },
  ],
};

export default defineConfig({
  resolve,
  test: {
    projects: [
      // The conformance suite, on the CPU backend with its WebAssembly SIMD kernels (required: the run fails rather
      // than quietly testing the TypeScript kernels twice if the module cannot load).
      {
        resolve,
        test: { name: 'cpu', include: ['test/**/*.test.ts'], env: { NNDL_CPU_KERNELS: 'wasm' } },
      },
      // The same suite on the TypeScript kernels alone (the fallback where WebAssembly SIMD is missing).
      // cpu_kernels.test.ts runs both kernel sets itself; the coverage table documents the default choice.
      {
        resolve,
        test: {
          name: 'cpu-ts',
          include: ['test/**/*.test.ts'],
          exclude: ['test/cpu_kernels.test.ts', 'test/coverage.test.ts'],
          env: { NNDL_CPU_KERNELS: 'ts' },
        },
      },
      // The same suite on a backend without kernels: every op takes the CPU-fallback path.
      {
        resolve,
        test: {
          name: 'cpu-fallback',
          include: ['test/**/*.test.ts'],
          // storage_pool.test.ts tests the CPU backend's own storage (the fallback backend keeps its own arrays).
          exclude: [
            'test/cpu_kernels.test.ts',
            'test/backend.test.ts',
            'test/coverage.test.ts',
            'test/storage_pool.test.ts',
          ],
          setupFiles: ['test/setup_fallback.ts'],
        },
      },
    ],
  },
});
