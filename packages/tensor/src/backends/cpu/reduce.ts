/**
 * Reductions and softmax. Every reduction is done on an [outer, reduced, inner] view of contiguous storage, which
 * covers any run of adjacent axes without copying; non-adjacent axes (BatchNorm2d's [0, 2, 3]) are reduced one run
 * at a time, last run first.
 */
import type { KernelFn, TensorInfo } from '../../backend.js';
import { allocate, type TypedArray } from '../../dtype.js';
import type { ArgReduceAttrs, ReduceAttrs, SoftmaxAttrs } from '../../kernel_names.js';
import type { Shape } from '../../shape.js';

type ReduceKind = 'sum' | 'max' | 'min';

function reduceRun(
  x: TypedArray,
  out: TypedArray,
  outer: number,
  reduced: number,
  inner: number,
  kind: ReduceKind,
): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * reduced;
      if (kind === 'sum') {
        let s = 0;
        for (let r = 0; r < reduced; r++) s += x[base + r]!;
        out[o] = s;
      } else {
        let m = kind === 'max' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
        for (let r = 0; r < reduced; r++) {
          const v = x[base + r]!;
          // NaN propagates, as in PyTorch.
          if (kind === 'max' ? v > m || v !== v : v < m || v !== v) m = v;
          if (m !== m) break;
        }
        out[o] = m;
      }
    }
    return;
  }
  // inner > 1: accumulate whole rows so that the inner loop runs over contiguous memory.
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * reduced * inner;
    if (kind === 'sum') {
      acc.fill(0);
      for (let r = 0; r < reduced; r++) {
        const row = base + r * inner;
        for (let i = 0; i < inner; i++) acc[i]! += x[row + i]!;
      }
    } else {
      acc.fill(kind === 'max' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
      for (let r = 0; r < reduced; r++) {
        const row = base + r * inner;
        for (let i = 0; i < inner; i++) {
          const v = x[row + i]!;
          const m = acc[i]!;
          if (kind === 'max' ? v > m || v !== v : v < m || v !== v) acc[i] = m !== m ? m : v;
        }
      }
    }
    const ob = o * inner;
    for (let i = 0; i < inner; i++) out[ob + i] = acc[i]!;
  }
}

/** Split sorted axes into runs of adjacent axes. */
function runsOf(axes: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const a of axes) {
    const last = runs[runs.length - 1];
    if (last && last[1] === a) last[1] = a + 1;
    else runs.push([a, a + 1]);
  }
  return runs;
}

/**
 * The passes of a reduction over sorted `axes` of `shape`: one [outer, reduced, inner] view per run of adjacent
 * axes, last run first (each pass reads the previous one's result), and the output shape (reduced axes dropped, or
 * kept as 1 with `keepDims`). No passes when `axes` is empty. Shared with the wasm Sum (wasm/kernels.ts).
 */
export function reducePasses(
  shape: readonly number[],
  axes: readonly number[],
  keepDims: boolean,
): { passes: [number, number, number][]; outShape: number[] } {
  const runs = runsOf(axes);
  const passes: [number, number, number][] = [];
  let current = shape.slice();
  for (let k = runs.length - 1; k >= 0; k--) {
    const [start, end] = runs[k]!;
    let outer = 1;
    let reduced = 1;
    let inner = 1;
    for (let i = 0; i < start; i++) outer *= current[i]!;
    for (let i = start; i < end; i++) reduced *= current[i]!;
    for (let i = end; i < current.length; i++) inner *= current[i]!;
    passes.push([outer, reduced, inner]);
    current = [...current.slice(0, start), ...new Array<number>(end - start).fill(1), ...current.slice(end)];
  }
  const set = new Set(axes);
  return { passes, outShape: keepDims ? current : current.filter((_, i) => !set.has(i)) };
}

