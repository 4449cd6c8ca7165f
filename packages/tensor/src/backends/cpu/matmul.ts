/**
 * Matrix multiplication on the CPU: a cache-blocked GEMM with packed panels and a register-tiled micro-kernel, in
 * plain TypeScript (the GotoBLAS/BLIS loop structure). `gemm` is the strided entry point that conv2d reuses;
 * `batchMatMul` is the BatchMatMul kernel.
 */
import type { KernelFn, TensorInfo } from '../../backend.js';
import { allocate } from '../../dtype.js';
import type { BatchMatMulAttrs } from '../../kernel_names.js';
import { formatShape } from '../../shape.js';

/** The storage of a float32 or float64 tensor on the CPU backend. */
export type FloatArray = Float32Array | Float64Array;

// ---- blocking parameters -----------------------------------------------------------------------------------------
// The micro-kernel computes an MR x NR tile of C in local variables. JavaScript numbers are doubles, so the packed
// panels are Float64Arrays whatever the tensor dtype: the micro-kernel then sees one array type only (a monomorphic
// call site that TurboFan compiles to plain scalar SSE loads), and float32 inputs get float64 accumulation for free.
const MR = 4;
const NR = 4;
/** Depth of a packed panel: an NR x KC panel of B (8 KiB of doubles) stays in L1 while A streams past it. */
const KC = 128;
/** Rows of A packed at once: MC x KC doubles (256 KiB) sit in L2. */
const MC = 256;
/** Columns of B packed at once: KC x NC doubles (8 MiB at most) in L3. */
const NC = 4096;
/**
 * Below this many multiply-adds the direct triple loop wins: packing costs O(MK + KN) and the tile bookkeeping a
 * constant per call, which dominates e.g. the 10x30 by 30x10 products of a small MLP.
 */
const SMALL_GEMM_MACS = 32 * 32 * 32;

// Module-level scratch, grown as needed and reused across calls (no allocation per call in steady state).
let packedA = new Float64Array(MC * KC);
let packedB = new Float64Array(KC * 256);
const tile = new Float64Array(MR * NR);

/**
 * C = A B (or C += A B with `accumulate`) on strided operands: A(i, p) = a[aOffset + i * aRowStride + p *
 * aColStride], B(p, j) = b[bOffset + p * bRowStride + j * bColStride], C(i, j) = c[cOffset + i * ldc + j]. Transposes
 * are just swapped strides. Internal to the CPU backend (conv2d uses it); never mutates `a` or `b`.
 *
 * @example gemm(m, n, k, a, 0, k, 1, b, 0, n, 1, c, 0, n, false) // row-major C = A B
 */
export function gemm(
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  aOffset: number,
  aRowStride: number,
  aColStride: number,
  b: FloatArray,
  bOffset: number,
  bRowStride: number,
  bColStride: number,
  c: FloatArray,
  cOffset: number,
  ldc: number,
  accumulate: boolean,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!accumulate) for (let i = 0; i < m; i++) c.fill(0, cOffset + i * ldc, cOffset + i * ldc + n);
    return;
  }
  if (m * n * k <= SMALL_GEMM_MACS || m < 2 || n < 2) {
    smallGemm(
      m,
      n,
      k,
      a,
      aOffset,
      aRowStride,
      aColStride,
      b,
      bOffset,
      bRowStride,
      bColStride,
      c,
      cOffset,
      ldc,
      accumulate,
    );
    return;
  }
  blockedGemm(
    m,
    n,
    k,
    a,
    aOffset,
    aRowStride,
    aColStride,
    b,
    bOffset,
    bRowStride,
    bColStride,
    c,
    cOffset,
    ldc,
    accumulate,
  );
}

// ---- small sizes: direct loops -----------------------------------------------------------------------------------
function smallGemm(
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  aOffset: number,
  aRowStride: number,
  aColStride: number,
  b: FloatArray,
  bOffset: number,
  bRowStride: number,
  bColStride: number,
  c: FloatArray,
  cOffset: number,
  ldc: number,
  accumulate: boolean,
): void {
  // Dot-product order (i, j, p): the sum stays in a local double, C is written once per element.
  for (let i = 0; i < m; i++) {
    const aRow = aOffset + i * aRowStride;
    const cRow = cOffset + i * ldc;
    for (let j = 0; j < n; j++) {
      let s = 0;
      let pa = aRow;
      let pb = bOffset + j * bColStride;
      for (let p = 0; p < k; p++) {
        s += a[pa]! * b[pb]!;
        pa += aColStride;
        pb += bRowStride;
      }
      c[cRow + j] = accumulate ? c[cRow + j]! + s : s;
    }
  }
}

