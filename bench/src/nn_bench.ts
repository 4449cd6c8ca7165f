/**
 * Training benchmarks of @nndl/nn against the same networks written in TensorFlow.js (cpu and wasm backends), one
 * thread each, on random data of MNIST's shape (the speed does not depend on the values):
 *
 * - Nielsen's [784, 30, 10] sigmoid MLP (network.py): one epoch of 50,000 samples, mini-batch 10, eta 3.0, quadratic
 *   cost, plain SGD. nndl runs the full epoch; a peer runs the full epoch too unless `mlpPeerBatches` says otherwise
 *   (then its figure is extrapolated, and the row says so).
 * - network3's two-conv net (chapter 6: conv 20@5x5 -> pool 2 -> conv 40@5x5 -> pool 2 -> FC 100 -> softmax 10,
 *   sigmoid, mini-batch 10, eta 0.1): a measured number of batches, extrapolated to one epoch of 5,000 batches.
 *
 * Run alone: `pnpm --filter @nndl/bench exec tsx --conditions=source src/nn_bench.ts [--quick] [--cpu-time]`
 */
import { fileURLToPath } from 'node:url';
import type { Module } from '@nndl/nn';
import { chapter6Net, NielsenNetwork } from '@nndl/nn/models';
import { SGD } from '@nndl/nn/optim';
import { asTensor, Generator, type Tensor, tidy } from '@nndl/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { matmulVariant, type NndlKernels, twoThreadsReady, withCpuKernels } from './nndl.js';
import { randomValues } from './runner.js';
import { setupTfjs } from './tfjs.js';

export interface NnBenchRow {
  /** 'mlp' (Nielsen's [784,30,10]) or 'cnn' (network3's two-conv net). */
  model: 'mlp' | 'cnn';
  /**
   * 'nndl' runs the CPU backend as it starts (wasm SIMD kernels where available; one thread under `pnpm bench`),
   * 'nndl-2t' the same kernels with large calls split across two threads, 'nndl-ts' its TypeScript kernels.
   */
  runner: 'nndl' | 'nndl-2t' | 'nndl-ts' | 'tfjs-cpu' | 'tfjs-wasm';
  /** Mini-batches actually timed. */
  batches: number;
  /** Seconds for one epoch of 50,000 samples (5,000 batches of 10). */
  secondsPerEpoch: number;
  /** True when fewer than 5,000 batches were timed and the epoch figure is scaled up from them. */
  extrapolated: boolean;
  /** Mean cost over the timed batches (a sanity check that training ran). */
  meanLoss: number;
}

export interface NnBenchOptions {
  /** Batches of the MLP timed per runner (default: the full epoch, 5,000). */
  mlpBatches?: number;
  /** Batches of the MLP timed for the tfjs runners (default: the full epoch). */
  mlpPeerBatches?: number;
  /** Batches of the MLP timed for nndl-ts (default 1,000) and of the CNN (default 30). */
  tsMlpBatches?: number;
  tsCnnBatches?: number;
  /** Batches of the CNN timed for nndl and nndl-2t (default 1,000: shorter runs read 10-40% slow, before V8 and the heap settle), tfjs-wasm (default 100) and tfjs-cpu (default 10). */
  cnnBatches?: number;
  cnnWasmBatches?: number;
  cnnCpuBatches?: number;
  /** Time with this process's CPU time instead of the wall clock (for a machine shared with other jobs). */
  cpuTime?: boolean;
  /** Which runners to include (default all four). */
  runners?: NnBenchRow['runner'][];
  /** Called after each measurement (progress for long runs). */
  onRow?: (row: NnBenchRow) => void;
}

/** Milliseconds of wall-clock time, or of this process's CPU time with `useCpuTime(true)`. */
let now: () => number = () => performance.now();
let cpuTimed = false;
function useCpuTime(on: boolean): void {
  cpuTimed = on;
  now = on
    ? () => {
        const usage = process.cpuUsage();
        return (usage.user + usage.system) / 1000;
      }
    : () => performance.now();
}