function reduceKernel(kind: ReduceKind): KernelFn {
  return ((inputs: readonly TensorInfo[], attrs: ReduceAttrs) => {
    const x = inputs[0]!;
    let values = x.handle as TypedArray;
    const outDtype = kind === 'sum' && (x.dtype === 'bool' || x.dtype === 'int32') ? 'int32' : x.dtype;
    if (kind !== 'sum' && attrs.axes.some((a) => x.shape[a] === 0)) {
      throw new Error(`${kind}(): cannot reduce over a zero-size dimension (shape [${x.shape.join(', ')}])`);
    }
    const { passes, outShape } = reducePasses(x.shape, attrs.axes, attrs.keepDims);
    if (passes.length === 0) {
      const out = allocate(outDtype, values.length);
      out.set(values);
      values = out;
    }
    for (const [outer, reduced, inner] of passes) {
      const out = allocate(outDtype, outer * inner);
      reduceRun(values, out, outer, reduced, inner, kind);
      values = out;
    }
    return { handle: values, shape: outShape, dtype: outDtype };
  }) as KernelFn;
}

export const sum = reduceKernel('sum');
export const max = reduceKernel('max');
export const min = reduceKernel('min');

function splitAt(shape: Shape, axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[axis] ?? 1, inner];
}

function argReduceKernel(isMax: boolean): KernelFn {
  return ((inputs: readonly TensorInfo[], attrs: ArgReduceAttrs) => {
    const x = inputs[0]!;
    const values = x.handle as TypedArray;
    const [outer, reduced, inner] = splitAt(x.shape, attrs.axis);
    if (reduced === 0)
      throw new Error(`${isMax ? 'argmax' : 'argmin'}(): cannot reduce over a zero-size dimension`);
    const out = new Int32Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * reduced * inner + i;
        let best = values[base]!;
        let bestIndex = 0;
        if (best === best) {
          for (let r = 1; r < reduced; r++) {
            const v = values[base + r * inner]!;
            if (v !== v) {
              bestIndex = r;
              break;
            }
            if (isMax ? v > best : v < best) {
              best = v;
              bestIndex = r;
            }
          }
        }
        out[o * inner + i] = bestIndex;
      }
    }
    const outShape = x.shape.slice();
    if (x.shape.length > 0) {
      if (attrs.keepDims) outShape[attrs.axis] = 1;
      else outShape.splice(attrs.axis, 1);
    }
    return { handle: out, shape: outShape, dtype: 'int32' };
  }) as KernelFn;
}

export const argMax = argReduceKernel(true);
export const argMin = argReduceKernel(false);

function softmaxKernel(log: boolean): KernelFn {
  return ((inputs: readonly TensorInfo[], attrs: SoftmaxAttrs) => {
    const x = inputs[0]!;
    const values = x.handle as TypedArray;
    const out = allocate(x.dtype, values.length);
    const [outer, reduced, inner] = splitAt(x.shape, attrs.axis);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * reduced * inner + i;
        // Subtract the maximum first: exp never overflows, so logits of +-1000 give finite results.
        let m = Number.NEGATIVE_INFINITY;
        for (let r = 0; r < reduced; r++) {
          const v = values[base + r * inner]!;
          if (v > m) m = v;
        }
        if (m === Number.NEGATIVE_INFINITY) m = 0;
        let s = 0;
        for (let r = 0; r < reduced; r++) s += Math.exp(values[base + r * inner]! - m);
        if (log) {
          const lse = m + Math.log(s);
          for (let r = 0; r < reduced; r++) out[base + r * inner] = values[base + r * inner]! - lse;
        } else {
          const inv = 1 / s;
          for (let r = 0; r < reduced; r++)
            out[base + r * inner] = Math.exp(values[base + r * inner]! - m) * inv;
        }
      }
    }
    return { handle: out, shape: x.shape, dtype: x.dtype };
  }) as KernelFn;
}

export const softmax = softmaxKernel(false);
export const logSoftmax = softmaxKernel(true);
