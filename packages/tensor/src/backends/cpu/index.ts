/**
 * The CPU backend: storage is a typed array (the handle IS the array: a JavaScript array, or inside `tidy` over the
 * threads build a view into the kernels' wasm memory, see storage_pool.ts), kernels are TypeScript functions on
 * typed arrays. A kernel may be registered in several variants: the heavy float32 kernels (BatchMatMul, Conv2D and
 * its backprops, pooling and its backprops) and the float32 elementwise kernels a benchmark showed faster (Sigmoid
 * and its gradient, Add/Sub/Mul/RealDiv with a per-channel broadcast, Sum) also exist as WebAssembly SIMD
 * ('wasm-simd', compiled from assembly/), chosen when the backend starts if the engine validates the module;
 * `NNDL_CPU_KERNELS=ts` (or `createCpuBackend({ kernels: 'ts' })`) forces the TypeScript kernels. With two or more
 * cores, large wasm kernel calls split across a worker thread over shared memory (wasm/threads.ts): in Node's main
 * thread, and in cross-origin isolated browser pages and workers; `NNDL_CPU_THREADS=1` (or
 * `createCpuBackend({ threads: 1 })`) turns that off.
 */
import {
  type Backend,
  getBackend,
  type KernelFn,
  type KernelImplementation,
  type MemoryInfo,
} from '../../backend.js';
import { type DType, dtypeOfArray, type TypedArray } from '../../dtype.js';
import * as K from '../../kernel_names.js';
import {
  adopt,
  cachedBytes,
  isResident,
  isScopedResident,
  markEscaped,
  recycle,
  setResidentHeap,
} from '../../storage_pool.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './conv2d.js';
import {
  activationGradKernel,
  binaryKernel,
  broadcastToKernel,
  cast,
  clip,
  select,
  unaryKernel,
} from './elementwise.js';
import { batchMatMul } from './matmul.js';
import {
  concat,
  fill,
  gatherElements,
  identity,
  indexAdd,
  indexSelect,
  oneHot,
  pad,
  scatterElements,
  slice,
  sliceGrad,
  tile,
  transpose,
} from './movement.js';
import { avgPool2d, avgPool2dGrad, maxPool2d, maxPool2dGrad } from './pool.js';
import { argMax, argMin, logSoftmax, max, min, softmax, sum } from './reduce.js';
import {
  addScaledWasm,
  WASM_MIN_ADD_SCALED,
  wasmAvgPool2dGrad,
  wasmBatchMatMul,
  wasmBinary,
  wasmConv2d,
  wasmConv2dBackpropFilter,
  wasmConv2dBackpropInput,
  wasmMaxPool2dGrad,
  wasmPool2d,
  wasmSigmoid,
  wasmSigmoidGrad,
  wasmSum,
} from './wasm/kernels.js';
import {
  loadThreadedWasmKernels,
  loadWasmKernels,
  type WasmArena,
  type WasmModuleKind,
} from './wasm/module.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The TypeScript kernel table. Expressions are compiled into one loop per kernel (see elementwise.ts). */
export const tsKernels: Record<string, KernelFn> = {
  [K.Neg]: unaryKernel('-x', (x) => -x),
  [K.Exp]: unaryKernel('Math.exp(x)', Math.exp),
  [K.Log]: unaryKernel('Math.log(x)', Math.log),
  [K.Sqrt]: unaryKernel('Math.sqrt(x)', Math.sqrt),
  [K.Abs]: unaryKernel('Math.abs(x)', Math.abs),
  [K.Sign]: unaryKernel('x > 0 ? 1 : x < 0 ? -1 : x', Math.sign),
  // Branch on the sign so that exp never overflows: sigmoid(-1000) is 0, not NaN.
  [K.Sigmoid]: unaryKernel('x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))', sigmoid),
  [K.Tanh]: unaryKernel('Math.tanh(x)', Math.tanh),
  [K.Relu]: unaryKernel('x > 0 ? x : (x !== x ? x : 0)', (x) => (x > 0 ? x : Number.isNaN(x) ? x : 0)),
  [K.Sin]: unaryKernel('Math.sin(x)', Math.sin),
  [K.Cos]: unaryKernel('Math.cos(x)', Math.cos),
  [K.Floor]: unaryKernel('Math.floor(x)', Math.floor),
  [K.LogicalNot]: unaryKernel('x ? 0 : 1', (x) => (x ? 0 : 1), 'bool'),
  // Activation gradients from the output: a is y, b is dy. Same arithmetic order as the composite ops they replace.
  [K.SigmoidGrad]: activationGradKernel(K.SigmoidGrad, 'b * (a * (1 - a))', (y, dy) => dy * (y * (1 - y))),
  [K.TanhGrad]: activationGradKernel(K.TanhGrad, 'b * (1 - a * a)', (y, dy) => dy * (1 - y * y)),
  [K.ReluGrad]: activationGradKernel(K.ReluGrad, 'a > 0 ? b : 0 * b', (y, dy) => (y > 0 ? dy : 0 * dy)),
  [K.ClipByValue]: clip,
  [K.Cast]: cast,
  [K.Add]: binaryKernel('add', 'a + b', (a, b) => a + b),
  [K.Sub]: binaryKernel('sub', 'a - b', (a, b) => a - b),
  [K.Mul]: binaryKernel('mul', 'a * b', (a, b) => a * b),
  [K.Div]: binaryKernel('div', 'a / b', (a, b) => a / b),
  [K.Pow]: binaryKernel('pow', 'Math.pow(a, b)', Math.pow),
  // NaN propagates through maximum/minimum, as in PyTorch.
  [K.Maximum]: binaryKernel('maximum', '(a > b || a !== a) ? a : b', (a, b) =>
    a > b || Number.isNaN(a) ? a : b,
  ),
  [K.Minimum]: binaryKernel('minimum', '(a < b || a !== a) ? a : b', (a, b) =>
    a < b || Number.isNaN(a) ? a : b,
  ),
  [K.Equal]: binaryKernel('eq', 'a === b ? 1 : 0', (a, b) => +(a === b), 'bool'),
  [K.NotEqual]: binaryKernel('ne', 'a !== b ? 1 : 0', (a, b) => +(a !== b), 'bool'),
  [K.Greater]: binaryKernel('gt', 'a > b ? 1 : 0', (a, b) => +(a > b), 'bool'),
  [K.GreaterEqual]: binaryKernel('ge', 'a >= b ? 1 : 0', (a, b) => +(a >= b), 'bool'),
  [K.Less]: binaryKernel('lt', 'a < b ? 1 : 0', (a, b) => +(a < b), 'bool'),
  [K.LessEqual]: binaryKernel('le', 'a <= b ? 1 : 0', (a, b) => +(a <= b), 'bool'),
  [K.LogicalAnd]: binaryKernel('logicalAnd', '(a && b) ? 1 : 0', (a, b) => +(a && b), 'bool'),
  [K.LogicalOr]: binaryKernel('logicalOr', '(a || b) ? 1 : 0', (a, b) => +(a || b), 'bool'),
  [K.Select]: select,
  [K.Sum]: sum,
  [K.Max]: max,
  [K.Min]: min,
  [K.ArgMax]: argMax,
  [K.ArgMin]: argMin,
  [K.Softmax]: softmax,
  [K.LogSoftmax]: logSoftmax,
  [K.BatchMatMul]: batchMatMul,
  [K.Conv2D]: conv2d,
  [K.Conv2DBackpropInput]: conv2dBackpropInput,
  [K.Conv2DBackpropFilter]: conv2dBackpropFilter,
  [K.MaxPool2D]: maxPool2d,
  [K.MaxPool2DGrad]: maxPool2dGrad,
  [K.AvgPool2D]: avgPool2d,
  [K.AvgPool2DGrad]: avgPool2dGrad,
  [K.Identity]: identity,
  [K.Transpose]: transpose,
  [K.Slice]: slice,
  [K.SliceGrad]: sliceGrad,
  [K.PadV2]: pad,
  [K.Concat]: concat,
  [K.Tile]: tile,
  [K.BroadcastTo]: broadcastToKernel,
  [K.GatherElements]: gatherElements,
  [K.ScatterElements]: scatterElements,
  [K.IndexSelect]: indexSelect,
  [K.IndexAdd]: indexAdd,
  [K.OneHot]: oneHot,
  [K.Fill]: fill,
};