const EPOCH_SAMPLES = 50_000;
const BATCH = 10;
const EPOCH_BATCHES = EPOCH_SAMPLES / BATCH;
/** Distinct random mini-batches, cycled (the full 50,000 x 784 set would be 157 MB per library). */
const POOL = 100;

function oneHotRows(
  batch: number,
  classes: number,
  seed: number,
): { oneHot: Float32Array; labels: Int32Array } {
  const labels = new Int32Array(batch);
  const oneHot = new Float32Array(batch * classes);
  const values = randomValues(batch, seed);
  for (let i = 0; i < batch; i++) {
    labels[i] = Math.min(classes - 1, Math.floor(((values[i]! + 1) / 2) * classes));
    oneHot[i * classes + labels[i]!] = 1;
  }
  return { oneHot, labels };
}

function inputs(seed: number): Float32Array {
  // MNIST-like intensities in [0, 1).
  const values = randomValues(BATCH * 784, seed);
  for (let i = 0; i < values.length; i++) values[i] = (values[i]! + 1) / 2;
  return values;
}

function epochRow(
  model: NnBenchRow['model'],
  runner: NnBenchRow['runner'],
  batches: number,
  seconds: number,
  lossSum: number,
): NnBenchRow {
  return {
    model,
    runner,
    batches,
    secondsPerEpoch: (seconds * EPOCH_BATCHES) / batches,
    extrapolated: batches < EPOCH_BATCHES,
    meanLoss: lossSum / batches,
  };
}

// ---- nndl -----------------------------------------------------------------------------------------------------------

/** One epoch (or `batches` mini-batches) of Nielsen's MLP with @nndl/nn, on the default or TypeScript kernels. */
export function benchNielsenMlpNndl(batches = EPOCH_BATCHES, kernels: NndlKernels = 'default'): NnBenchRow {
  return withCpuKernels(kernels, () => nielsenMlpNndl(batches, nndlRunnerName(kernels)));
}

type NndlRunnerName = 'nndl' | 'nndl-2t' | 'nndl-ts';
function nndlRunnerName(kernels: NndlKernels): NndlRunnerName {
  return kernels === 'ts' ? 'nndl-ts' : kernels === 'threads' ? 'nndl-2t' : 'nndl';
}

function nielsenMlpNndl(batches: number, runner: NndlRunnerName): NnBenchRow {
  const net = new NielsenNetwork([784, 30, 10], { init: 'large', generator: new Generator(1) });
  const pool = Array.from({ length: POOL }, (_, i) => ({
    x: asTensor(inputs(i + 1), [BATCH, 784]),
    y: asTensor(oneHotRows(BATCH, 10, i + 1000).oneHot, [BATCH, 10]),
  }));
  // Warm-up: let the JIT compile and tier up the hot paths (the first ~1,000 steps of a run are 20-30% slower, which
  // a 30-epoch run amortizes), so that the row is the steady-state epoch.
  const run = sgdSteps(net, (out, y) => net.cost(out, y), 3.0, pool);
  return epochRow('mlp', runner, batches, ...run(1000, batches));
}

/**
 * A closure that trains `net` with plain SGD on the cycled `pool`: `warmup` steps, then `batches` timed steps;
 * returns the seconds of the timed steps and the sum of their losses.
 */
function sgdSteps(
  net: Module,
  loss: (out: Tensor, y: Tensor) => Tensor,
  lr: number,
  pool: readonly { x: Tensor; y: Tensor }[],
): (warmup: number, batches: number) => [number, number] {
  // Parameters pinned in the kernels' wasm memory, as the engine's Trainer does.
  net.pinMemory();
  const opt = new SGD(net.parameters(), { lr });
  // Each step in tidy, as the engine's Trainer runs it: the step's intermediates are disposed and their arrays
  // recycled (the tfjs rows tidy their steps too).
  const step = (i: number): number =>
    tidy(() => {
      const { x, y } = pool[i % pool.length]!;
      opt.zeroGrad();
      const value = loss(net.call(x) as Tensor, y);
      value.backward();
      opt.step();
      return value.item();
    });
  return (warmup, batches) => {
    for (let i = 0; i < warmup; i++) step(i);
    let lossSum = 0;
    const t0 = now();
    for (let i = 0; i < batches; i++) lossSum += step(i);
    return [(now() - t0) / 1000, lossSum];
  };
}

