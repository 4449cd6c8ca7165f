/**
 * Tensor-level cases: float32 matmul throughput, conv2d forward + backward on Nielsen's network3 layers, and the
 * fixed cost of a tiny op. One function per case; each takes the runners and returns one table row.
 */

import { createCpuBackend, kernels } from '@nndl/tensor';
import type { ConvLayer, Prepared, Runner } from './runner.js';
import type { Row } from './table.js';
import { measure, type TimingOptions } from './timing.js';

/** Nielsen's network3 convolutional layers at mini-batch 10 (chapter 6: 20 then 40 filters of 5x5). */
export const NIELSEN_CONV_LAYERS: readonly ConvLayer[] = [
  {
    name: 'conv 20x5x5 on 10x1x28x28',
    batch: 10,
    inChannels: 1,
    height: 28,
    width: 28,
    outChannels: 20,
    kernel: 5,
  },
  {
    name: 'conv 40x5x5 on 10x20x12x12',
    batch: 10,
    inChannels: 20,
    height: 12,
    width: 12,
    outChannels: 40,
    kernel: 5,
  },
];

export const MATMUL_SIZES: readonly number[] = [64, 256, 1024];

/** Prepare on each runner, time, dispose; a runner that fails to prepare gets null (and the error is reported). */
async function timeEach(
  runners: readonly Runner[],
  timing: TimingOptions,
  prepare: (runner: Runner) => Promise<Prepared>,
): Promise<{ values: Record<string, number | null>; notes: string[] }> {
  const values: Record<string, number | null> = {};
  const notes: string[] = [];
  for (const runner of runners) {
    let prepared: Prepared;
    try {
      prepared = await prepare(runner);
    } catch (error) {
      values[runner.name] = null;
      notes.push(`${runner.name}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    try {
      values[runner.name] = measure(prepared.step, timing).medianMs;
      if (prepared.note) notes.push(prepared.note);
    } catch (error) {
      values[runner.name] = null;
      notes.push(`${runner.name}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      prepared.dispose();
    }
  }
  return { values, notes };
}

function mapValues(
  values: Record<string, number | null>,
  f: (ms: number) => number,
): Record<string, number | null> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === null ? null : f(v)]));
}

/** Float32 n x n by n x n product, in GFLOP/s (2 n^3 flops). */
export async function matmulCase(runners: readonly Runner[], n: number, timing: TimingOptions): Promise<Row> {
  const { values, notes } = await timeEach(runners, timing, (r) => r.matmul(n));
  const flops = 2 * n * n * n;
  return {
    section: 'matmul',
    name: `float32 ${n}x${n} @ ${n}x${n}`,
    unit: 'GFLOP/s',
    values: mapValues(values, (ms) => flops / ms / 1e6),
    notes,
  };
}

/**
 * nndl's float32 1024 x 1024 product on two threads (CPU backend with `threads: 2`: the wasm kernel split across a
 * worker over shared memory), in GFLOP/s; only the nndl column. Where the machine or engine has no second thread the
 * backend runs on one, and the note says so.
 */
export async function matmulTwoThreadsCase(timing: TimingOptions, n = 1024): Promise<Row> {
  const name = `float32 ${n}x${n} @ ${n}x${n}, two threads`;
  const backend = createCpuBackend({ threads: 2 });
  const kernel = backend.kernels.get(kernels.BatchMatMul);
  if (!kernel) return { section: 'matmul', name, unit: 'GFLOP/s', values: { nndl: null }, notes: [] };
  // The worker thread starts in the background; give it a moment before timing.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const random = (seed: number) =>
    Float32Array.from({ length: n * n }, (_, i) => Math.sin(i * 12.9898 + seed) / 2);
  const a = { handle: random(1), shape: [1, n, n], dtype: 'float32' as const };
  const b = { handle: random(2), shape: [1, n, n], dtype: 'float32' as const };
  const attrs = { transposeA: false, transposeB: false };
  const ms = measure(() => void kernel.fn([a, b], attrs as never, backend), timing).medianMs;
  return {
    section: 'matmul',
    name,
    unit: 'GFLOP/s',
    values: { nndl: (2 * n * n * n) / ms / 1e6 },
    notes: [
      `two threads: ${kernel.variant} kernels, worker over shared memory (NNDL_CPU_THREADS=1 turns it off)`,
    ],
  };
}

/** conv2d forward only, in ms per iteration (the wasm backend has no conv backprop kernels to compare). */
export async function conv2dForwardCase(
  runners: readonly Runner[],
  layer: ConvLayer,
  timing: TimingOptions,
): Promise<Row> {
  const { values, notes } = await timeEach(runners, timing, (r) => r.conv2dForward(layer));
  return { section: 'conv2d fwd', name: layer.name, unit: 'ms', values, notes };
}

/** conv2d forward plus input and filter gradients, in ms per iteration. */
export async function conv2dCase(
  runners: readonly Runner[],
  layer: ConvLayer,
  timing: TimingOptions,
): Promise<Row> {
  const { values, notes } = await timeEach(runners, timing, (r) => r.conv2dForwardBackward(layer));
  return { section: 'conv2d fwd+bwd', name: layer.name, unit: 'ms', values, notes };
}

/** add of two 10-element tensors, in microseconds per op: the per-op overhead that dominates tiny models. */
export async function tinyAddCase(runners: readonly Runner[], timing: TimingOptions): Promise<Row> {
  const size = 10;
  const { values, notes } = await timeEach(runners, timing, (r) => r.tinyAdd(size));
  return {
    section: 'overhead',
    name: `add, ${size} elements`,
    unit: 'us',
    values: mapValues(values, (ms) => ms * 1000),
    notes,
  };
}

/** All tensor-level cases, in table order. */
export async function tensorBench(runners: readonly Runner[], timing: TimingOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of MATMUL_SIZES) rows.push(await matmulCase(runners, n, timing));
  if (runners.some((r) => r.name === 'nndl')) rows.push(await matmulTwoThreadsCase(timing));
  for (const layer of NIELSEN_CONV_LAYERS) rows.push(await conv2dForwardCase(runners, layer, timing));
  for (const layer of NIELSEN_CONV_LAYERS) rows.push(await conv2dCase(runners, layer, timing));
  rows.push(await tinyAddCase(runners, timing));
  return rows;
}
