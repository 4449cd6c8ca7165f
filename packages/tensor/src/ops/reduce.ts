/** Reductions over dims (a number, a list, or all), with keepdim; max/min over a dim also return indices. */
import { needsGrad, record } from '../autograd/node.js';
import { isFloating } from '../dtype.js';
import * as K from '../kernel_names.js';
import { normalizeDim, normalizeDims } from '../shape.js';
import type { Tensor, ValuesIndices } from '../tensor.js';
import { cast, div, eq, exp, gt, log, mul, sqrt, sub, where } from './elementwise.js';
import { runKernel } from './kernel.js';
import { expand, reshape } from './shape.js';

export type Dims = number | readonly number[] | null | undefined;

/** The shape a keepdim=false result has after re-inserting the reduced dims as size 1. */
function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  const set = new Set(axes);
  return shape.map((d, i) => (set.has(i) ? 1 : d));
}

/** Broadcast a reduced gradient back to the input's shape. */
function expandBack(
  g: Tensor,
  inputShape: readonly number[],
  axes: readonly number[],
  keepdim: boolean,
): Tensor {
  const kept = keepdim ? g : reshape(g, keptShape(inputShape, axes));
  return expand(kept, inputShape);
}

/**
 * Sum over `dim` (all dims when omitted). Integer and bool tensors sum to int32.
 * @example x.sum(1, true) // shape [n, 1]
 */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const axes = normalizeDims(dim ?? undefined, x.ndim, 'sum');
  const out = runKernel(K.Sum, [x], { axes, keepDims: keepdim });
  if (needsGrad(x)) record('SumBackward', [x], out, (g) => [expandBack(g, x.shape, axes, keepdim)], []);
  return out;
}

export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  if (!isFloating(x.dtype)) {
    throw new Error(`mean: expected a floating-point tensor, got dtype ${x.dtype}. Use x.float().mean().`);
  }
  const axes = normalizeDims(dim ?? undefined, x.ndim, 'mean');
  let count = 1;
  for (const a of axes) count *= x.shape[a]!;
  return div(sum(x, axes, keepdim), count);
}

function extreme(kernel: string, name: string, x: Tensor): Tensor {
  if (x.numel() === 0) throw new Error(`${name}: cannot reduce an empty tensor (it has no ${name}imum)`);
  const axes = normalizeDims(undefined, x.ndim, name);
  const out = runKernel(kernel, [x], { axes, keepDims: false });
  if (needsGrad(x)) {
    record(
      `${kernel}Backward`,
      [x],
      out,
      (g) => {
        // The gradient is shared evenly between all maximal elements, as PyTorch does for a full reduction.
        const mask = cast(eq(x, out), g.dtype);
        return [div(mul(mask, g), sum(mask))];
      },
      [x, out],
    );
  }
  return out;
}

export const max = (x: Tensor) => extreme(K.Max, 'max', x);
export const min = (x: Tensor) => extreme(K.Min, 'min', x);

function extremeDim(
  kernel: string,
  argKernel: string,
  name: string,
  x: Tensor,
  dim: number,
  keepdim: boolean,
): ValuesIndices {
  const axis = normalizeDim(dim, x.ndim, name);
  if (x.ndim > 0 && x.shape[axis] === 0) throw new Error(`${name}: cannot reduce over a zero-size dimension`);
  const indices = runKernel(argKernel, [x], { axis, keepDims: keepdim });
  const values = runKernel(kernel, [x], { axes: x.ndim === 0 ? [] : [axis], keepDims: keepdim });
  if (needsGrad(x)) {
    record(
      `${kernel}Backward`,
      [x],
      values,
      (g) => {
        // The gradient goes to the element whose index was returned.
        const idx = keepdim || x.ndim === 0 ? indices : reshape(indices, keptShape(x.shape, [axis]));
        const gk = keepdim || x.ndim === 0 ? g : reshape(g, keptShape(x.shape, [axis]));
        const zeros = runKernel(K.Fill, [], { shape: x.shape, value: 0, dtype: g.dtype }, g._backend);
        return [x.ndim === 0 ? g : zeros.scatterAdd(axis, idx, gk)];
      },
      [],
    );
  }
  return Object.assign([values, indices] as [Tensor, Tensor], { values, indices });
}

export const maxDim = (x: Tensor, dim: number, keepdim = false) =>
  extremeDim(K.Max, K.ArgMax, 'max', x, dim, keepdim);
export const minDim = (x: Tensor, dim: number, keepdim = false) =>
  extremeDim(K.Min, K.ArgMin, 'min', x, dim, keepdim);

function argExtreme(
  kernel: string,
  name: string,
  x: Tensor,
  dim: number | undefined,
  keepdim: boolean,
): Tensor {
  if (dim === undefined) {
    const flat = reshape(x, [x.numel()]);
    const out = runKernel(kernel, [flat], { axis: 0, keepDims: false });
    return keepdim
      ? reshape(
          out,
          x.shape.map(() => 1),
        )
      : out;
  }
  const axis = normalizeDim(dim, x.ndim, name);
  return runKernel(kernel, [x], { axis, keepDims: keepdim });
}

/** Index of the maximum (the first one on ties), over all elements or along `dim`. */
export const argmax = (x: Tensor, dim?: number, keepdim = false) =>
  argExtreme(K.ArgMax, 'argmax', x, dim, keepdim);
export const argmin = (x: Tensor, dim?: number, keepdim = false) =>
  argExtreme(K.ArgMin, 'argmin', x, dim, keepdim);

export interface VarOptions {
  /** Bessel's correction: divide by N - correction (default 1, the unbiased estimate, as PyTorch). */
  correction?: number;
  /** PyTorch's older flag: unbiased=false is correction 0. */
  unbiased?: boolean;
  keepdim?: boolean;
}

/** Variance over `dim` (all dims when omitted). */
export function variance(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  const axes = normalizeDims(dim ?? undefined, x.ndim, 'var');
  const correction = options.correction ?? (options.unbiased === false ? 0 : 1);
  const keepdim = options.keepdim ?? false;
  let count = 1;
  for (const a of axes) count *= x.shape[a]!;
  const centered = sub(x, mean(x, axes, true));
  return div(sum(mul(centered, centered), axes, keepdim), Math.max(count - correction, 0));
}

export function std(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  return sqrt(variance(x, dim, options));
}

/** log(sum(exp(x))) over `dim`, computed stably by factoring out the maximum. */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  const axes = normalizeDims(dim, x.ndim, 'logsumexp');
  // The shift is a constant for the gradient (d/dx lse = softmax(x) whatever it is); an all -inf slice shifts by 0.
  const m = runKernel(K.Max, [x], { axes, keepDims: true });
  const finite = where(eq(m, Number.NEGATIVE_INFINITY), 0, m);
  const shifted = log(sum(exp(sub(x, finite)), axes, true));
  const out = shifted.add(finite);
  return keepdim
    ? out
    : reshape(
        out,
        x.shape.filter((_, i) => !axes.includes(i)),
      );
}

/** True when every element is non-zero. */
export function all(x: Tensor): Tensor {
  return eq(sum(cast(cast(x, 'bool'), 'int32')), x.numel());
}

/** True when some element is non-zero. */
export function any(x: Tensor): Tensor {
  return gt(sum(cast(cast(x, 'bool'), 'int32')), 0);
}
