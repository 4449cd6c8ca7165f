/** Indexing: index_select, gather, scatter, scatter_add, masked_fill, one_hot. Indices are int32 tensors. */
import { needsGrad, record } from '../autograd/node.js';
import * as K from '../kernel_names.js';
import { formatShape, normalizeDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { where } from './elementwise.js';
import { runKernel, scalarLike } from './kernel.js';

function checkIndex(index: Tensor, op: string): void {
  if (!(index instanceof Tensor)) throw new Error(`${op}: index must be a tensor`);
  if (index.dtype !== 'int32') {
    throw new Error(`${op}: index must be an int32 tensor, got ${index.dtype}. Convert it with .int().`);
  }
}

function zerosOf(shape: readonly number[], like: Tensor): Tensor {
  return runKernel(K.Fill, [], { shape: shape.slice(), value: 0, dtype: like.dtype }, like._backend);
}

/** Rows (or slices along `dim`) picked by a 1-D index. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndex(index, 'indexSelect');
  if (index.ndim > 1)
    throw new Error(`indexSelect: index must be 1-D, got shape ${formatShape(index.shape)}`);
  const d = normalizeDim(dim, x.ndim, 'indexSelect');
  const idx = index.ndim === 0 ? index.reshape([1]) : index;
  const out = runKernel(K.IndexSelect, [x, idx], { dim: d });
  if (needsGrad(x)) {
    record('IndexSelectBackward', [x], out, (g) => [indexAdd(zerosOf(x.shape, g), d, idx, g)], []);
  }
  return out;
}

/** A copy of x with the slices of src added at index along dim (torch.index_add). */
export function indexAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkIndex(index, 'indexAdd');
  const d = normalizeDim(dim, x.ndim, 'indexAdd');
  const out = runKernel(K.IndexAdd, [x, index, src], { dim: d });
  if (needsGrad(x, src)) {
    record(
      'IndexAddBackward',
      [x, src],
      out,
      (g, need) => [need[0] ? g : null, need[1] ? indexSelect(g, d, index) : null],
      [],
    );
  }
  return out;
}

function checkGatherShapes(x: Tensor, index: Tensor, d: number, op: string): void {
  if (index.ndim !== x.ndim) {
    throw new Error(
      `${op}: index ${formatShape(index.shape)} must have as many dims as the input ${formatShape(x.shape)}`,
    );
  }
  for (let i = 0; i < x.ndim; i++) {
    if (i !== d && index.shape[i]! > x.shape[i]!) {
      throw new Error(
        `${op}: index ${formatShape(index.shape)} is larger than the input ${formatShape(x.shape)} in dimension ${i}`,
      );
    }
  }
}

/**
 * torch.gather: out[i][j] = x[i][index[i][j]] for dim 1.
 * @example x.gather(1, labels.unsqueeze(1)) // pick each row's label column
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndex(index, 'gather');
  const d = normalizeDim(dim, x.ndim, 'gather');
  checkGatherShapes(x, index, d, 'gather');
  const out = runKernel(K.GatherElements, [x, index], { dim: d });
  if (needsGrad(x))
    record('GatherBackward', [x], out, (g) => [scatterAdd(zerosOf(x.shape, g), d, index, g)], []);
  return out;
}

/** A copy of x with src (or a value) written at index along dim. */
export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  checkIndex(index, 'scatter');
  const d = normalizeDim(dim, x.ndim, 'scatter');
  checkGatherShapes(x, index, d, 'scatter');
  const source = typeof src === 'number' ? scalarLike(src, x).expand(index.shape as number[]) : src;
  const out = runKernel(K.ScatterElements, [x, index, source], { dim: d, reduction: 'none' });
  if (needsGrad(x, source)) {
    record(
      'ScatterBackward',
      [x, source],
      out,
      (g, need) => [need[0] ? scatter(g, d, index, 0) : null, need[1] ? gather(g, d, index) : null],
      [],
    );
  }
  return out;
}

/** A copy of x with src added at index along dim (duplicates accumulate). */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkIndex(index, 'scatterAdd');
  const d = normalizeDim(dim, x.ndim, 'scatterAdd');
  checkGatherShapes(x, index, d, 'scatterAdd');
  const out = runKernel(K.ScatterElements, [x, index, src], { dim: d, reduction: 'add' });
  if (needsGrad(x, src)) {
    record(
      'ScatterAddBackward',
      [x, src],
      out,
      (g, need) => [need[0] ? g : null, need[1] ? gather(g, d, index) : null],
      [],
    );
  }
  return out;
}

/** value where mask is true, x elsewhere (mask broadcasts). */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (mask.dtype !== 'bool') throw new Error(`maskedFill: mask must be a bool tensor, got ${mask.dtype}`);
  return where(mask, scalarLike(value, x), x);
}

/**
 * One-hot encoding of integer classes: shape [...x.shape, numClasses].
 * @example oneHot(tensor([0, 2], { dtype: 'int32' }), 3).float()
 */
export function oneHot(x: Tensor, numClasses = -1, dtype: 'int32' | 'float32' | 'float64' = 'int32'): Tensor {
  if (x.dtype !== 'int32')
    throw new Error(`oneHot: expected an int32 tensor of class indices, got ${x.dtype}`);
  let depth = numClasses;
  if (depth === -1) {
    const values = x.dataSync();
    depth = values.length === 0 ? 0 : Math.max(...values) + 1;
  }
  return runKernel(K.OneHot, [x], { depth, dtype });
}