/** `batches` mini-batches of network3's two-conv net with @nndl/nn, extrapolated to an epoch. */
export function benchTwoConvNndl(batches = 1000, kernels: NndlKernels = 'default'): NnBenchRow {
  return withCpuKernels(kernels, () => twoConvNndl(batches, nndlRunnerName(kernels)));
}

function twoConvNndl(batches: number, runner: NndlRunnerName): NnBenchRow {
  const net = chapter6Net('twoConv', { generator: new Generator(1) });
  const pool = Array.from({ length: POOL }, (_, i) => ({
    x: asTensor(inputs(i + 1), [BATCH, 1, 28, 28]),
    y: asTensor(oneHotRows(BATCH, 10, i + 1000).labels, [BATCH]),
  }));
  const run = sgdSteps(net, (out, y) => net.loss(out, y), 0.1, pool);
  // 1,000 warm-up steps, as the MLP rows: the first ~1,000 steps of a process run 15-20% slower while V8 tiers the
  // code up (two threads: 2.35-2.45 ms per step over the first 700 steps, 1.96-2.0 ms after 1,500), which a
  // 60-epoch run pays once. The TypeScript-kernel row is too slow for that: 3 steps.
  return epochRow('cnn', runner, batches, ...run(runner === 'nndl-ts' ? 3 : 1000, batches));
}

// ---- TensorFlow.js --------------------------------------------------------------------------------------------------

/**
 * tfjs-core's Node bundle ships without gradient definitions (the umbrella @tensorflow/tfjs registers them from ESM
 * files that Node cannot import), so the gradients of the kernels these two nets use are registered here, as
 * tfjs's own gradients/*_grad.ts write them.
 */
