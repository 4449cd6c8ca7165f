/** Movement and indexing kernels: copies between contiguous layouts. */
import type { KernelFn, TensorInfo } from '../../backend.js';
import { allocate, type TypedArray } from '../../dtype.js';
import type {
  ConcatAttrs,
  DimAttrs,
  FillAttrs,
  OneHotAttrs,
  PadAttrs,
  ScatterElementsAttrs,
  SliceAttrs,
  SliceGradAttrs,
  TileAttrs,
  TransposeAttrs,
} from '../../kernel_names.js';
import { type Shape, sizeOf, stridesOf } from '../../shape.js';

export const identity: KernelFn = ((inputs: readonly TensorInfo[]) => {
  const x = inputs[0]!;
  return { handle: (x.handle as TypedArray).slice(), shape: x.shape, dtype: x.dtype };
}) as KernelFn;

/**
 * Copy `src` (strided view: `srcStrides`, starting at `srcOffset`) of `shape` into contiguous `out`.
 * The innermost dimension is a tight loop; outer dimensions advance an odometer.
 */
function stridedCopy(
  src: TypedArray,
  srcOffset: number,
  srcStrides: readonly number[],
  shape: Shape,
  out: TypedArray,
): void {
  const n = out.length;
  if (n === 0) return;
  const nd = shape.length;
  if (nd === 0) {
    out[0] = src[srcOffset]!;
    return;
  }
  const inner = shape[nd - 1]!;
  const si = srcStrides[nd - 1]!;
  const idx = new Int32Array(nd);
  let s = srcOffset;
  let p = 0;
  const outer = n / inner;
  for (let o = 0; o < outer; o++) {
    if (si === 1) {
      for (let j = 0; j < inner; j++) out[p++] = src[s + j]!;
    } else {
      for (let j = 0; j < inner; j++) out[p++] = src[s + j * si]!;
    }
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      s += srcStrides[d]!;
      if (idx[d]! < shape[d]!) break;
      s -= srcStrides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

/** The adjoint of stridedCopy: `out[view] += src` (contiguous src of `shape`). */
function stridedAdd(
  src: TypedArray,
  out: TypedArray,
  outOffset: number,
  outStrides: readonly number[],
  shape: Shape,
): void {
  const n = src.length;
  if (n === 0) return;
  const nd = shape.length;
  if (nd === 0) {
    out[outOffset]! += src[0]!;
    return;
  }
  const inner = shape[nd - 1]!;
  const si = outStrides[nd - 1]!;
  const idx = new Int32Array(nd);
  let s = outOffset;
  let p = 0;
  const outer = n / inner;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) out[s + j * si]! += src[p++]!;
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      s += outStrides[d]!;
      if (idx[d]! < shape[d]!) break;
      s -= outStrides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

export const transpose: KernelFn = ((inputs: readonly TensorInfo[], attrs: TransposeAttrs) => {
  const x = inputs[0]!;
  const values = x.handle as TypedArray;
  const strides = stridesOf(x.shape);
  const shape = attrs.perm.map((p) => x.shape[p]!);
  const out = allocate(x.dtype, values.length);
  // 2-D transposes (matmul's t(), linear layers) get a cache-blocked loop.
  if (x.shape.length === 2 && attrs.perm[0] === 1) {
    const rows = x.shape[0]!;
    const cols = x.shape[1]!;
    const B = 32;
    for (let i0 = 0; i0 < rows; i0 += B) {
      const i1 = Math.min(i0 + B, rows);
      for (let j0 = 0; j0 < cols; j0 += B) {
        const j1 = Math.min(j0 + B, cols);
        for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) out[j * rows + i] = values[i * cols + j]!;
      }
    }
  } else {
    stridedCopy(
      values,
      0,
      attrs.perm.map((p) => strides[p]!),
      shape,
      out,
    );
  }
  return { handle: out, shape, dtype: x.dtype };
}) as KernelFn;

export const slice: KernelFn = ((inputs: readonly TensorInfo[], attrs: SliceAttrs) => {
  const x = inputs[0]!;
  const strides = stridesOf(x.shape);
  let offset = 0;
  for (let i = 0; i < strides.length; i++) offset += attrs.begin[i]! * strides[i]!;
  const out = allocate(x.dtype, sizeOf(attrs.size));
  stridedCopy(
    x.handle as TypedArray,
    offset,
    strides.map((s, i) => s * attrs.step[i]!),
    attrs.size,
    out,
  );
  return { handle: out, shape: attrs.size.slice(), dtype: x.dtype };
}) as KernelFn;

export const sliceGrad: KernelFn = ((inputs: readonly TensorInfo[], attrs: SliceGradAttrs) => {
  const dy = inputs[0]!;
  const strides = stridesOf(attrs.inputShape);
  let offset = 0;
  for (let i = 0; i < strides.length; i++) offset += attrs.begin[i]! * strides[i]!;
  const out = allocate(dy.dtype, sizeOf(attrs.inputShape));
  stridedAdd(
    dy.handle as TypedArray,
    out,
    offset,
    strides.map((s, i) => s * attrs.step[i]!),
    attrs.size,
  );
  return { handle: out, shape: attrs.inputShape.slice(), dtype: dy.dtype };
}) as KernelFn;

export const pad: KernelFn = ((inputs: readonly TensorInfo[], attrs: PadAttrs) => {
  const x = inputs[0]!;
  const shape = x.shape.map((d, i) => d + attrs.paddings[i]![0] + attrs.paddings[i]![1]);
  const out = allocate(x.dtype, sizeOf(shape));
  if (attrs.constantValue !== 0) out.fill(attrs.constantValue);
  const strides = stridesOf(shape);
  let offset = 0;
  for (let i = 0; i < strides.length; i++) offset += attrs.paddings[i]![0] * strides[i]!;
  // Copy x into the interior: reuse stridedAdd on a zero interior when the fill is zero.
  if (attrs.constantValue === 0) stridedAdd(x.handle as TypedArray, out, offset, strides, x.shape);
  else {
    const values = x.handle as TypedArray;
    const nd = x.shape.length;
    const idx = new Int32Array(nd);
    for (let p = 0; p < values.length; p++) {
      let s = offset;
      for (let d = 0; d < nd; d++) s += idx[d]! * strides[d]!;
      out[s] = values[p]!;
      for (let d = nd - 1; d >= 0; d--) {
        idx[d]!++;
        if (idx[d]! < x.shape[d]!) break;
        idx[d] = 0;
      }
    }
  }
  return { handle: out, shape, dtype: x.dtype };
}) as KernelFn;

export const concat: KernelFn = ((inputs: readonly TensorInfo[], attrs: ConcatAttrs) => {
  const first = inputs[0]!;
  const axis = attrs.axis;
  const shape = first.shape.slice();
  shape[axis] = inputs.reduce((s, t) => s + t.shape[axis]!, 0);
  const out = allocate(first.dtype, sizeOf(shape));
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  const outRow = sizeOf(shape.slice(axis));
  let colOffset = 0;
  for (const t of inputs) {
    const values = t.handle as TypedArray;
    const row = sizeOf(t.shape.slice(axis));
    for (let o = 0; o < outer; o++) {
      out.set(values.subarray(o * row, (o + 1) * row), o * outRow + colOffset);
    }
    colOffset += row;
  }
  return { handle: out, shape, dtype: first.dtype };
}) as KernelFn;

export const tile: KernelFn = ((inputs: readonly TensorInfo[], attrs: TileAttrs) => {
  const x = inputs[0]!;
  const values = x.handle as TypedArray;
  const nd = x.shape.length;
  const shape = x.shape.map((d, i) => d * attrs.reps[i]!);
  const out = allocate(x.dtype, sizeOf(shape));
  const outStrides = stridesOf(shape);
  const idx = new Int32Array(nd);
  for (let p = 0; p < out.length; p++) {
    let s = 0;
    let stride = 1;
    for (let d = nd - 1; d >= 0; d--) {
      s += (idx[d]! % x.shape[d]!) * stride;
      stride *= x.shape[d]!;
    }
    out[p] = values[s]!;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      if (idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  void outStrides;
  return { handle: out, shape, dtype: x.dtype };
}) as KernelFn;

/** [outer, size along dim, inner] of a shape. */
function around(shape: Shape, dim: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i]!;
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[dim] ?? 1, inner];
}

function checkIndex(op: string, value: number, size: number): number {
  if (value < -size || value >= size) {
    throw new Error(`${op}: index ${value} is out of bounds for dimension with size ${size}`);
  }
  return value < 0 ? value + size : value;
}

/** torch.gather: index has the output's shape; out[o, i, j] = x[o, index[o, i, j], j] along dim. */
export const gatherElements: KernelFn = ((inputs: readonly TensorInfo[], attrs: DimAttrs) => {
  const [x, index] = inputs as [TensorInfo, TensorInfo];
  const values = x.handle as TypedArray;
  const idx = index.handle as Int32Array;
  const out = allocate(x.dtype, idx.length);
  const nd = index.shape.length;
  const xStrides = stridesOf(x.shape);
  const pos = new Int32Array(nd);
  const size = x.shape[attrs.dim]!;
  for (let p = 0; p < idx.length; p++) {
    let s = 0;
    for (let d = 0; d < nd; d++) {
      s += (d === attrs.dim ? checkIndex('gather', idx[p]!, size) : pos[d]!) * xStrides[d]!;
    }
    out[p] = values[s]!;
    for (let d = nd - 1; d >= 0; d--) {
      pos[d]!++;
      if (pos[d]! < index.shape[d]!) break;
      pos[d] = 0;
    }
  }
  return { handle: out, shape: index.shape, dtype: x.dtype };
}) as KernelFn;

export const scatterElements: KernelFn = ((inputs: readonly TensorInfo[], attrs: ScatterElementsAttrs) => {
  const [x, index, src] = inputs as [TensorInfo, TensorInfo, TensorInfo];
  const out = (x.handle as TypedArray).slice();
  const idx = index.handle as Int32Array;
  const srcValues = src.handle as TypedArray;
  const nd = index.shape.length;
  const outStrides = stridesOf(x.shape);
  const srcStrides = stridesOf(src.shape);
  const pos = new Int32Array(nd);
  const size = x.shape[attrs.dim]!;
  const add = attrs.reduction === 'add';
  for (let p = 0; p < idx.length; p++) {
    let s = 0;
    let t = 0;
    for (let d = 0; d < nd; d++) {
      s += (d === attrs.dim ? checkIndex('scatter', idx[p]!, size) : pos[d]!) * outStrides[d]!;
      t += pos[d]! * srcStrides[d]!;
    }
    if (add) out[s]! += srcValues[t]!;
    else out[s] = srcValues[t]!;
    for (let d = nd - 1; d >= 0; d--) {
      pos[d]!++;
      if (pos[d]! < index.shape[d]!) break;
      pos[d] = 0;
    }
  }
  return { handle: out, shape: x.shape, dtype: x.dtype };
}) as KernelFn;

export const indexSelect: KernelFn = ((inputs: readonly TensorInfo[], attrs: DimAttrs) => {
  const [x, index] = inputs as [TensorInfo, TensorInfo];
  const values = x.handle as TypedArray;
  const idx = index.handle as Int32Array;
  const [outer, size, inner] = around(x.shape, attrs.dim);
  const shape = x.shape.slice();
  shape[attrs.dim] = idx.length;
  const out = allocate(x.dtype, outer * idx.length * inner);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < idx.length; k++) {
      const i = checkIndex('indexSelect', idx[k]!, size);
      const from = (o * size + i) * inner;
      out.set(values.subarray(from, from + inner), (o * idx.length + k) * inner);
    }
  }
  return { handle: out, shape, dtype: x.dtype };
}) as KernelFn;

