/**
 * Two threads (src/backends/cpu/wasm/threads.ts): the threaded BatchMatMul and Conv2D kernels, with every size sent
 * to the worker, against the single-threaded wasm kernels; and a Node process that used the worker exits on its own
 * (the worker is unref'd). Skipped where there is no threads build (no shared memory) or one core.
 */
import { describe, expect, it } from 'vitest';
import type { KernelFn, TensorInfo } from '../src/backend.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from '../src/backends/cpu/conv2d.js';
import { cpuThreads, createCpuBackend, setCpuThreads, tsKernels } from '../src/backends/cpu/index.js';
import { batchMatMul } from '../src/backends/cpu/matmul.js';
import { avgPool2d, avgPool2dGrad, maxPool2d, maxPool2dGrad } from '../src/backends/cpu/pool.js';
import {
  wasmAvgPool2dGrad,
  wasmBatchMatMul,
  wasmConv2d,
  wasmConv2dBackpropFilter,
  wasmConv2dBackpropInput,
  wasmMaxPool2dGrad,
  wasmPool2d,
  wasmSigmoid,
  wasmSigmoidGrad,
} from '../src/backends/cpu/wasm/kernels.js';
import { loadThreadedWasmKernels, loadWasmKernels } from '../src/backends/cpu/wasm/module.js';
import * as K from '../src/kernel_names.js';
import { seededInfo } from './kernel_inputs.js';

const single = loadWasmKernels();
const threaded = loadThreadedWasmKernels();
// Node builtins by computed specifier: this file is also collected by the browser projects, where it runs only in a
// cross-origin isolated page (test-browser/cpu_threads.test.ts covers browsers).
const builtin = (name: string) => import(/* @vite-ignore */ `node:${name}`);
const node = typeof process === 'object' && typeof process.versions?.node === 'string';
const cores: number = !threaded
  ? 1
  : node
    ? (await builtin('os')).availableParallelism()
    : navigator.hardwareConcurrency;
const enabled = single !== null && threaded !== null && cores >= 2;

const info = seededInfo;

async function workerReady(): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!threaded!.pool!.ready()) {
    if (Date.now() > deadline) throw new Error('the worker thread did not start');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Run `kernel` built on both arenas; expect results equal within `tolerance` (relative to the largest value). */
function compare(
  make: (arena: NonNullable<typeof single>) => KernelFn,
  inputs: TensorInfo[],
  attrs: object,
  tolerance = 0,
) {
  const one = make(single!)(inputs, attrs as never, null as never);
  const two = make(threaded!)(inputs, attrs as never, null as never);
  expect(two.shape).toEqual(one.shape);
  const a = one.handle as Float32Array;
  const b = two.handle as Float32Array;
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i]!));
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  expect(diff).toBeLessThanOrEqual(tolerance * scale);
}

