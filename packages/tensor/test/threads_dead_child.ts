/**
 * Run by wasm_threads.test.ts in a child process: the kernel worker dies (terminated here, as if killed or out of
 * memory) while the main thread waits for its half of a call. The call must fail with an error that says so, within
 * the pool's deadline, and later calls must run on one thread and give the right numbers.
 */
import { batchMatMul } from '../src/backends/cpu/matmul.js';
import { wasmBatchMatMul } from '../src/backends/cpu/wasm/kernels.js';
import { loadThreadedWasmKernels } from '../src/backends/cpu/wasm/module.js';

const arena = loadThreadedWasmKernels();
if (!arena?.pool) throw new Error('no threads build here');
const pool = arena.pool;
const deadline = Date.now() + 10_000;
while (!pool.ready() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
const n = 256;
const a = { handle: new Float32Array(n * n).fill(1), shape: [1, n, n], dtype: 'float32' } as const;
const matmul = wasmBatchMatMul(arena, batchMatMul);
const attrs = { transposeA: false, transposeB: false } as never;
// The worker goes away without the pool knowing; the main thread must not take the job back (it would then never
// wait), so that it waits for a half that never comes.
// (Its exit event, which would close the pool, is what a main thread that waits never gets to see.)
const worker = (pool as unknown as { worker: { terminate(): Promise<number>; removeAllListeners(): void } })
  .worker;
worker.removeAllListeners();
await worker.terminate();
if (!pool.ready()) throw new Error('the pool noticed the exit: this test would not wait');
pool.takeBack = false;
pool.deadAfterMs = 300;
const started = Date.now();
let message = '';
try {
  matmul([a, a], attrs, null as never);
} catch (error) {
  message = (error as Error).message;
}
const waited = Date.now() - started;
const after = matmul([a, a], attrs, null as never).handle as Float32Array;
console.log(JSON.stringify({ message, waited, ready: pool.ready(), c0: after[0], cLast: after[n * n - 1] }));