export const indexAdd: KernelFn = ((inputs: readonly TensorInfo[], attrs: DimAttrs) => {
  const [x, index, src] = inputs as [TensorInfo, TensorInfo, TensorInfo];
  const out = (x.handle as TypedArray).slice();
  const idx = index.handle as Int32Array;
  const srcValues = src.handle as TypedArray;
  const [outer, size, inner] = around(x.shape, attrs.dim);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < idx.length; k++) {
      const i = checkIndex('indexAdd', idx[k]!, size);
      const to = (o * size + i) * inner;
      const from = (o * idx.length + k) * inner;
      for (let j = 0; j < inner; j++) out[to + j]! += srcValues[from + j]!;
    }
  }
  return { handle: out, shape: x.shape, dtype: x.dtype };
}) as KernelFn;

export const oneHot: KernelFn = ((inputs: readonly TensorInfo[], attrs: OneHotAttrs) => {
  const x = inputs[0]!;
  const idx = x.handle as TypedArray;
  const out = allocate(attrs.dtype, idx.length * attrs.depth);
  for (let i = 0; i < idx.length; i++) {
    const c = idx[i]!;
    if (!(c >= 0 && c < attrs.depth)) {
      throw new Error(
        `oneHot: class value ${c} is outside [0, ${attrs.depth - 1}] (numClasses = ${attrs.depth})`,
      );
    }
    out[i * attrs.depth + c] = 1;
  }
  return { handle: out, shape: [...x.shape, attrs.depth], dtype: attrs.dtype };
}) as KernelFn;

export const fill: KernelFn = ((_inputs: readonly TensorInfo[], attrs: FillAttrs) => {
  const out = allocate(attrs.dtype, sizeOf(attrs.shape));
  if (attrs.value !== 0) out.fill(attrs.value);
  return { handle: out, shape: attrs.shape.slice(), dtype: attrs.dtype };
}) as KernelFn;