// ---- blocked path ------------------------------------------------------------------------------------------------
function blockedGemm(
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  aOffset: number,
  aRowStride: number,
  aColStride: number,
  b: FloatArray,
  bOffset: number,
  bRowStride: number,
  bColStride: number,
  c: FloatArray,
  cOffset: number,
  ldc: number,
  accumulate: boolean,
): void {
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    const ncPanels = Math.ceil(nc / NR);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      const needB = ncPanels * NR * kc;
      if (packedB.length < needB) packedB = new Float64Array(needB);
      packB(b, bOffset + pc * bRowStride + jc * bColStride, bRowStride, bColStride, kc, nc, packedB);
      // The first depth block overwrites C unless the caller asked to accumulate.
      const add = accumulate || pc > 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        const needA = Math.ceil(mc / MR) * MR * kc;
        if (packedA.length < needA) packedA = new Float64Array(needA);
        packA(a, aOffset + ic * aRowStride + pc * aColStride, aRowStride, aColStride, mc, kc, packedA);
        macroKernel(mc, nc, kc, packedA, packedB, c, cOffset + ic * ldc + jc, ldc, add);
      }
    }
  }
}

/** Pack an mc x kc block of A into MR-row panels, each stored p-major: ap[(panel * kc + p) * MR + r]. */
function packA(
  a: FloatArray,
  offset: number,
  rowStride: number,
  colStride: number,
  mc: number,
  kc: number,
  ap: Float64Array,
): void {
  let dst = 0;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const rows = Math.min(MR, mc - i0);
    if (rows === MR) {
      let src = offset + i0 * rowStride;
      for (let p = 0; p < kc; p++) {
        ap[dst] = a[src]!;
        ap[dst + 1] = a[src + rowStride]!;
        ap[dst + 2] = a[src + 2 * rowStride]!;
        ap[dst + 3] = a[src + 3 * rowStride]!;
        dst += MR;
        src += colStride;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = offset + i0 * rowStride + p * colStride;
        for (let r = 0; r < MR; r++) ap[dst + r] = r < rows ? a[src + r * rowStride]! : 0;
        dst += MR;
      }
    }
  }
}

/** Pack a kc x nc block of B into NR-column panels, each stored p-major: bp[(panel * kc + p) * NR + j]. */
function packB(
  b: FloatArray,
  offset: number,
  rowStride: number,
  colStride: number,
  kc: number,
  nc: number,
  bp: Float64Array,
): void {
  let dst = 0;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = Math.min(NR, nc - j0);
    if (cols === NR) {
      let src = offset + j0 * colStride;
      for (let p = 0; p < kc; p++) {
        bp[dst] = b[src]!;
        bp[dst + 1] = b[src + colStride]!;
        bp[dst + 2] = b[src + 2 * colStride]!;
        bp[dst + 3] = b[src + 3 * colStride]!;
        dst += NR;
        src += rowStride;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = offset + j0 * colStride + p * rowStride;
        for (let j = 0; j < NR; j++) bp[dst + j] = j < cols ? b[src + j * colStride]! : 0;
        dst += NR;
      }
    }
  }
}

/** All MR x NR tiles of an mc x nc block of C from packed A and B. */
function macroKernel(
  mc: number,
  nc: number,
  kc: number,
  ap: Float64Array,
  bp: Float64Array,
  c: FloatArray,
  cOffset: number,
  ldc: number,
  add: boolean,
): void {
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = Math.min(NR, nc - j0);
    const bIndex = j0 * kc; // (j0 / NR) * kc * NR
    for (let i0 = 0; i0 < mc; i0 += MR) {
      const rows = Math.min(MR, mc - i0);
      microKernel(kc, ap, i0 * kc, bp, bIndex, tile);
      const cIndex = cOffset + i0 * ldc + j0;
      if (rows === MR && cols === NR) {
        storeFullTile(c, cIndex, ldc, add);
      } else {
        for (let r = 0; r < rows; r++) {
          const row = cIndex + r * ldc;
          for (let j = 0; j < cols; j++) {
            const v = tile[r * NR + j]!;
            c[row + j] = add ? c[row + j]! + v : v;
          }
        }
      }
    }
  }
}

