/**
 * The nndl runners: 'nndl' is the CPU backend as it starts (WebAssembly SIMD kernels where the engine has SIMD),
 * 'nndl-ts' the same backend with its TypeScript kernels only (the fallback, and float64's path). Matmul and conv2d
 * call the kernels directly through the kernel table (the heavy kernels are what these cases measure); the small-op
 * case goes through the public Tensor API.
 */
import {
  type Backend,
  cpuThreads,
  createCpuBackend,
  getBackend,
  type KernelFn,
  kernels,
  type TensorInfo,
  tensor,
} from '@nndl/tensor';
import { type ConvLayer, convOutputSize, type Prepared, type Runner, randomValues } from './runner.js';

/**
 * Which CPU kernels a runner uses: the backend's start-up choice (pinned to one thread by `pnpm bench`), the
 * TypeScript kernels alone, or the wasm kernels with large calls split across two threads.
 */
export type NndlKernels = 'default' | 'ts' | 'threads';

let tsBackend: Backend | null = null;
function tsOnlyBackend(): Backend {
  tsBackend ??= createCpuBackend({ kernels: 'ts' });
  return tsBackend;
}

let threadsBackend: Backend | null = null;
/** A CPU backend with two kernel threads (the worker starts in the background: see twoThreadsReady). */
export function twoThreadsBackend(): Backend {
  threadsBackend ??= createCpuBackend({ threads: 2 });
  return threadsBackend;
}

/** Wait (up to 2 s) for the two-thread backend's worker; false where it cannot start (one core, no workers). */
export async function twoThreadsReady(): Promise<boolean> {
  const backend = twoThreadsBackend();
  for (let i = 0; i < 200 && cpuThreads(backend) !== 2; i++) await new Promise((r) => setTimeout(r, 10));
  return cpuThreads(backend) === 2;
}

/** The CPU kernel set that `choice` names (a kernel table of the real backend, or of another CPU backend). */
function cpuKernels(choice: NndlKernels): Backend['kernels'] {
  if (choice === 'ts') return tsOnlyBackend().kernels;
  if (choice === 'threads') return twoThreadsBackend().kernels;
  return getBackend('cpu').kernels;
}

/** The variant that runs BatchMatMul for `choice` ('wasm-simd' or 'ts'), for the table's notes. */
export function matmulVariant(choice: NndlKernels): string {
  return cpuKernels(choice).get(kernels.BatchMatMul)?.variant ?? 'none';
}

/**
 * Run `fn` with the 'cpu' backend's kernels swapped for the TypeScript ones (models use the default backend), then
 * restore them.
 */
export function withCpuKernels<T>(choice: NndlKernels, fn: () => T): T {
  if (choice === 'default') return fn();
  const table = getBackend('cpu').kernels;
  const saved = new Map(table);
  for (const [name, impl] of cpuKernels(choice)) table.set(name, impl);
  try {
    return fn();
  } finally {
    table.clear();
    for (const [name, impl] of saved) table.set(name, impl);
  }
}

function info(shape: number[], seed: number): TensorInfo {
  const size = shape.reduce((a, b) => a * b, 1);
  return { handle: randomValues(size, seed), shape, dtype: 'float32' };
}

/** Kernels ignore the backend argument on the CPU; passing the real one keeps the call honest. */
function call(kernel: KernelFn, inputs: TensorInfo[], attrs: object): TensorInfo {
  return kernel(inputs, attrs as never, getBackend('cpu'));
}

export function nndlRunner(choice: NndlKernels = 'default'): Runner {
  const cpuKernel = (name: string): KernelFn => {
    const kernel = cpuKernels(choice).get(name);
    if (!kernel) throw new Error(`bench: the CPU backend has no kernel '${name}'`);
    return kernel.fn;
  };
  const kernelNote =
    `${choice === 'ts' ? 'nndl-ts' : 'nndl'}: CPU kernels (${matmulVariant(choice)}) called directly through the ` +
    'backend kernel table (no Tensor/autograd overhead)';
  return {
    name: choice === 'ts' ? 'nndl-ts' : 'nndl',

    async matmul(n: number): Promise<Prepared> {
      const matMul = cpuKernel(kernels.BatchMatMul);
      const a = info([1, n, n], 1);
      const b = info([1, n, n], 2);
      const attrs = { transposeA: false, transposeB: false };
      return { step: () => void call(matMul, [a, b], attrs), dispose: () => {}, note: kernelNote };
    },

    async conv2dForward(layer: ConvLayer): Promise<Prepared> {
      const forward = cpuKernel(kernels.Conv2D);
      const x = info([layer.batch, layer.inChannels, layer.height, layer.width], 3);
      const w = info([layer.outChannels, layer.inChannels, layer.kernel, layer.kernel], 4);
      const attrs = { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
      return { step: () => void call(forward, [x, w], attrs), dispose: () => {}, note: kernelNote };
    },

    async conv2dForwardBackward(layer: ConvLayer): Promise<Prepared> {
      const forward = cpuKernel(kernels.Conv2D);
      const backpropInput = cpuKernel(kernels.Conv2DBackpropInput);
      const backpropFilter = cpuKernel(kernels.Conv2DBackpropFilter);
      const [outH, outW] = convOutputSize(layer);
      const xShape = [layer.batch, layer.inChannels, layer.height, layer.width];
      const wShape = [layer.outChannels, layer.inChannels, layer.kernel, layer.kernel];
      const x = info(xShape, 3);
      const w = info(wShape, 4);
      const dy = info([layer.batch, layer.outChannels, outH, outW], 5);
      const attrs = { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
      const inputAttrs = { ...attrs, inputShape: xShape };
      const filterAttrs = { ...attrs, filterShape: wShape };
      return {
        step: () => {
          call(forward, [x, w], attrs);
          call(backpropInput, [dy, w], inputAttrs);
          call(backpropFilter, [x, dy], filterAttrs);
        },
        dispose: () => {},
        note: kernelNote,
      };
    },

    async tinyAdd(size: number): Promise<Prepared> {
      const a = tensor(Array.from(randomValues(size, 6)));
      const b = tensor(Array.from(randomValues(size, 7)));
      return { step: () => void a.add(b), dispose: () => {} };
    },
  };
}