describe.skipIf(!enabled)('wasm kernels on two threads', () => {
  it('BatchMatMul matches one thread (row split, batch split, transposes, broadcasting)', async () => {
    await workerReady();
    threaded!.threadsMinMacs = 0;
    const cases: [number[], number[], boolean, boolean][] = [
      [[1, 37, 29], [1, 29, 53], false, false],
      [[1, 19, 300], [1, 300, 17], false, false],
      [[3, 33, 21], [1, 21, 19], false, false],
      [[4, 21, 33], [4, 21, 19], true, false],
      [[5, 33, 21], [5, 19, 21], false, true],
      [[2, 21, 130], [1, 70, 21], true, true],
      [[1, 256, 256], [1, 256, 256], false, false],
      [[41, 6, 5], [41, 5, 7], false, false],
      [[33, 5, 6], [33, 7, 5], true, true],
    ];
    // The worker must take its halves (no take-back), so that what it did is deterministic on a busy machine.
    threaded!.pool!.takeBack = false;
    const { jobs, reclaimed } = threaded!.pool!;
    let seed = 1;
    for (const [aShape, bShape, transposeA, transposeB] of cases) {
      const inputs = [info(aShape, seed++), info(bShape, seed++)];
      compare((arena) => wasmBatchMatMul(arena, batchMatMul, 0), inputs, { transposeA, transposeB });
    }
    // Every one of these was split (threadsMinMacs 0; the batch of 41 in two rounds; none is thin enough for the
    // unpacked kernels) and the worker ran its half.
    const pool = threaded!.pool!;
    pool.takeBack = true;
    expect(pool.reclaimed - reclaimed).toBe(0);
    expect(pool.jobs - jobs).toBe(cases.length + 1);
    expect(threaded!.pool!.ready()).toBe(true);
  });

  it('the thin products and pooling split by rows / columns / planes and match one thread bit for bit', async () => {
    await workerReady();
    threaded!.threadsMinMacs = 0;
    threaded!.pool!.takeBack = false;
    const pool = threaded!.pool!;
    const { jobs } = pool;
    let seed = 100;
    // rowSums (x W, 10 rows), outerSums (x^T dy, depth 10), rowDots (dy W^T, 10 rows): Nielsen's FC layer shapes.
    const thin: [number[], number[], boolean, boolean][] = [
      [[1, 10, 640], [1, 640, 100], false, false],
      [[1, 10, 640], [1, 10, 100], true, false],
      [[1, 10, 100], [1, 640, 100], false, true],
      [[1, 7, 33], [1, 33, 9], false, false],
      // Column splits at a block edge with a ragged rest: rowSums' 16-column blocks, rowDots' 4 rows of B.
      [[1, 10, 64], [1, 64, 37], false, false],
      [[1, 9, 64], [1, 37, 64], false, true],
    ];
    for (const [aShape, bShape, transposeA, transposeB] of thin) {
      const inputs = [info(aShape, seed++), info(bShape, seed++)];
      compare((arena) => wasmBatchMatMul(arena, batchMatMul, 0), inputs, { transposeA, transposeB });
    }
    const poolAttrs = { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] };
    for (const shape of [
      [10, 20, 24, 24],
      [3, 5, 9, 7],
    ]) {
      const x = info(shape, seed++);
      const out = [shape[0]!, shape[1]!, Math.floor(shape[2]! / 2), Math.floor(shape[3]! / 2)];
      const dy = info(out, seed++);
      compare((arena) => wasmPool2d(arena, maxPool2d, 'max'), [x], poolAttrs);
      compare((arena) => wasmPool2d(arena, avgPool2d, 'avg'), [x], poolAttrs);
      compare((arena) => wasmMaxPool2dGrad(arena, maxPool2dGrad), [dy, x], poolAttrs);
      compare((arena) => wasmAvgPool2dGrad(arena, avgPool2dGrad), [dy], { ...poolAttrs, inputShape: shape });
    }
    pool.takeBack = true;
    // Every thin product splits (the weight gradient's by rows, the others by columns) but the one with 9 columns,
    // less than two of rowSums' 16-column blocks.
    expect(pool.jobs - jobs).toBe(5 + 2 * 4);
  });

  it('setCpuThreads(1) keeps every call on the calling thread (same bits); auto brings the worker back', async () => {
    await workerReady();
    const backend = createCpuBackend({ kernels: 'wasm', threads: 'auto' });
    expect(() => setCpuThreads(2 as never, backend)).toThrow(/setCpuThreads: expected 1 or 'auto', got 2/);
    if (cpuThreads(backend) !== 2) return; // this backend has no worker here (one core)
    const kernel = backend.kernels.get(K.BatchMatMul)!.fn;
    const inputs = [info([1, 256, 256], 5), info([1, 256, 256], 6)];
    const attrs = { transposeA: false, transposeB: false } as never;
    const two = kernel(inputs, attrs, backend);
    const pool = threaded!.pool!;
    const before = pool.jobs + pool.reclaimed;
    expect(setCpuThreads(1, backend)).toBe('auto');
    try {
      expect(cpuThreads(backend)).toBe(1);
      const one = kernel(inputs, attrs, backend);
      expect(pool.jobs + pool.reclaimed).toBe(before);
      expect(Array.from(one.handle as Float32Array)).toEqual(Array.from(two.handle as Float32Array));
    } finally {
      expect(setCpuThreads('auto', backend)).toBe(1);
    }
    expect(cpuThreads(backend)).toBe(2);
  });

  it('a threads: 1 backend stays on one thread beside a two-thread one (they share the arena and its worker)', async () => {
    await workerReady();
    const two = createCpuBackend({ kernels: 'wasm', threads: 'auto' });
    const one = createCpuBackend({ kernels: 'wasm', threads: 1 });
    if (cpuThreads(two) !== 2) return; // no worker here (one core)
    expect(cpuThreads(one)).toBe(1);
    const inputs = [info([1, 256, 256], 7), info([1, 256, 256], 8)];
    const attrs = { transposeA: false, transposeB: false } as never;
    const pool = threaded!.pool!;
    const split = two.kernels.get(K.BatchMatMul)!.fn(inputs, attrs, two);
    const before = pool.jobs + pool.reclaimed;
    const single = one.kernels.get(K.BatchMatMul)!.fn(inputs, attrs, one);
    expect(pool.jobs + pool.reclaimed).toBe(before);
    expect(Array.from(single.handle as Float32Array)).toEqual(Array.from(split.handle as Float32Array));
    two.kernels.get(K.BatchMatMul)!.fn(inputs, attrs, two);
    expect(pool.jobs + pool.reclaimed).toBeGreaterThan(before);
  });

  it('Sigmoid and SigmoidGrad split in halves at a multiple of 16 elements and match one thread bit for bit', async () => {
    await workerReady();
    threaded!.threadsMinMacs = 0;
    threaded!.pool!.takeBack = false;
    const pool = threaded!.pool!;
    const { jobs } = pool;
    const sigmoid = tsKernels[K.Sigmoid]!;
    const sigmoidGrad = tsKernels[K.SigmoidGrad]!;
    let seed = 300;
    // Network3's first layer (28,800), odd sizes whose halves end mid-vector, and sizes too small to split.
    const sizes = [28_800, 40_001, 33, 16, 7];
    for (const n of sizes) {
      const x = info([n], seed++);
      compare((arena) => wasmSigmoid(arena, sigmoid, 0), [x], {});
      const y = single ? wasmSigmoid(single, sigmoid, 0)([x], {} as never, null as never) : x;
      compare((arena) => wasmSigmoidGrad(arena, sigmoidGrad, 0), [y, info([n], seed++)], {});
    }
    pool.takeBack = true;
    // Every size with at least one block of 16 on each side splits (28,800, 40,001, 33); 16 and 7 stay whole.
    expect(pool.jobs - jobs).toBe(2 * 3);
  });

  it('Conv2D and its backprops match one thread (batch split)', async () => {
    await workerReady();
    threaded!.threadsMinMacs = 0;
    const shapes: { x: number[]; w: number[]; stride: number; pad: number; groups: number }[] = [
      { x: [4, 3, 13, 11], w: [6, 3, 3, 3], stride: 1, pad: 1, groups: 1 },
      { x: [5, 4, 12, 12], w: [8, 2, 5, 5], stride: 2, pad: 0, groups: 2 },
      { x: [3, 6, 7, 9], w: [5, 6, 1, 1], stride: 1, pad: 0, groups: 1 },
      // Winograd's forward pass (5x5, stride 1, >= 8 channels), also with padding and tiles cut by the edges.
      { x: [10, 20, 12, 12], w: [40, 20, 5, 5], stride: 1, pad: 0, groups: 1 },
      { x: [3, 8, 9, 14], w: [6, 8, 5, 5], stride: 1, pad: 2, groups: 1 },
    ];
    threaded!.pool!.takeBack = false;
    const { jobs, reclaimed } = threaded!.pool!;
    // The same split rule on both arenas: the single-threaded one then sums the filter gradient in the same halves.
    single!.threadsMinMacs = 0;
    let seed = 100;
    for (const { x, w, stride, pad, groups } of shapes) {
      const attrs = { stride: [stride, stride], padding: [pad, pad], dilation: [1, 1], groups };
      const xInfo = info(x, seed++);
      const wInfo = info(w, seed++);
      const out = wasmConv2d(single!, conv2d)([xInfo, wInfo], attrs as never, null as never);
      compare((arena) => wasmConv2d(arena, conv2d), [xInfo, wInfo], attrs);
      const dy = info([...out.shape], seed++);
      compare((arena) => wasmConv2dBackpropInput(arena, conv2dBackpropInput), [dy, wInfo], {
        ...attrs,
        inputShape: x,
      });
      // The filter gradient is summed as the same two halves with or without the second thread: bit-identical.
      compare((arena) => wasmConv2dBackpropFilter(arena, conv2dBackpropFilter), [xInfo, dy], {
        ...attrs,
        filterShape: w,
      });
    }
    // Every one of the three kernels split its batch, for every shape, and the worker ran every other half.
    const pool = threaded!.pool!;
    pool.takeBack = true;
    expect(pool.reclaimed - reclaimed).toBe(0);
    expect(pool.jobs - jobs).toBe(3 * shapes.length);
  });

  it.skipIf(!node)(
    'a Node process that used the worker exits by itself',
    async () => {
      const { spawnSync } = await builtin('child_process');
      const { fileURLToPath } = await builtin('url');
      const child = fileURLToPath(new URL('./threads_exit_child.ts', import.meta.url));
      const started = Date.now();
      const result = spawnSync(process.execPath, ['--import', 'tsx', child], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(result.error).toBeUndefined();
      expect(result.stdout).toContain('two threads: true');
      expect(result.status).toBe(0);
      expect(Date.now() - started).toBeLessThan(30_000);
    },
    40_000,
  );

  it('a worker that dies during a call: the call fails with an error that says so, later calls run on one thread', async () => {
    const { spawnSync } = await builtin('child_process');
    const { fileURLToPath } = await builtin('url');
    const child = fileURLToPath(new URL('./threads_dead_child.ts', import.meta.url));
    const result = spawnSync(process.execPath, ['--import', 'tsx', child], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(out.message).toMatch(
      /the kernel worker thread has not finished its half of a call after .* it has probably died/,
    );
    expect(out.waited as number).toBeLessThan(10_000);
    expect(out.ready).toBe(false);
    expect([out.c0, out.cLast]).toEqual([256, 256]);
  }, 40_000);
});
