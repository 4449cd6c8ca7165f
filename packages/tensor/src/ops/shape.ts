/** Shape ops. reshape/view share storage; the others copy into new contiguous storage. */
import { needsGrad, record } from '../autograd/node.js';
import * as K from '../kernel_names.js';
import { formatShape, normalizeDim, shapesEqual, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { sumTo } from './elementwise.js';
import { runKernel } from './kernel.js';

export function dimIndex(dim: number, ndim: number, op: string): number {
  return normalizeDim(dim, ndim, op);
}

/** Resolve a -1 in a requested shape; throws naming both shapes when the sizes don't match. */
function inferShape(x: Tensor, requested: readonly number[], op: string): number[] {
  const shape = requested.slice();
  const free = shape.indexOf(-1);
  if (free !== shape.lastIndexOf(-1))
    throw new Error(`${op}: only one dimension can be inferred (-1) in ${formatShape(requested)}`);
  const n = x.numel();
  if (free >= 0) {
    const known = shape.reduce((p, d, i) => (i === free ? p : p * d), 1);
    if (known === 0 || n % known !== 0) {
      throw new Error(
        `${op}: shape ${formatShape(requested)} is invalid for input of size ${n} (shape ${formatShape(x.shape)})`,
      );
    }
    shape[free] = n / known;
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new Error(`${op}: invalid size ${d} in shape ${formatShape(requested)}`);
  }
  if (sizeOf(shape) !== n) {
    throw new Error(
      `${op}: shape ${formatShape(requested)} is invalid for input of size ${n} (shape ${formatShape(x.shape)})`,
    );
  }
  return shape;
}

/** A view with a new shape: same storage, same version counter. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape(x, shape, 'reshape');
  if (shapesEqual(target, x.shape)) return x;
  const out = new Tensor(x.handle, target, x.dtype, x._backend, x._version);
  out._viewOf = x._viewOf ?? x;
  if (needsGrad(x)) record('ViewBackward', [x], out, (g) => [reshape(g, x.shape)], []);
  return out;
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim(startDim, x.ndim, 'flatten');
  const e = normalizeDim(endDim, x.ndim, 'flatten');
  if (s > e) throw new Error(`flatten: startDim (${startDim}) cannot come after endDim (${endDim})`);
  const middle = x.shape.slice(s, e + 1).reduce((p, d) => p * d, 1);
  return reshape(x, [...x.shape.slice(0, s), middle, ...x.shape.slice(e + 1)]);
}

/** Remove size-1 dims (or only `dim`, if it has size 1). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const d = normalizeDim(dim, x.ndim, 'squeeze');
  if (x.ndim === 0 || x.shape[d] !== 1) return x;
  return reshape(
    x,
    x.shape.filter((_, i) => i !== d),
  );
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.ndim + 1, 'unsqueeze');
  const shape = x.shape.slice();
  shape.splice(d, 0, 1);
  return reshape(x, shape);
}

/** Reorder dims (a copy). */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) {
    throw new Error(
      `permute: number of dims ${dims.length} doesn't match the tensor's ${x.ndim} dims (shape ${formatShape(x.shape)})`,
    );
  }
  const perm = dims.map((d) => normalizeDim(d, x.ndim, 'permute'));
  if (new Set(perm).size !== perm.length) throw new Error(`permute: repeated dim in ${formatShape(dims)}`);
  if (perm.every((p, i) => p === i)) return x;
  // Moving only size-1 dims doesn't change the memory order: a view suffices.
  const moved = perm.filter((p) => x.shape[p] !== 1);
  if (moved.every((p, i) => i === 0 || p > moved[i - 1]!))
    return reshape(
      x,
      perm.map((p) => x.shape[p]!),
    );
  const out = runKernel(K.Transpose, [x], { perm });
  if (needsGrad(x)) {
    const inverse = new Array<number>(perm.length);
    for (let i = 0; i < perm.length; i++) inverse[perm[i]!] = i;
    record('PermuteBackward', [x], out, (g) => [permute(g, inverse)], []);
  }
  return out;
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normalizeDim(dim0, x.ndim, 'transpose');
  const b = normalizeDim(dim1, x.ndim, 'transpose');
  if (x.ndim < 2 || a === b) return x;
  const perm = Array.from({ length: x.ndim }, (_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/** Broadcast to `sizes` (-1 keeps a dim); materialized as a copy. */
export function expand(x: Tensor, sizes: readonly number[]): Tensor {
  if (sizes.length < x.ndim) {
    throw new Error(
      `expand: the number of sizes (${sizes.length}) must be at least the tensor's ndim (${x.ndim})`,
    );
  }
  const lead = sizes.length - x.ndim;
  const shape = sizes.map((s, i) => {
    const own = i >= lead ? x.shape[i - lead]! : 1;
    const target = s === -1 ? own : s;
    if (i < lead && s === -1) throw new Error('expand: -1 is not allowed for a new leading dimension');
    if (own !== 1 && own !== target) {
      throw new Error(
        `expand: the expanded size of the tensor (${target}) must match the existing size (${own}) at non-singleton ` +
          `dimension ${i}. Target sizes: ${formatShape(sizes)}. Tensor sizes: ${formatShape(x.shape)}`,
      );
    }
    return target;
  });
  if (shapesEqual(shape, x.shape)) return x;
  const out = runKernel(K.BroadcastTo, [x], { shape });
  if (needsGrad(x)) record('ExpandBackward', [x], out, (g) => [sumTo(g, x.shape)], []);
  return out;
}

/** Tile the tensor `reps` times along each dim (torch.repeat). */
export function repeat(x: Tensor, reps: readonly number[]): Tensor {
  if (reps.length < x.ndim) {
    throw new Error(
      `repeat: number of repeat dims (${reps.length}) can not be smaller than the tensor's ndim (${x.ndim})`,
    );
  }
  const base =
    reps.length > x.ndim ? reshape(x, [...new Array<number>(reps.length - x.ndim).fill(1), ...x.shape]) : x;
  const out = runKernel(K.Tile, [base], { reps: reps.slice() });
  if (needsGrad(base)) {
    record(
      'RepeatBackward',
      [base],
      out,
      (g) => {
        // Fold each repeated dim into (reps, size) and sum the repeats away.
        const folded = reshape(
          g,
          base.shape.flatMap((d, i) => [reps[i]!, d]),
        );
        const summed = folded.sum(
          base.shape.map((_, i) => 2 * i),
          false,
        );
        return [reshape(summed, base.shape)];
      },
      [],
    );
  }
  return out;
}

/** Python-style slice along one dim: start:end:step, negatives counting from the end, clamped like Python. */
export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  const d = normalizeDim(dim, x.ndim, 'slice');
  if (!Number.isInteger(step) || step <= 0)
    throw new Error(`slice: step must be a positive integer, got ${step}`);
  const n = x.shape[d]!;
  const clampIndex = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const s = start === undefined || start === null ? 0 : clampIndex(start);
  const e = end === undefined || end === null ? n : clampIndex(end);
  const length = Math.max(0, Math.ceil((e - s) / step));
  if (s === 0 && length === n && step === 1) return x;
  const begin = x.shape.map(() => 0);
  begin[d] = s;
  const size = x.shape.slice();
  size[d] = length;
  const steps = x.shape.map(() => 1);
  steps[d] = step;
  const out = runKernel(K.Slice, [x], { begin, size, step: steps });
  if (needsGrad(x)) {
    const inputShape = x.shape.slice();
    record('SliceBackward', [x], out, (g) => [sliceGrad(g, begin, size, steps, inputShape)], []);
  }
  return out;
}

function sliceGrad(g: Tensor, begin: number[], size: number[], step: number[], inputShape: number[]): Tensor {
  const out = runKernel(K.SliceGrad, [g], { begin, size, step, inputShape });
  // Recorded so that higher-order gradients (createGraph) flow back through the slice's adjoint.
  if (needsGrad(g))
    record('SliceGradBackward', [g], out, (gg) => [runKernel(K.Slice, [gg], { begin, size, step })], []);
  return out;
}

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'narrow');
  const n = x.shape[d]!;
  const s = start < 0 ? start + n : start;
  if (s < 0 || length < 0 || s + length > n) {
    throw new Error(
      `narrow: start (${start}) + length (${length}) exceeds dimension size (${n}) of dim ${dim}`,
    );
  }
  return slice(x, d, s, s + length);
}