/**
 * CPU storage is garbage-collected typed arrays. `memory()` counts nothing: tracking every array with a
 * FinalizationRegistry would cost more than a tiny op itself (a registration per tensor).
 */
class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly kernels = new Map<string, KernelImplementation>();
  readonly arena: WasmArena | null;
  /** Whether this backend's large wasm kernels may split across the arena's worker (false for `threads: 1`). */
  readonly threads: boolean;

  constructor(arena: WasmArena | null, threads = true) {
    this.arena = arena;
    this.threads = threads;
    for (const [name, fn] of Object.entries(tsKernels)) this.kernels.set(name, { variant: 'ts', fn });
    if (arena) {
      const wasm: [string, (arena: WasmArena, ts: KernelFn) => KernelFn][] = [
        [K.BatchMatMul, wasmBatchMatMul],
        [K.Conv2D, wasmConv2d],
        [K.Conv2DBackpropInput, wasmConv2dBackpropInput],
        [K.Conv2DBackpropFilter, wasmConv2dBackpropFilter],
        [K.MaxPool2D, (arena, ts) => wasmPool2d(arena, ts, 'max')],
        [K.MaxPool2DGrad, wasmMaxPool2dGrad],
        [K.AvgPool2D, (arena, ts) => wasmPool2d(arena, ts, 'avg')],
        [K.AvgPool2DGrad, wasmAvgPool2dGrad],
        [K.Sigmoid, (arena, ts) => wasmSigmoid(arena, ts)],
        [K.SigmoidGrad, (arena, ts) => wasmSigmoidGrad(arena, ts)],
        [K.Add, (arena, ts) => wasmBinary(arena, ts, 'add')],
        [K.Sub, (arena, ts) => wasmBinary(arena, ts, 'sub')],
        [K.Mul, (arena, ts) => wasmBinary(arena, ts, 'mul')],
        [K.Div, (arena, ts) => wasmBinary(arena, ts, 'div')],
        [K.Sum, (arena, ts) => wasmSum(arena, ts)],
      ];
      for (const [name, make] of wasm) {
        const fn = make(arena, tsKernels[name]!);
        // The arena (and its worker) is shared by every CPU backend of the process; each call says whether it may
        // split, so that a one-thread backend stays on one thread beside a two-thread one.
        const run: KernelFn = (inputs, attrs, backend) => {
          arena.threads = threads;
          return fn(inputs, attrs, backend);
        };
        this.kernels.set(name, { variant: 'wasm-simd', fn: run });
      }
    }
  }

  write(values: TypedArray): unknown {
    return values;
  }
  async read(handle: unknown): Promise<TypedArray> {
    return this.readSync(handle);
  }
  readSync(handle: unknown): TypedArray {
    // Storage in the kernels' wasm memory is read as a copy: a view into that memory must not outlive its block's
    // reuse (nor share the memory with another thread it is posted to).
    if (isResident(handle)) return (handle as Float32Array).slice();
    // Otherwise the caller gets the storage itself: it must never be recycled for another tensor.
    markEscaped(handle);
    return handle as TypedArray;
  }
  assign(target: unknown, values: unknown, _dtype: DType): void {
    (target as TypedArray).set(values as TypedArray);
  }
  dispose(handle: unknown): void {
    // The array goes back to the storage pool (if the pool made it); otherwise the garbage collector takes it.
    recycle(handle, dtypeOfArray(handle as TypedArray));
  }
  relocate(handle: unknown): unknown {
    // A block of the kernels' wasm memory made for a scoped tensor (not a pinned one) is not kept for a tensor that
    // outlives every scope: a synchronous loop that never disposes would otherwise hold on to new blocks until the
    // FinalizationRegistry runs, which it never does. The values move to a typed array; the block is free again.
    if (!isScopedResident(handle)) return handle;
    const copy = adopt((handle as Float32Array).slice());
    recycle(handle, 'float32');
    return copy;
  }
  addScaledInPlace(target: unknown, x: unknown, alpha: number, dtype: DType): boolean {
    const y = target as TypedArray;
    const v = x as TypedArray;
    if ((dtype !== 'float32' && dtype !== 'float64') || y.length !== v.length) return false;
    if (this.arena && dtype === 'float32' && y.length >= WASM_MIN_ADD_SCALED) {
      addScaledWasm(this.arena, y as Float32Array, v as Float32Array, alpha);
    } else addScaledLoop(y as Float32Array | Float64Array, v as Float32Array | Float64Array, alpha);
    return true;
  }
  memory(): MemoryInfo {
    return { numHandles: 0, numBytes: 0, cachedBytes: cachedBytes() };
  }
}

