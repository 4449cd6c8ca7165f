/** Creating tensors: from data, filled, ranges, random (all random functions use the seedable generator). */
import { needsGrad, record } from '../autograd/node.js';
import { getBackend } from '../backend.js';
import { allocate, convertArray, type DType, dtypeOfArray, isFloating, type TypedArray } from '../dtype.js';
import * as K from '../kernel_names.js';
import { defaultGenerator, type Generator } from '../random.js';
import { assertValidShape, formatShape, sizeOf } from '../shape.js';
import { allocatePinned } from '../storage_pool.js';
import { type NestedArray, Tensor } from '../tensor.js';
import { runKernel } from './kernel.js';

export interface TensorOptions {
  dtype?: DType;
  /** 'cpu' (default: the default backend) or 'webgl'. */
  device?: string;
  requiresGrad?: boolean;
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

type ShapeLike = number | readonly number[];
const toShape = (s: ShapeLike, op: string): number[] => {
  const shape = typeof s === 'number' ? [s] : s.slice();
  assertValidShape(shape, op);
  return shape;
};

function finish(values: TypedArray, shape: readonly number[], dtype: DType, options: TensorOptions): Tensor {
  const backend = getBackend(options.device);
  const t = new Tensor(backend.write(values, shape, dtype), shape, dtype, backend);
  if (options.requiresGrad) t.requiresGrad_(true);
  return t;
}

function inferShape(data: NestedArray, op: string): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0]!;
  }
  // Check that the nesting is rectangular, naming the first offending position.
  const check = (value: NestedArray, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (Array.isArray(value))
        throw new Error(`${op}: ragged nested array: too deep at [${path.join('][')}]`);
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[depth]) {
      throw new Error(
        `${op}: ragged nested array: expected a sequence of length ${shape[depth]} at ` +
          `${path.length ? `[${path.join('][')}]` : 'the top level'}, got ${Array.isArray(value) ? `length ${value.length}` : String(value)}`,
      );
    }
    for (let i = 0; i < value.length; i++) check(value[i]!, depth + 1, [...path, i]);
  };
  check(data, 0, []);
  return shape;
}

/**
 * A tensor from nested arrays, a typed array (1-D) or a scalar; always a copy. The dtype is inferred as PyTorch
 * does (booleans -> bool, integers -> int32, otherwise float32; Float64Array -> float64) unless given.
 * @example tensor([[1, 2], [3, 4]], { dtype: 'float32', requiresGrad: true })
 */
export function tensor(
  data: NestedArray | ArrayLike<number> | TypedArray,
  options: TensorOptions = {},
): Tensor {
  if (ArrayBuffer.isView(data)) {
    const view: object = data;
    const array = data as unknown as ArrayLike<number>;
    const inferred: DType =
      view instanceof Float32Array || view instanceof Float64Array
        ? dtypeOfArray(view)
        : view instanceof Int32Array ||
            view instanceof Uint8Array ||
            view instanceof Int16Array ||
            view instanceof Uint16Array ||
            view instanceof Int8Array ||
            view instanceof Uint8ClampedArray
          ? 'int32'
          : 'float32';
    const dtype = options.dtype ?? inferred;
    return finish(convertArray(array, dtype), [array.length], dtype, options);
  }
  const nested = data as NestedArray;
  const shape = inferShape(nested, 'tensor');
  const flat: (number | boolean)[] = Array.isArray(nested)
    ? ((nested as unknown[]).flat(Number.POSITIVE_INFINITY as 1) as (number | boolean)[])
    : [nested];
  let dtype = options.dtype;
  // Integer data meant to be differentiated is float data: tensor([1, 2], { requiresGrad: true }) is float32.
  if (dtype === undefined && options.requiresGrad) dtype = 'float32';
  if (dtype === undefined) {
    if (flat.length > 0 && flat.every((v) => typeof v === 'boolean')) dtype = 'bool';
    else if (flat.length > 0 && flat.every((v) => typeof v === 'boolean' || Number.isInteger(v)))
      dtype = 'int32';
    else dtype = 'float32';
  }
  for (const v of flat) {
    if (typeof v !== 'number' && typeof v !== 'boolean') {
      throw new Error(`tensor: expected numbers or booleans, got ${typeof v} (${String(v)})`);
    }
  }
  return finish(convertArray(flat as number[], dtype), shape, dtype, options);
}

/**
 * Wrap a typed array as a tensor without copying (the tensor uses the array as its storage on the CPU).
 * Float32Array -> float32, Float64Array -> float64, Int32Array -> int32, Uint8Array -> bool.
 * @example asTensor(new Float32Array(784), [1, 28, 28])
 */
export function asTensor(
  values: TypedArray,
  shape?: readonly number[],
  options: Omit<TensorOptions, 'dtype'> = {},
): Tensor {
  const target = shape ? shape.slice() : [values.length];
  assertValidShape(target, 'asTensor');
  if (sizeOf(target) !== values.length) {
    throw new Error(
      `asTensor: shape ${formatShape(target)} needs ${sizeOf(target)} values, the array has ${values.length}`,
    );
  }
  return finish(values, target, dtypeOfArray(values), options);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: ShapeLike, value: number, options: TensorOptions = {}): Tensor {
  const s = toShape(shape, 'full');
  const dtype = options.dtype ?? 'float32';
  const t = runKernel(K.Fill, [], { shape: s, value, dtype }, getBackend(options.device));
  if (options.requiresGrad) t.requiresGrad_(true);
  return t;
}

export const zeros = (shape: ShapeLike, options: TensorOptions = {}) => full(shape, 0, options);
export const ones = (shape: ShapeLike, options: TensorOptions = {}) => full(shape, 1, options);

