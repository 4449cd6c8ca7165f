/**
 * The thin-product kernels of wasm BatchMatMul (assembly/skinny.ts: rowDots for x W^T with few rows, outerSums for
 * dy^T x with a short depth and for x W with few rows) against a float64 reference, across the edges of their 2x4
 * and 2x16 register blocks.
 */
import { describe, expect, it } from 'vitest';
import type { TensorInfo } from '../src/backend.js';
import { batchMatMul } from '../src/backends/cpu/matmul.js';
import { SKINNY_MAX_DEPTH, SKINNY_MAX_ROWS, wasmBatchMatMul } from '../src/backends/cpu/wasm/kernels.js';
import { loadWasmKernels } from '../src/backends/cpu/wasm/module.js';
import { naiveBatchMatMul, seededInfo } from './kernel_inputs.js';

const arena = loadWasmKernels();

const info = seededInfo;

/** C = op(A) op(B) in float64 from the stored operands. */
function reference(a: TensorInfo, b: TensorInfo, ta: boolean, tb: boolean): Float64Array {
  const values = (t: TensorInfo) => Float64Array.from(t.handle as Float32Array);
  return naiveBatchMatMul(values(a), a.shape.slice(), values(b), b.shape.slice(), ta, tb).out;
}

describe.runIf(arena !== null)('thin products in wasm BatchMatMul', () => {
  const kernel = wasmBatchMatMul(arena!, batchMatMul, 0);
  const check = (a: TensorInfo, b: TensorInfo, ta: boolean, tb: boolean) => {
    const out = kernel([a, b], { transposeA: ta, transposeB: tb } as never, undefined as never);
    const want = reference(a, b, ta, tb);
    const got = out.handle as Float32Array;
    expect(got.length).toBe(want.length);
    const k = ta ? a.shape[1]! : a.shape[2]!;
    for (let i = 0; i < want.length; i++) {
      expect(Math.abs(got[i]! - want[i]!), `element ${i}`).toBeLessThanOrEqual(
        1e-6 * k + 1e-6 * Math.abs(want[i]!),
      );
    }
  };

  it('x W^T with few rows (rowDots): every row and column remainder, short and long depths', () => {
    let seed = 1;
    for (const m of [1, 2, 3, 5, SKINNY_MAX_ROWS])
      for (const n of [1, 3, 4, 5, 9, 30])
        for (const k of [8, 9, 15, 64, 787])
          check(info([1, m, k], seed++), info([1, n, k], seed++), false, true);
  });

  it('x W with few rows (rowSums): row pairs, 16- and 4-column blocks, single columns, short and long depths', () => {
    let seed = 500;
    for (const m of [1, 2, 3, SKINNY_MAX_ROWS])
      for (const n of [1, 4, 17, 33, 100])
        for (const k of [1, 7, 64, 640])
          check(info([1, m, k], seed++), info([1, k, n], seed++), false, false);
    check(info([4, 3, 20], 900), info([1, 20, 21], 901), false, false); // a batch folding into 12 rows
  });

  it('x W^T with a batch that folds into the rows (shared W)', () => {
    check(info([3, 4, 50], 7), info([1, 6, 50], 8), false, true);
  });

  it('dy^T x with a short depth (outerSums): row pairs, 16- and 4-column blocks, and single columns', () => {
    let seed = 100;
    for (const k of [1, 2, 10, SKINNY_MAX_DEPTH])
      for (const m of [1, 2, 3, 30])
        for (const n of [1, 3, 4, 15, 16, 17, 21, 33, 784])
          check(info([1, k, m], seed++), info([1, k, n], seed++), true, false);
  });

  it('k = 0 gives zeros', () => {
    const out = kernel(
      [info([1, 0, 3], 1), info([1, 0, 5], 2)],
      { transposeA: true, transposeB: false } as never,
      undefined as never,
    );
    expect(Array.from(out.handle as Float32Array)).toEqual(new Array(15).fill(0));
  });
});
