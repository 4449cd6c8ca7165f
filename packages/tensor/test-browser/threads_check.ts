/**
 * The two-thread CPU kernels in a browser context (page or Web Worker), used by cpu_threads.test.ts: what the context
 * offers (cross-origin isolation, shared memory, Atomics.wait), whether the threads build loaded and its kernel worker
 * came up, and large BatchMatMul and Conv2D calls (and both backprops) on the threaded arena against the
 * single-threaded one, compared bit for bit. Optionally times them (threads.bench.ts).
 */
import type { Backend, KernelFn, TensorInfo } from '../src/backend.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from '../src/backends/cpu/conv2d.js';
import { cpuThreads, createCpuBackend } from '../src/backends/cpu/index.js';
import { batchMatMul } from '../src/backends/cpu/matmul.js';
import {
  wasmBatchMatMul,
  wasmConv2d,
  wasmConv2dBackpropFilter,
  wasmConv2dBackpropInput,
} from '../src/backends/cpu/wasm/kernels.js';
import { loadThreadedWasmKernels, loadWasmKernels, type WasmArena } from '../src/backends/cpu/wasm/module.js';
import { canBlock } from '../src/backends/cpu/wasm/threads.js';
import { seededInfo } from '../test/kernel_inputs.js';

export interface ThreadsReport {
  context: 'page' | 'worker';
  crossOriginIsolated: boolean;
  sharedArrayBuffer: boolean;
  /** Whether Atomics.wait may block here (false on a page's main thread). */
  canBlock: boolean;
  cores: number;
  /** The threads build's kind, or null where it was not loaded (the single-threaded modules run). */
  threadedKind: string | null;
  singleKind: string | null;
  /** The kernel worker came up (pool.ready()) within the wait. */
  ready: boolean;
  /** cpuThreads() of a fresh CPU backend once the worker is up (or after the wait). */
  backendThreads: number;
  /** Jobs the kernel worker ran / the main thread took back, during the comparisons. */
  jobs: number;
  reclaimed: number;
  /** Kernel calls compared, and the names of those whose bits differed between one and two threads. */
  compared: number;
  mismatches: string[];
  /** Console warnings and errors printed while loading and running. */
  warnings: number;
  /** Timings (ms, median of `repeats`), when asked for: name -> [one thread, two threads]. */
  timings?: Record<string, [number, number]>;
  /**
   * n x n x n products with every size split (threadsMinMacs 0): n -> [one thread, two threads back to back, two
   * threads after a 3 ms pause each (the worker asleep)], ms, median of `repeats`.
   */
  sweep?: Record<number, [number, number, number]>;
}

interface Case {
  name: string;
  make: (arena: WasmArena) => KernelFn;
  inputs: TensorInfo[];
  attrs: object;
}

