/**
 * Browser tests of the WebGL backend (and of the CPU backend's two-thread kernels, with and without cross-origin
 * isolation), in headless Chromium from Debian (/usr/bin/chromium) driven by vitest's
 * Playwright provider. The flags give WebGL2 on a CPU-only machine (ANGLE on Mesa llvmpipe; Chromium falls back to
 * SwiftShader when EGL is missing). Run: pnpm --filter @nndl/tensor exec vitest run -c vitest.browser.config.ts
 */
import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

const aliases = [
  { find: /^@nndl\/tensor\/testing$/, replacement: here('./src/testing.ts') },
  { find: /^@nndl\/tensor\/webgl$/, replacement: here('./src/backends/webgl/index.ts') },
  { find: /^@nndl\/tensor$/, replacement: here('./src/index.ts') },
];

const browser = (name: string) => ({
  enabled: true,
  headless: true,
  screenshotFailures: false,
  provider: playwright({
    launchOptions: {
      executablePath: process.env.NNDL_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--use-gl=angle',
        '--use-angle=gl-egl',
        '--ignore-gpu-blocklist',
        '--enable-unsafe-swiftshader',
        // Lets the memory test force a collection, to check the FinalizationRegistry safety net.
        '--js-flags=--expose-gc',
      ],
    },
  }),
  instances: [{ browser: 'chromium' as const, name }],
});

/** The suite's ./helpers.js (float64 leaves) resolves to a copy that creates them on the CPU. */
const helpersOnCpu = {
  name: 'nndl-webgl-helpers',
  enforce: 'pre' as const,
  resolveId(source: string, importer?: string) {
    if (source === './helpers.js' && importer?.startsWith(here('./test/'))) {
      return here('./test-browser/helpers_webgl.ts');
    }
    return null;
  },
};

/**
 * autograd.test.ts tests the engine (accumulation, hooks, retainGraph, in-place checks) on exact small values, in
 * float64 literals. WebGL has no float64, so in the webgl run those literals are read as float32: the same tests
 * then run the engine on WebGL storage. (Gradient precision is covered by the parity gradchecks.)
 */
const autogradInFloat32 = {
  name: 'nndl-webgl-autograd-float32',
  enforce: 'pre' as const,
  transform(code: string, id: string) {
    if (!id.startsWith(here('./test/autograd.test.ts'))) return null;
    return code.replaceAll("dtype: 'float64'", "dtype: 'float32'");
  },
};

/**
 * Cross-origin isolation (SharedArrayBuffer, shared wasm memory) for the 'webgl' project's pages: the CPU backend's
 * kernels then run on two threads there (test-browser/cpu_threads.test.ts). The 'cpu-threads-off' project serves
 * without them, to check the single-threaded path.
 */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** NNDL_BENCH=1 runs the WebGL benchmark, NNDL_BENCH=threads the CPU threads timing (programs that print tables). */
const bench = process.env.NNDL_BENCH;
const benchFiles =
  bench === 'threads'
    ? ['test-browser/threads.bench.ts']
    : bench
      ? ['test-browser/benchmark.bench.ts']
      : null;

// tfjs is CommonJS-flavoured in places (seedrandom, long): pre-bundle it once instead of on first import.
const optimizeDeps = {
  include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgl'],
};

export default defineConfig({
  resolve: { conditions: ['source'], alias: aliases },
  optimizeDeps,
  test: {
    // Two cores: one browser page, files one after another.
    fileParallelism: false,
    testTimeout: 60_000,
    projects: [
      {
        resolve: { conditions: ['source'], alias: aliases },
        optimizeDeps,
        server: { headers: isolation },
        test: {
          name: 'webgl',
          include: benchFiles ?? ['test-browser/**/*.test.ts'],
          exclude: ['test-browser/cpu_threads_off.test.ts'],
          browser: browser('webgl-chromium'),
          fileParallelism: false,
        },
      },
      {
        resolve: { conditions: ['source'], alias: aliases },
        test: {
          name: 'cpu-threads-off',
          include: benchFiles ? [] : ['test-browser/cpu_threads_off.test.ts'],
          browser: browser('cpu-threads-off-chromium'),
        },
      },
      {
        // The CPU conformance suite (test/*.test.ts), unchanged, with 'webgl' as the default backend. Its float64
        // gradchecks become CPU-vs-WebGL parity checks of value and gradient (see test-browser/testing_webgl.ts),
        // and the tests that cannot hold on WebGL are skipped by name, with reasons (test-browser/skip_list.ts).
        resolve: {
          conditions: ['source'],
          alias: [
            { find: /^@nndl\/tensor\/testing$/, replacement: here('./test-browser/testing_webgl.ts') },
            ...aliases.slice(1),
          ],
        },
        plugins: [helpersOnCpu, autogradInFloat32],
        optimizeDeps,
        test: {
          name: 'webgl-conformance',
          include: ['test/**/*.test.ts'],
          // CPU-only by design: the CPU kernels' own tests, and the registry tests that build fake backends.
          exclude: [
            'test/cpu_kernels.test.ts',
            'test/activation_kernels.test.ts',
            'test/skinny_gemm.test.ts',
            'test/wasm_relaxed.test.ts',
            'test/backend.test.ts',
            'test/coverage.test.ts',
            'test/storage_pool.test.ts',
          ],
          setupFiles: ['test-browser/setup_webgl.ts'],
          browser: browser('webgl-conformance-chromium'),
          fileParallelism: false,
        },
      },
    ],
  },
});
