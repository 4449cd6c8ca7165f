/**
 * Run by wasm_threads.test.ts in a child process: a product on two threads, then nothing. The process must exit on
 * its own although the worker thread is still alive (it is unref'd).
 */
import { batchMatMul } from '../src/backends/cpu/matmul.js';
import { wasmBatchMatMul } from '../src/backends/cpu/wasm/kernels.js';
import { loadThreadedWasmKernels } from '../src/backends/cpu/wasm/module.js';

const arena = loadThreadedWasmKernels();
if (!arena?.pool) throw new Error('no threads build here');
const deadline = Date.now() + 10_000;
while (!arena.pool.ready() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
const n = 256;
const a = { handle: new Float32Array(n * n).fill(1), shape: [1, n, n], dtype: 'float32' } as const;
const out = wasmBatchMatMul(arena, batchMatMul)(
  [a, a],
  { transposeA: false, transposeB: false } as never,
  null as never,
);
const values = out.handle as Float32Array;
console.log(`two threads: ${arena.pool.ready()}, c[0] = ${values[0]}, c[last] = ${values[n * n - 1]}`);