/** Large calls (all above the 2^21 multiply-add threshold): products, and Nielsen's two conv layers (batch 10). */
function cases(): Case[] {
  const list: Case[] = [];
  const mm = (
    n: number,
    seed: number,
    a = [1, n, n],
    b = [1, n, n],
    transposeA = false,
    transposeB = false,
  ) =>
    list.push({
      name: `matmul ${a.join('x')} @ ${b.join('x')}${transposeA ? ' tA' : ''}${transposeB ? ' tB' : ''}`,
      make: (arena) => wasmBatchMatMul(arena, batchMatMul),
      inputs: [seededInfo(a, seed), seededInfo(b, seed + 1)],
      attrs: { transposeA, transposeB },
    });
  mm(1024, 1);
  mm(256, 3);
  mm(0, 5, [1, 300, 200], [1, 300, 150], true, false);
  mm(0, 7, [8, 128, 256], [8, 128, 256], false, true);
  const convs = [
    { name: 'conv1 20@5x5 on 10x1x28x28', x: [10, 1, 28, 28], w: [20, 1, 5, 5] },
    { name: 'conv2 40@5x5 on 10x20x12x12', x: [10, 20, 12, 12], w: [40, 20, 5, 5] },
  ];
  let seed = 100;
  for (const { name, x, w } of convs) {
    const attrs = { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
    const xInfo = seededInfo(x, seed++);
    const wInfo = seededInfo(w, seed++);
    const outH = x[2]! - w[2]! + 1;
    const dy = seededInfo([x[0]!, w[0]!, outH, outH], seed++);
    list.push({ name: `${name} forward`, make: (a) => wasmConv2d(a, conv2d), inputs: [xInfo, wInfo], attrs });
    list.push({
      name: `${name} backprop input`,
      make: (a) => wasmConv2dBackpropInput(a, conv2dBackpropInput),
      inputs: [dy, wInfo],
      attrs: { ...attrs, inputShape: x },
    });
    list.push({
      name: `${name} backprop filter`,
      make: (a) => wasmConv2dBackpropFilter(a, conv2dBackpropFilter),
      inputs: [xInfo, dy],
      attrs: { ...attrs, filterShape: w },
    });
  }
  return list;
}

function run(c: Case, arena: WasmArena): Float32Array {
  return c.make(arena)(c.inputs, c.attrs as never, null as unknown as Backend).handle as Float32Array;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

async function sweep(
  single: WasmArena,
  threaded: WasmArena,
  repeats: number,
): Promise<ThreadsReport['sweep']> {
  const out: NonNullable<ThreadsReport['sweep']> = {};
  const saved = threaded.threadsMinMacs;
  threaded.threadsMinMacs = 0;
  try {
    for (const n of [32, 48, 64, 80, 96, 128, 160, 192, 256]) {
      const c: Case = {
        name: `${n}`,
        make: (arena) => wasmBatchMatMul(arena, batchMatMul),
        inputs: [seededInfo([1, n, n], n), seededInfo([1, n, n], n + 1)],
        attrs: { transposeA: false, transposeB: false },
      };
      const time = async (arena: WasmArena, pause: boolean) => {
        // Enough calls per sample for the timer's resolution (0.1 ms in an isolated page, 0.005 ms in a worker...).
        const calls = pause ? 1 : Math.max(1, Math.round(2e7 / (n * n * n)));
        run(c, arena);
        const ms: number[] = [];
        for (let i = 0; i < repeats; i++) {
          if (pause) await new Promise((resolve) => setTimeout(resolve, 3));
          const start = performance.now();
          for (let j = 0; j < calls; j++) run(c, arena);
          ms.push((performance.now() - start) / calls);
        }
        return median(ms);
      };
      out[n] = [await time(single, false), await time(threaded, false), await time(threaded, true)];
    }
  } finally {
    threaded.threadsMinMacs = saved;
  }
  return out;
}

export async function checkThreads(
  options: { repeats?: number; sweep?: boolean } = {},
): Promise<ThreadsReport> {
  let warnings = 0;
  const { warn, error } = console;
  console.warn = (...args: unknown[]) => {
    warnings++;
    warn(...args);
  };
  console.error = (...args: unknown[]) => {
    warnings++;
    error(...args);
  };
  try {
    const single = loadWasmKernels();
    const threaded = loadThreadedWasmKernels();
    const pool = threaded?.pool ?? null;
    const deadline = performance.now() + 10_000;
    // A Web Worker starts only once this thread yields: poll with timers.
    while (pool && !pool.ready() && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const report: ThreadsReport = {
      context: typeof document === 'undefined' ? 'worker' : 'page',
      crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
      sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
      canBlock: typeof SharedArrayBuffer === 'function' && canBlock(),
      cores: navigator.hardwareConcurrency,
      threadedKind: threaded?.kind ?? null,
      singleKind: single?.kind ?? null,
      ready: pool?.ready() ?? false,
      backendThreads: cpuThreads(createCpuBackend()),
      jobs: 0,
      reclaimed: 0,
      compared: 0,
      mismatches: [],
      warnings: 0,
    };
    if (!single || !threaded || !pool) return { ...report, warnings };
    const before = { jobs: pool.jobs, reclaimed: pool.reclaimed };
    const all = cases();
    // The worker takes every half while comparing (no take-back), so its part does not depend on the machine's load.
    pool.takeBack = false;
    try {
      for (const c of all) {
        const one = run(c, single);
        const two = run(c, threaded);
        report.compared++;
        if (one.length !== two.length || one.some((v, i) => !Object.is(v, two[i])))
          report.mismatches.push(c.name);
      }
    } finally {
      pool.takeBack = true;
    }
    report.jobs = pool.jobs - before.jobs;
    report.reclaimed = pool.reclaimed - before.reclaimed;
    if (options.repeats) {
      report.timings = {};
      for (const c of all) {
        const time = (arena: WasmArena) => {
          run(c, arena); // warm-up
          const ms: number[] = [];
          for (let i = 0; i < options.repeats!; i++) {
            const start = performance.now();
            run(c, arena);
            ms.push(performance.now() - start);
          }
          return median(ms);
        };
        report.timings[c.name] = [time(single), time(threaded)];
      }
    }
    if (options.sweep) report.sweep = await sweep(single, threaded, options.repeats ?? 9);
    return { ...report, warnings };
  } finally {
    console.warn = warn;
    console.error = error;
  }
}