/**
 * y += alpha x, the JavaScript loop. Float32 arrays get float32 arithmetic, as the wasm path (and PyTorch) compute
 * it: alpha and the product rounded to float32, then the sum (computing in double and rounding each result to float32
 * gives the float32 result exactly for a product and a sum), so the result does not depend on the tensor's size.
 */
function addScaledLoop(y: Float32Array | Float64Array, x: Float32Array | Float64Array, alpha: number): void {
  const n = y.length;
  if (y instanceof Float32Array) {
    const a = Math.fround(alpha);
    for (let i = 0; i < n; i++) y[i] = y[i]! + Math.fround(a * x[i]!);
    return;
  }
  for (let i = 0; i < n; i++) y[i] = y[i]! + alpha * x[i]!;
}

export { setConvWinograd } from './wasm/kernels.js';

/**
 * Threads the CPU backend's large wasm kernels run on now: 2 once its kernel worker is up (wasm/threads.ts), else 1
 * (threads off or impossible here, one core, not cross-origin isolated, or the worker still starting). 1 for any
 * backend other than the CPU's.
 */
export function cpuThreads(backend: Backend = getBackend('cpu')): 1 | 2 {
  return backend instanceof CpuBackend && backend.threads && backend.arena?.pool?.ready() ? 2 : 1;
}

