/** Matrix products. Everything goes through one batched kernel with optional transposes (no transpose copies). */
import { isGradEnabled } from '../autograd/grad_mode.js';
import { needsGrad, record } from '../autograd/node.js';
import * as K from '../kernel_names.js';
import { broadcastShapes, formatShape, shapesEqual, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, sumTo } from './elementwise.js';
import { operandAs, runKernel } from './kernel.js';
import { sum } from './reduce.js';
import { expand, permute, reshape, squeeze } from './shape.js';

/**
 * The differentiable core: a [Ba, M, K] (or [Ba, K, M] when transposeA) times b [Bb, K, N] (or [Bb, N, K]), with
 * Ba, Bb equal or 1.
 */
export function batchMatMul3(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  const out = runKernel(K.BatchMatMul, [a, b], { transposeA, transposeB });
  if (needsGrad(a, b)) {
    record('MmBackward', [a, b], out, (g, need) => {
      let da: Tensor | null = null;
      let db: Tensor | null = null;
      // d(op(A) op(B)) with op a possible transpose: each gradient is one more product, also without copies.
      if (need[0])
        da = transposeA ? batchMatMul3(b, g, transposeB, true) : batchMatMul3(g, b, false, !transposeB);
      if (need[1])
        db = transposeB ? batchMatMul3(g, a, true, transposeA) : batchMatMul3(a, g, !transposeA, false);
      return [da && sumTo(da, a.shape), db && sumTo(db, b.shape)];
    });
  }
  return out;
}

function checkFloat(a: Tensor, b: Tensor, op: string): void {
  if (a.dtype !== b.dtype) {
    throw new Error(`${op}: expected both operands to have the same dtype, got ${a.dtype} and ${b.dtype}`);
  }
  if (a.dtype !== 'float32' && a.dtype !== 'float64') {
    throw new Error(`${op}: expected floating-point tensors, got ${a.dtype}. Convert with .float().`);
  }
}

/**
 * Matrix product with NumPy/PyTorch semantics: 1-D operands are vectors, batch dims broadcast.
 * @example matmul(randn([10, 3, 4]), randn([4, 5])) // [10, 3, 5]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkFloat(a, b, 'matmul');
  if (a.ndim === 0 || b.ndim === 0) {
    throw new Error(
      `matmul: both arguments need at least 1 dimension, got shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
  if (a.ndim === 2 && b.ndim === 2) return mm2(a, b);
  const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]!]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
  const [m, k] = a2.shape.slice(-2) as [number, number];
  const [k2, n] = b2.shape.slice(-2) as [number, number];
  if (k !== k2) {
    throw new Error(
      `matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not align: ${k} != ${k2}`,
    );
  }
  const batchA = a2.shape.slice(0, -2);
  const batchB = b2.shape.slice(0, -2);
  const batch = broadcastShapes(batchA, batchB, 'matmul');
  const flat = (x: Tensor, own: readonly number[], rows: number, cols: number): Tensor => {
    if (sizeOf(own) === 1) return reshape(x, [1, rows, cols]);
    const full = shapesEqual(own, batch) ? x : expand(x, [...batch, rows, cols]);
    return reshape(full, [sizeOf(batch), rows, cols]);
  };
  const out3 = batchMatMul3(flat(a2, batchA, m, k), flat(b2, batchB, k, n));
  let out = reshape(out3, [...batch, m, n]);
  if (a.ndim === 1) out = squeeze(out, -2);
  if (b.ndim === 1) out = squeeze(out, -1);
  return out;
}

/**
 * The 2-D product as one kernel call and one autograd node, whose gradients (outside createGraph) are fresh kernel
 * results of the operands' shapes: backward hands them to .grad without the copy that a reshaped view would need.
 */
function mm2(a: Tensor, b: Tensor): Tensor {
  const [m, k] = a.shape as [number, number];
  const [k2, n] = b.shape as [number, number];
  if (k !== k2) {
    throw new Error(
      `matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not align: ${k} != ${k2}`,
    );
  }
  const a3 = (x: Tensor) => operandAs(x, [1, x.shape[0]!, x.shape[1]!]);
  const out = runKernel(K.BatchMatMul, [a3(a), a3(b)], NN, undefined, [m, n]);
  if (needsGrad(a, b)) {
    record('MmBackward', [a, b], out, (g, need) => {
      if (isGradEnabled()) return [need[0] ? matmul(g, t(b)) : null, need[1] ? matmul(t(a), g) : null];
      return [
        need[0] ? runKernel(K.BatchMatMul, [a3(g), a3(b)], NT, undefined, a.shape) : null,
        need[1] ? runKernel(K.BatchMatMul, [a3(a), a3(g)], TN, undefined, b.shape) : null,
      ];
    });
  }
  return out;
}