let gradientsRegistered = false;
function registerGradients(): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  const sumTo = (dy: tf.Tensor, shape: number[]): tf.Tensor => {
    const lead = dy.rank - shape.length;
    const axes: number[] = [];
    for (let i = 0; i < dy.rank; i++)
      if (i < lead || (shape[i - lead] === 1 && dy.shape[i] !== 1)) axes.push(i);
    return tf.reshape(axes.length ? tf.sum(dy, axes) : dy, shape);
  };
  const binary = (
    name: string,
    da: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
    db: typeof da,
  ) =>
    tf.registerGradient({
      kernelName: name,
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, saved) => {
        const [a, b] = saved as [tf.Tensor, tf.Tensor];
        const g = dy as tf.Tensor;
        return { a: () => sumTo(da(g, a, b), a.shape), b: () => sumTo(db(g, a, b), b.shape) };
      },
    });
  const reducedAxes = (x: tf.Tensor, attrs: unknown): number[] => {
    const axis = (attrs as { axis?: number | number[] | null }).axis;
    if (axis === undefined || axis === null) return x.shape.map((_, i) => i);
    return ([] as number[]).concat(axis).map((a) => (a < 0 ? a + x.rank : a));
  };
  binary(
    'Add',
    (dy) => dy,
    (dy) => dy,
  );
  binary(
    'Sub',
    (dy) => dy,
    (dy) => tf.neg(dy),
  );
  binary(
    'Multiply',
    (dy, _a, b) => tf.mul(dy, b),
    (dy, a) => tf.mul(dy, a),
  );
  tf.registerGradient({
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as [tf.Tensor2D, tf.Tensor2D];
      return {
        a: () => tf.matMul(dy as tf.Tensor2D, b, false, true),
        b: () => tf.matMul(a, dy as tf.Tensor2D, true, false),
      };
    },
  });
  tf.registerGradient({
    kernelName: 'Sigmoid',
    outputsToSave: [true],
    gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(saved[0]!, tf.sub(1, saved[0]!))) }),
  });
  tf.registerGradient({
    kernelName: 'Square',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(saved[0]!, 2)) }),
  });
  tf.registerGradient({ kernelName: 'Neg', gradFunc: (dy) => ({ x: () => tf.neg(dy as tf.Tensor) }) });
  tf.registerGradient({
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0]!;
      const axes = reducedAxes(x, attrs);
      const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      return { x: () => tf.mul(tf.reshape(dy as tf.Tensor, kept), tf.onesLike(x)) };
    },
  });
  tf.registerGradient({
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0]!;
      const axes = reducedAxes(x, attrs);
      const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
      return { x: () => tf.div(tf.mul(tf.reshape(dy as tf.Tensor, kept), tf.onesLike(x)), count) };
    },
  });
  tf.registerGradient({
    kernelName: 'Reshape',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.reshape(dy as tf.Tensor, saved[0]!.shape) }),
  });
  tf.registerGradient({
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as { strides: number; pad: 'valid'; dataFormat: string; dilations: number };
      return {
        x: () => tf.conv2dTranspose(dy as tf.Tensor4D, filter, x.shape, a.strides, a.pad),
        // dW[kh, kw, ci, co] = sum_n,oh,ow x[n, oh+kh, ow+kw, ci] dy[n, oh, ow, co]: a valid convolution of x (channels
        // as batch, batch as channels) with dy as the filter. tfjs-backend-wasm has no Conv2DBackpropFilter kernel.
        filter: () =>
          tf.transpose(
            tf.conv2d(
              tf.transpose(x, [3, 1, 2, 0]),
              tf.transpose(dy as tf.Tensor4D, [1, 2, 0, 3]),
              1,
              'valid',
            ),
            [1, 2, 0, 3],
          ),
      };
    },
  });
  tf.registerGradient({
    kernelName: 'MaxPool',
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, y] = saved as [tf.Tensor4D, tf.Tensor4D];
      return {
        x: () =>
          tf
            .engine()
            .runKernel(
              'MaxPoolGrad',
              { dy: dy as tf.Tensor, input: x, output: y },
              attrs as never,
            ) as unknown as tf.Tensor,
      };
    },
  });
}

function normal(shape: number[], std: number, seed: number): tf.Variable {
  return tf.variable(tf.randomNormal(shape, 0, std, 'float32', seed));
}

/** Nielsen's MLP in tfjs-core: the same layers, cost and plain SGD (tf.train.sgd). */
export async function benchNielsenMlpTfjs(
  backend: 'cpu' | 'wasm',
  batches = EPOCH_BATCHES,
): Promise<NnBenchRow> {
  await setupTfjs();
  registerGradients();
  await tf.setBackend(backend);
  const w1 = normal([784, 30], 1, 1);
  const b1 = normal([30], 1, 2);
  const w2 = normal([30, 10], 1, 3);
  const b2 = normal([10], 1, 4);
  const opt = tf.train.sgd(3.0);
  const pool = Array.from({ length: POOL }, (_, i) => ({
    x: tf.tensor2d(inputs(i + 1), [BATCH, 784]),
    y: tf.tensor2d(oneHotRows(BATCH, 10, i + 1000).oneHot, [BATCH, 10]),
  }));
  const step = (i: number): number => {
    const { x, y } = pool[i % POOL]!;
    const cost = opt.minimize(() => {
      const a1 = tf.sigmoid(tf.add(tf.matMul(x, w1), b1));
      const a2 = tf.sigmoid(tf.add(tf.matMul(a1, w2), b2));
      return tf.mul(tf.sum(tf.square(tf.sub(a2, y))), 1 / (2 * BATCH)) as tf.Scalar;
    }, true)!;
    const value = cost.dataSync()[0]!;
    cost.dispose();
    return value;
  };
  for (let i = 0; i < 20; i++) step(i);
  let lossSum = 0;
  const t0 = now();
  for (let i = 0; i < batches; i++) lossSum += step(i);
  const seconds = (now() - t0) / 1000;
  tf.dispose([w1, b1, w2, b2, ...pool.flatMap((p) => [p.x, p.y])]);
  opt.dispose();
  return epochRow('mlp', backend === 'cpu' ? 'tfjs-cpu' : 'tfjs-wasm', batches, seconds, lossSum);
}