/**
 * Which WebAssembly module the CPU backend's wasm kernels run ('relaxed-simd' or 'simd', with '-threads' for the
 * shared-memory build that splits large calls), or null where it runs the TypeScript kernels only.
 */
export function cpuWasmModule(backend: Backend = getBackend('cpu')): WasmModuleKind | null {
  return backend instanceof CpuBackend ? (backend.arena?.kind ?? null) : null;
}

/**
 * Turn the CPU backend's kernel splitting off (1) or back on ('auto': large calls split when the worker is up), at
 * run time. For code that parallelizes at a coarser grain on the main thread too: data-parallel training runs a
 * replica there, and a kernel worker on top of the replicas would oversubscribe the cores. Returns the previous
 * setting. No effect on a backend without a kernel worker.
 */
export function setCpuThreads(threads: 1 | 'auto', backend: Backend = getBackend('cpu')): 1 | 'auto' {
  if (threads !== 1 && threads !== 'auto') {
    throw new Error(`setCpuThreads: expected 1 or 'auto', got ${JSON.stringify(threads)}`);
  }
  const pool = backend instanceof CpuBackend ? backend.arena?.pool : null;
  if (!pool) return 'auto';
  const previous = pool.paused ? 1 : 'auto';
  // Paused, the pool reports not ready: every call runs here with the same split structure (the same bits).
  pool.paused = threads === 1;
  return previous;
}

/** Which kernels the CPU backend runs: 'auto' (WebAssembly SIMD where available, else TypeScript), or one of them. */
export type CpuKernelChoice = 'auto' | 'wasm' | 'ts';

export interface CpuBackendOptions {
  /** Default: the environment variable `NNDL_CPU_KERNELS` where there is one (Node), else 'auto'. */
  kernels?: CpuKernelChoice;
  /**
   * Threads for large wasm kernels: 'auto' (two where there are two cores and a worker can share the module's
   * memory: Node's main thread, or a cross-origin isolated browser page or worker; one elsewhere), or 1 to stay on
   * one thread. Default: the environment variable `NNDL_CPU_THREADS`
   * ('1', '2' or 'auto') where there is one (Node), else 'auto'. Only products above a measured size split
   * (wasm/kernels.ts, THREADS_MIN_MACS).
   */
  threads?: CpuThreadsChoice;
}

export type CpuThreadsChoice = 'auto' | 1 | 2;

function threadsChoiceFromEnvironment(): CpuThreadsChoice {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.NNDL_CPU_THREADS;
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === '1' || value === '2') return Number(value) as 1 | 2;
  throw new Error(`NNDL_CPU_THREADS must be 'auto', '1' or '2', got '${value}'`);
}

function kernelChoiceFromEnvironment(): CpuKernelChoice {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.NNDL_CPU_KERNELS;
  if (value === undefined || value === '') return 'auto';
  if (value === 'auto' || value === 'wasm' || value === 'ts') return value;
  throw new Error(`NNDL_CPU_KERNELS must be 'auto', 'wasm' or 'ts', got '${value}'`);
}

/**
 * The CPU backend. With kernels 'wasm' it throws where WebAssembly SIMD is unavailable; 'auto' quietly uses the
 * TypeScript kernels there.
 *
 * @example registerBackend('cpu', () => createCpuBackend({ kernels: 'ts' }))
 */
export function createCpuBackend(options: CpuBackendOptions = {}): Backend {
  const choice = options.kernels ?? kernelChoiceFromEnvironment();
  const threads = options.threads ?? threadsChoiceFromEnvironment();
  // The threads build runs on one thread too until its worker is up (or where there is one core); it is only
  // loaded where it can have a worker (Node, or a cross-origin isolated browser context, with shared memory), else
  // the single-threaded modules run.
  // With one thread the threads build still loads where it can (without its worker): its shared memory lets tensors
  // made inside tidy live in wasm memory, so that kernels read and write them without copies (storage_pool.ts).
  const arena = choice === 'ts' ? null : (loadThreadedWasmKernels(threads !== 1) ?? loadWasmKernels());
  if (arena?.shared) setResidentHeap(arena);
  if (choice === 'wasm' && !arena) {
    throw new Error(
      "cpu backend: kernels 'wasm' were requested, but this engine cannot run the WebAssembly SIMD module " +
        "(no SIMD support, or compilation refused); use 'auto' or 'ts'",
    );
  }
  return new CpuBackend(arena, threads !== 1);
}