/** x.select(dim, i): the slice at i with the dim removed. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'select');
  const n = x.shape[d]!;
  if (!Number.isInteger(index) || index < -n || index >= n) {
    throw new Error(`select: index ${index} is out of range for dimension ${d} with size ${n}`);
  }
  const i = index < 0 ? index + n : index;
  return squeeze(slice(x, d, i, i + 1), d);
}

export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim(dim, x.ndim, 'split');
  const n = x.shape[d]!;
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections <= 0) {
      throw new Error(`split: split size must be a positive integer, got ${sizeOrSections}`);
    }
    sizes = [];
    for (let s = 0; s < n; s += sizeOrSections) sizes.push(Math.min(sizeOrSections, n - s));
    if (n === 0) sizes = [0];
  } else {
    sizes = sizeOrSections.slice();
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n) {
      throw new Error(
        `split: split sizes ${formatShape(sizes)} sum to ${total}, but dimension ${d} has size ${n}`,
      );
    }
  }
  const out: Tensor[] = [];
  let start = 0;
  for (const s of sizes) {
    out.push(narrow(x, d, start, s));
    start += s;
  }
  return out;
}

export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0)
    throw new Error(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normalizeDim(dim, x.ndim, 'chunk');
  return split(x, Math.max(1, Math.ceil(x.shape[d]! / chunks)), d);
}

export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normalizeDim(dim, x.ndim, 'unbind');
  return Array.from({ length: x.shape[d]! }, (_, i) => select(x, d, i));
}

/** Concatenate along an existing dim. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('cat: expected a non-empty list of tensors');
  const first = tensors[0]!;
  const d = normalizeDim(dim, first.ndim, 'cat');
  for (const [i, t] of tensors.entries()) {
    if (t.ndim !== first.ndim || t.shape.some((s, j) => j !== d && s !== first.shape[j])) {
      throw new Error(
        `cat: sizes of tensors must match except in dimension ${d}: tensor 0 has shape ${formatShape(first.shape)}, ` +
          `tensor ${i} has shape ${formatShape(t.shape)}`,
      );
    }
    if (t.dtype !== first.dtype)
      throw new Error(`cat: tensor ${i} has dtype ${t.dtype}, tensor 0 has ${first.dtype}`);
  }
  if (tensors.length === 1) return clone(first);
  const out = runKernel(K.Concat, tensors, { axis: d });
  if (tensors.some((t) => needsGrad(t))) {
    const sizes = tensors.map((t) => t.shape[d]!);
    record('CatBackward', tensors, out, (g) => split(g, sizes, d), []);
  }
  return out;
}

/** Join along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('stack: expected a non-empty list of tensors');
  const first = tensors[0]!;
  for (const [i, t] of tensors.entries()) {
    if (!shapesEqual(t.shape, first.shape)) {
      throw new Error(
        `stack: expects each tensor to be equal size, but got ${formatShape(first.shape)} at entry 0 and ` +
          `${formatShape(t.shape)} at entry ${i}`,
      );
    }
  }
  const d = normalizeDim(dim, first.ndim + 1, 'stack');
  return cat(
    tensors.map((t) => unsqueeze(t, d)),
    d,
  );
}

export function clone(x: Tensor): Tensor {
  const out = runKernel(K.Identity, [x]);
  if (needsGrad(x)) record('CloneBackward', [x], out, (g) => [g], []);
  return out;
}

/** Pad the last dims: pads = [left, right, top, bottom, ...] from the last dim backwards, as F.pad. */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) {
    throw new Error(
      `pad: pads must have an even length of at most 2 * ndim (${2 * x.ndim}), got ${pads.length}`,
    );
  }
  const paddings: [number, number][] = x.shape.map(() => [0, 0]);
  for (let i = 0; i < pads.length / 2; i++) paddings[x.ndim - 1 - i] = [pads[2 * i]!, pads[2 * i + 1]!];
  if (paddings.some(([a, b]) => a < 0 || b < 0)) throw new Error('pad: negative padding is not supported');
  const out = runKernel(K.PadV2, [x], { paddings, constantValue: value });
  if (needsGrad(x)) {
    record(
      'PadBackward',
      [x],
      out,
      (g) => [
        paddings.reduce(
          (t, [before], dim) =>
            before === 0 && t.shape[dim] === x.shape[dim] ? t : narrow(t, dim, before, x.shape[dim]!),
          g,
        ),
      ],
      [],
    );
  }
  return out;
}