function storeFullTile(c: FloatArray, index: number, ldc: number, add: boolean): void {
  for (let r = 0; r < MR; r++) {
    const row = index + r * ldc;
    const t = r * NR;
    if (add) {
      c[row] = c[row]! + tile[t]!;
      c[row + 1] = c[row + 1]! + tile[t + 1]!;
      c[row + 2] = c[row + 2]! + tile[t + 2]!;
      c[row + 3] = c[row + 3]! + tile[t + 3]!;
    } else {
      c[row] = tile[t]!;
      c[row + 1] = tile[t + 1]!;
      c[row + 2] = tile[t + 2]!;
      c[row + 3] = tile[t + 3]!;
    }
  }
}

/** The register tile: 16 accumulators in locals, one rank-1 update per step of the depth loop. */
function microKernel(
  kc: number,
  ap: Float64Array,
  ai: number,
  bp: Float64Array,
  bi: number,
  out: Float64Array,
): void {
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0;
  let c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0;
  let c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = ap[ai]!,
      a1 = ap[ai + 1]!,
      a2 = ap[ai + 2]!,
      a3 = ap[ai + 3]!;
    const b0 = bp[bi]!,
      b1 = bp[bi + 1]!,
      b2 = bp[bi + 2]!,
      b3 = bp[bi + 3]!;
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
    ai += MR;
    bi += NR;
  }
  out[0] = c00;
  out[1] = c01;
  out[2] = c02;
  out[3] = c03;
  out[4] = c10;
  out[5] = c11;
  out[6] = c12;
  out[7] = c13;
  out[8] = c20;
  out[9] = c21;
  out[10] = c22;
  out[11] = c23;
  out[12] = c30;
  out[13] = c31;
  out[14] = c32;
  out[15] = c33;
}

// ---- the kernel --------------------------------------------------------------------------------------------------
/**
 * BatchMatMul: a [Ba, M, K] (or [Ba, K, M] with transposeA) times b [Bb, K, N] (or [Bb, N, K] with transposeB) ->
 * [max(Ba, Bb), M, N]; a batch of 1 broadcasts. float32 and float64.
 *
 * @example batchMatMul([a, b], { transposeA: false, transposeB: true } as never, backend)
 */
export const batchMatMul: KernelFn = (inputs, attrs, _backend): TensorInfo => {
  const { transposeA, transposeB } = attrs as BatchMatMulAttrs;
  const aInfo = inputs[0]!;
  const bInfo = inputs[1]!;
  const sa = aInfo.shape;
  const sb = bInfo.shape;
  if (sa.length !== 3 || sb.length !== 3) {
    throw new Error(`matmul: expected 3-D operands, got shapes ${formatShape(sa)} and ${formatShape(sb)}`);
  }
  const batchA = sa[0]!;
  const batchB = sb[0]!;
  const m = transposeA ? sa[2]! : sa[1]!;
  const k = transposeA ? sa[1]! : sa[2]!;
  const kb = transposeB ? sb[2]! : sb[1]!;
  const n = transposeB ? sb[1]! : sb[2]!;
  if (k !== kb) {
    throw new Error(
      `matmul: shapes ${formatShape(sa)} and ${formatShape(sb)} do not align: ${k} != ${kb}` +
        ` (transposeA=${transposeA}, transposeB=${transposeB})`,
    );
  }
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) {
    throw new Error(
      `matmul: batch sizes of shapes ${formatShape(sa)} and ${formatShape(sb)} cannot be broadcast: ${batchA} vs ${batchB}`,
    );
  }
  const batch = Math.max(batchA, batchB);
  const dtype = aInfo.dtype;
  const out = allocate(dtype, batch * m * n) as FloatArray;
  const a = aInfo.handle as FloatArray;
  const b = bInfo.handle as FloatArray;
  const aRowStride = transposeA ? 1 : k;
  const aColStride = transposeA ? m : 1;
  const bRowStride = transposeB ? 1 : n;
  const bColStride = transposeB ? k : 1;
  if (batchB === 1 && !transposeA) {
    // One shared right operand and row-major A: the batch folds into the rows of one larger product.
    gemm(batch * m, n, k, a, 0, aRowStride, aColStride, b, 0, bRowStride, bColStride, out, 0, n, false);
  } else {
    const aBatchStride = batchA === 1 ? 0 : m * k;
    const bBatchStride = batchB === 1 ? 0 : k * n;
    for (let i = 0; i < batch; i++) {
      gemm(
        m,
        n,
        k,
        a,
        i * aBatchStride,
        aRowStride,
        aColStride,
        b,
        i * bBatchStride,
        bRowStride,
        bColStride,
        out,
        i * m * n,
        n,
        false,
      );
    }
  }
  return { handle: out, shape: [batch, m, n], dtype };
};