/** network3's two-conv net in tfjs-core (NHWC, tfjs's native layout), sigmoid, softmax cross-entropy, SGD 0.1. */
export async function benchTwoConvTfjs(backend: 'cpu' | 'wasm', batches: number): Promise<NnBenchRow> {
  await setupTfjs();
  registerGradients();
  await tf.setBackend(backend);
  const k1 = normal([5, 5, 1, 20], Math.sqrt(1 / 125), 1);
  const c1 = normal([20], 1, 2);
  const k2 = normal([5, 5, 20, 40], Math.sqrt(1 / 250), 3);
  const c2 = normal([40], 1, 4);
  const w3 = normal([640, 100], 0.1, 5);
  const b3 = normal([100], 1, 6);
  const w4 = tf.variable(tf.zeros([100, 10]));
  const b4 = tf.variable(tf.zeros([10]));
  const opt = tf.train.sgd(0.1);
  const pool = Array.from({ length: Math.min(POOL, 20) }, (_, i) => ({
    x: tf.tensor4d(inputs(i + 1), [BATCH, 28, 28, 1]),
    y: tf.tensor2d(oneHotRows(BATCH, 10, i + 1000).oneHot, [BATCH, 10]),
  }));
  const step = (i: number): number => {
    const { x, y } = pool[i % pool.length]!;
    const cost = opt.minimize(() => {
      const p1 = tf.sigmoid(
        tf.add(tf.maxPool(tf.conv2d(x, k1 as tf.Tensor4D, 1, 'valid'), 2, 2, 'valid'), c1),
      ) as tf.Tensor4D;
      const p2 = tf.sigmoid(
        tf.add(tf.maxPool(tf.conv2d(p1, k2 as tf.Tensor4D, 1, 'valid'), 2, 2, 'valid'), c2),
      );
      const h = tf.sigmoid(tf.add(tf.matMul(tf.reshape(p2, [BATCH, 640]), w3), b3));
      const logits = tf.add(tf.matMul(h, w4), b4);
      return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), y), 1))) as tf.Scalar;
    }, true)!;
    const value = cost.dataSync()[0]!;
    cost.dispose();
    return value;
  };
  // Warm-up: V8 tiers up wasm and JavaScript over a process's first seconds of work (about 2 s here, as for nndl).
  for (let i = 0; i < (backend === 'wasm' ? 100 : 5); i++) step(i);
  let lossSum = 0;
  const t0 = now();
  for (let i = 0; i < batches; i++) lossSum += step(i);
  const seconds = (now() - t0) / 1000;
  tf.dispose([k1, c1, k2, c2, w3, b3, w4, b4, ...pool.flatMap((p) => [p.x, p.y])]);
  opt.dispose();
  return epochRow('cnn', backend === 'cpu' ? 'tfjs-cpu' : 'tfjs-wasm', batches, seconds, lossSum);
}

// ---- all together ---------------------------------------------------------------------------------------------------

/** Shorter runs for `--quick` (figures extrapolated from fewer batches, noisier). */
export const QUICK_NN_OPTIONS: NnBenchOptions = {
  mlpBatches: 1000,
  mlpPeerBatches: 200,
  tsMlpBatches: 300,
  tsCnnBatches: 10,
  cnnBatches: 50,
  cnnWasmBatches: 20,
  cnnCpuBatches: 3,
};

/**
 * Run both models on every runner, sequentially (one thread at a time).
 * @example for (const row of await benchNn({ mlpPeerBatches: 500 })) console.log(row);
 */