/** 2-D matrix product. */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2) {
    throw new Error(
      `mm: expected 2-D tensors, got shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
  return matmul(a, b);
}

/** Batched product of two 3-D tensors with the same batch size. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3 || a.shape[0] !== b.shape[0]) {
    throw new Error(
      `bmm: expected 3-D tensors with equal batch sizes, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
  return matmul(a, b);
}

export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1 || a.shape[0] !== b.shape[0]) {
    throw new Error(
      `dot: expected two 1-D tensors of equal length, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
  return matmul(a, b);
}

/** Matrix transpose; 0-d and 1-d tensors are returned unchanged. */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2)
    throw new Error(
      `t: expects a tensor with <= 2 dimensions, but got ${x.ndim} (shape ${formatShape(x.shape)})`,
    );
  return x.ndim < 2 ? x : permute(x, [1, 0]);
}

/**
 * x W^T + b, the affine map of a Linear layer (weight [out, in]), without materializing W^T.
 * @example linear(x, weight, bias) // x [n, in] -> [n, out]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkFloat(x, weight, 'linear');
  if (weight.ndim !== 2)
    throw new Error(`linear: weight must be 2-D [outFeatures, inFeatures], got ${formatShape(weight.shape)}`);
  const inFeatures = weight.shape[1]!;
  if (x.shape[x.ndim - 1] !== inFeatures) {
    throw new Error(
      `linear: input shape ${formatShape(x.shape)} does not match weight ${formatShape(weight.shape)}: the last dim of ` +
        `the input must be inFeatures = ${inFeatures}`,
    );
  }
  const lead = x.shape.slice(0, -1);
  const outFeatures = weight.shape[0]!;
  const rows = sizeOf(lead);
  const outShape = [...lead, outFeatures];
  // A bias that is not a plain [out] vector of the same dtype (one that broadcasts differently, or promotes) goes
  // through add, as any other operand would.
  const fusedBias =
    bias && bias.dtype === x.dtype && bias.ndim === 1 && bias.shape[0] === outFeatures ? bias : null;
  // One kernel call on x and W seen as [1, rows, in] and [1, out, in]: no views, and one autograd node for the layer.
  let y = runKernel(
    K.BatchMatMul,
    [operandAs(x, [1, rows, inFeatures]), operandAs(weight, [1, outFeatures, inFeatures])],
    { transposeA: false, transposeB: true },
    undefined,
    outShape,
  );
  if (fusedBias) y = runKernel(K.Add, [y, fusedBias]);
  const inputs = fusedBias ? [x, weight, fusedBias] : [x, weight];
  if (needsGrad(x, weight, fusedBias ?? undefined)) {
    record(
      'LinearBackward',
      inputs,
      y,
      (g, need) => {
        if (isGradEnabled()) {
          // createGraph (higher-order gradients): the same products from differentiable ops.
          const g2 = reshape(g, [rows, outFeatures]);
          return [
            need[0] ? reshape(matmul(g2, weight), x.shape) : null,
            need[1] ? matmul(t(g2), reshape(x, [rows, inFeatures])) : null,
            need[2] ? sum(g2, 0) : null,
          ];
        }
        // Each gradient is one kernel call whose fresh result has the parameter's shape, so that backward hands it
        // to .grad without a copy (a reshaped view would have to be cloned).
        const g3 = operandAs(g, [1, rows, outFeatures]);
        return [
          need[0]
            ? runKernel(
                K.BatchMatMul,
                [g3, operandAs(weight, [1, outFeatures, inFeatures])],
                NN,
                undefined,
                x.shape,
              )
            : null,
          need[1]
            ? runKernel(K.BatchMatMul, [g3, operandAs(x, [1, rows, inFeatures])], TN, undefined, weight.shape)
            : null,
          need[2]
            ? runKernel(K.Sum, [operandAs(g, [rows, outFeatures])], { axes: [0], keepDims: false })
            : null,
        ];
      },
      [x, weight],
    );
  }
  return fusedBias || !bias ? y : add(y, bias);
}

const NN = { transposeA: false, transposeB: false };
const TN = { transposeA: true, transposeB: false };
const NT = { transposeA: false, transposeB: true };