const likeOptions = (x: Tensor, options: TensorOptions): TensorOptions => ({
  dtype: x.dtype,
  device: x.device,
  ...options,
});
export const zerosLike = (x: Tensor, options: TensorOptions = {}) =>
  full(x.shape, 0, likeOptions(x, options));
export const onesLike = (x: Tensor, options: TensorOptions = {}) => full(x.shape, 1, likeOptions(x, options));
export const fullLike = (x: Tensor, value: number, options: TensorOptions = {}) =>
  full(x.shape, value, likeOptions(x, options));

/** The n x m identity matrix. */
export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  const dtype = options.dtype ?? 'float32';
  const values = allocate(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  return finish(values, toShape([n, m], 'eye'), dtype, options);
}

/**
 * Values from start to end (exclusive) by step; int32 when all arguments are integers, as PyTorch.
 * @example arange(5) // [0, 1, 2, 3, 4]
 */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0) throw new Error('arange: step must be nonzero');
  if ((end - start) / step < 0)
    throw new Error(
      `arange: upper bound and step sign are inconsistent (start ${start}, end ${end}, step ${step})`,
    );
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = options.dtype ?? ([start, end, step].every(Number.isInteger) ? 'int32' : 'float32');
  const values = allocate(dtype, n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return finish(values, [n], dtype, options);
}

/** `steps` evenly spaced values from start to end, both included. */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new Error(`linspace: number of steps must be a non-negative integer, got ${steps}`);
  const dtype = options.dtype ?? 'float32';
  const values = allocate(dtype, steps);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) values[i] = i === steps - 1 && steps > 1 ? end : start + i * delta;
  return finish(values, [steps], dtype, options);
}

function randomTensor(
  shape: ShapeLike,
  options: RandomOptions,
  op: string,
  sample: (g: Generator) => number,
): Tensor {
  const s = toShape(shape, op);
  const dtype = options.dtype ?? 'float32';
  if (!isFloating(dtype)) throw new Error(`${op}: expected a floating-point dtype, got ${dtype}`);
  const g = options.generator ?? defaultGenerator;
  const values = allocate(dtype, sizeOf(s));
  for (let i = 0; i < values.length; i++) values[i] = sample(g);
  return finish(values, s, dtype, options);
}

/** Uniform samples in [0, 1). */
export const rand = (shape: ShapeLike, options: RandomOptions = {}) =>
  randomTensor(shape, options, 'rand', (g) => g.random());
/** Standard normal samples. */
export const randn = (shape: ShapeLike, options: RandomOptions = {}) =>
  randomTensor(shape, options, 'randn', (g) => g.normal());
export const randLike = (x: Tensor, options: RandomOptions = {}) =>
  rand(x.shape, { dtype: x.dtype, device: x.device, ...options });
export const randnLike = (x: Tensor, options: RandomOptions = {}) =>
  randn(x.shape, { dtype: x.dtype, device: x.device, ...options });

/** Uniform integers in [low, high). */
export function randint(low: number, high: number, shape: ShapeLike, options: RandomOptions = {}): Tensor {
  if (!(high > low)) throw new Error(`randint: expected low < high, got low=${low}, high=${high}`);
  const s = toShape(shape, 'randint');
  const dtype = options.dtype ?? 'int32';
  const g = options.generator ?? defaultGenerator;
  const values = allocate(dtype, sizeOf(s));
  for (let i = 0; i < values.length; i++) values[i] = g.randint(low, high);
  return finish(values, s, dtype, options);
}

/** A random permutation of 0..n-1 (Fisher-Yates). */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  const g = options.generator ?? defaultGenerator;
  const values = new Int32Array(n);
  for (let i = 0; i < n; i++) values[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = g.randint(0, i + 1);
    const tmp = values[i]!;
    values[i] = values[j]!;
    values[j] = tmp;
  }
  const dtype = options.dtype ?? 'int32';
  return finish(dtype === 'int32' ? values : convertArray(values, dtype), [n], dtype, options);
}

/** Move a tensor to another device; gradients flow back to the source device. */
export function toDevice(x: Tensor, device: string): Tensor {
  const backend = getBackend(device);
  if (backend === x._backend) return x;
  x.checkAlive('to');
  const values = x._backend.readSync(x.handle, x.dtype);
  const out = new Tensor(backend.write(values.slice(), x.shape, x.dtype), x.shape, x.dtype, backend);
  if (needsGrad(x)) record('ToCopyBackward', [x], out, (g) => [toDevice(g, x.device)], []);
  return out;
}

/**
 * A copy of `x` whose storage lives in the CPU kernels' WebAssembly memory, where the CPU backend runs the threads
 * build (Node; cross-origin isolated browsers): wasm kernels then read it, and in-place updates (an optimizer's
 * `add_`) write it, with no copies at the kernel boundary. For long-lived float32 tensors such as a model's
 * parameters (`module.pinMemory()` in @nndl/nn; the engine's Trainer pins its model's). Elsewhere (another device or
 * dtype, fewer than 256 elements, no shared memory) a plain copy. The copy is detached, as PyTorch's `pin_memory()`
 * (named after it: storage placed where the device reads it fastest). Its block returns to the storage pool when the
 * tensor is disposed or garbage-collected.
 */
export function pinMemory(x: Tensor): Tensor {
  x.checkAlive('pinMemory');
  if (x._backend.name === 'cpu' && x.dtype === 'float32' && x.handle instanceof Float32Array) {
    const block = allocatePinned(x.numel());
    if (block) {
      block.set(x.handle);
      return new Tensor(block, x.shape.slice(), 'float32', x._backend);
    }
  }
  return runKernel(K.Identity, [x]);
}