export async function benchNn(options: NnBenchOptions = {}): Promise<NnBenchRow[]> {
  const runners = [...(options.runners ?? ['nndl', 'nndl-2t', 'nndl-ts', 'tfjs-wasm', 'tfjs-cpu'])];
  // The two-thread rows need the worker up; where it cannot start (one core) they are left out.
  if (runners.includes('nndl-2t') && !(await twoThreadsReady()))
    runners.splice(runners.indexOf('nndl-2t'), 1);
  useCpuTime(options.cpuTime ?? false);
  const rows: NnBenchRow[] = [];
  const add = (row: NnBenchRow) => {
    rows.push(row);
    options.onRow?.(row);
  };
  const mlp = options.mlpBatches ?? EPOCH_BATCHES;
  const peerMlp = options.mlpPeerBatches ?? mlp;
  for (const runner of runners) {
    if (runner === 'nndl') add(benchNielsenMlpNndl(mlp));
    else if (runner === 'nndl-2t') add(benchNielsenMlpNndl(mlp, 'threads'));
    else if (runner === 'nndl-ts')
      add(benchNielsenMlpNndl(options.tsMlpBatches ?? Math.min(mlp, 1000), 'ts'));
    else add(await benchNielsenMlpTfjs(runner === 'tfjs-cpu' ? 'cpu' : 'wasm', peerMlp));
  }
  for (const runner of runners) {
    if (runner === 'nndl') add(benchTwoConvNndl(options.cnnBatches ?? 1000));
    else if (runner === 'nndl-2t') add(benchTwoConvNndl(options.cnnBatches ?? 1000, 'threads'));
    else if (runner === 'nndl-ts') add(benchTwoConvNndl(options.tsCnnBatches ?? 30, 'ts'));
    else if (runner === 'tfjs-wasm') add(await benchTwoConvTfjs('wasm', options.cnnWasmBatches ?? 100));
    else add(await benchTwoConvTfjs('cpu', options.cnnCpuBatches ?? 10));
  }
  return rows;
}

/** A plain-text table: seconds per epoch, and how many times faster nndl is than each peer. */
export function renderNnTable(rows: readonly NnBenchRow[]): string {
  const lines = ['model  runner     batches timed  s/epoch   nndl speedup  note', '-'.repeat(78)];
  const clock = rows.length > 0 && cpuTimed ? ' (process CPU time)' : '';
  for (const row of rows) {
    const nndl = rows.find((r) => r.model === row.model && r.runner === 'nndl');
    const ratio =
      nndl && row.runner !== 'nndl' ? `${(row.secondsPerEpoch / nndl.secondsPerEpoch).toFixed(1)}x` : '';
    const name = row.model === 'mlp' ? 'MLP  ' : 'CNN  ';
    lines.push(
      `${name}  ${row.runner.padEnd(9)}  ${String(row.batches).padStart(13)}  ${row.secondsPerEpoch.toFixed(2).padStart(7)}` +
        `   ${ratio.padStart(12)}  ${row.extrapolated ? `extrapolated from ${row.batches} of 5000 batches` : 'full epoch'}`,
    );
  }
  lines.push(
    '',
    'MLP: Nielsen [784,30,10] sigmoid, batch 10, eta 3.0, quadratic cost. CNN: network3 two-conv net (20@5x5, pool 2,',
    '40@5x5, pool 2, FC 100, softmax 10), sigmoid, batch 10, eta 0.1. One thread each (nndl-2t aside); random data',
    `of MNIST shape. nndl: the CPU backend's default kernels (${matmulVariant('default')}); nndl-2t: the same with`,
    `calls over 2^21 multiply-adds split across a second thread; nndl-ts: its TypeScript kernels.${clock}`,
  );
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes('--quick');
  const rows = await benchNn({
    cpuTime: process.argv.includes('--cpu-time'),
    onRow: (row) =>
      console.error(
        `${row.model} ${row.runner}: ${row.secondsPerEpoch.toFixed(2)} s/epoch (${row.batches} batches)`,
      ),
    ...(quick ? { ...QUICK_NN_OPTIONS } : { mlpPeerBatches: 1000 }),
  });
  console.log(renderNnTable(rows));
}
