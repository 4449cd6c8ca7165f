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
// panels are Float64Arrays whatever the tensor dtype: the micro-kernel sees one array type only (a monomorphic site
// that TurboFan compiles to scalar SSE loads), and float32 inputs get float64 accumulation for free.
// Measured on a Xeon (AVX-512, 2.6 GHz, node 20) with constant packed buffers: 4x4, 4x8, 6x8, 8x6 and 8x8 tiles all
// run at 6.0-6.25 GFLOP/s in the micro-kernel, which is the scalar peak (two double ops per cycle), so the smallest
// tile wins: it wastes least on the ragged edges of the small matrices of conv layers (M = 20 output channels).
const MR = 4;
const NR = 4;
/** packPanels' panel width: the micro-kernel's MR and NR, which are equal. */
const PANEL = MR;
/** Depth of a packed panel: an NR x KC panel of B (8 KiB of doubles) stays in L1 while A streams past it. */
const KC = 256;
/** Rows of A packed at once: MC x KC doubles (256 KiB) sit in L2. */
const MC = 128;
/** Columns of B packed at once: KC x NC doubles (2 MiB), the most that one packing of A is reused for. */
const NC = 1024;
/**
 * Below this many multiply-adds the direct loops win: packing costs O(MK + KN) and the tile bookkeeping a constant
 * per call, which dominates e.g. the 10x30 by 30x10 products of a small MLP.
 */
const SMALL_GEMM_MACS = 16384;

// Fixed-size scratch, reused across calls (no allocation per call). NOTE: these must stay module-level `const`s read
// directly by the packing routines and the micro-kernel, never passed as arguments or grown: TurboFan then embeds
// their base pointers and lengths as constants, which frees registers in the 16-accumulator loop and simplifies
// the bounds checks. Measured: 6.2 GFLOP/s for the micro-kernel against 5.0 with the same buffers as parameters.
const PACKED_A = new Float64Array(MC * KC);
const PACKED_B = new Float64Array(KC * NC);
const TILE = new Float64Array(MR * NR);

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
  // 4x4 register tiles read straight from the strided operands: no packing, whose O(MK + KN) copy and per-tile
  // bookkeeping dominate at these sizes. Ragged rows and columns fall back to dot products.
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  const aR1 = aRowStride;
  const aR2 = 2 * aRowStride;
  const aR3 = 3 * aRowStride;
  const bC1 = bColStride;
  const bC2 = 2 * bColStride;
  const bC3 = 3 * bColStride;
  for (let i = 0; i < m4; i += 4) {
    const aRow = aOffset + i * aRowStride;
    const cRow = cOffset + i * ldc;
    for (let j = 0; j < n4; j += 4) {
      let c00 = 0;
      let c01 = 0;
      let c02 = 0;
      let c03 = 0;
      let c10 = 0;
      let c11 = 0;
      let c12 = 0;
      let c13 = 0;
      let c20 = 0;
      let c21 = 0;
      let c22 = 0;
      let c23 = 0;
      let c30 = 0;
      let c31 = 0;
      let c32 = 0;
      let c33 = 0;
      let pa = aRow;
      let pb = bOffset + j * bColStride;
      for (let p = 0; p < k; p++) {
        const a0 = a[pa]!;
        const a1 = a[pa + aR1]!;
        const a2 = a[pa + aR2]!;
        const a3 = a[pa + aR3]!;
        const b0 = b[pb]!;
        const b1 = b[pb + bC1]!;
        const b2 = b[pb + bC2]!;
        const b3 = b[pb + bC3]!;
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
        pa += aColStride;
        pb += bRowStride;
      }
      const c0 = cRow + j;
      const c1 = c0 + ldc;
      const c2 = c1 + ldc;
      const c3 = c2 + ldc;
      if (accumulate) {
        c00 += c[c0]!;
        c01 += c[c0 + 1]!;
        c02 += c[c0 + 2]!;
        c03 += c[c0 + 3]!;
        c10 += c[c1]!;
        c11 += c[c1 + 1]!;
        c12 += c[c1 + 2]!;
        c13 += c[c1 + 3]!;
        c20 += c[c2]!;
        c21 += c[c2 + 1]!;
        c22 += c[c2 + 2]!;
        c23 += c[c2 + 3]!;
        c30 += c[c3]!;
        c31 += c[c3 + 1]!;
        c32 += c[c3 + 2]!;
        c33 += c[c3 + 3]!;
      }
      c[c0] = c00;
      c[c0 + 1] = c01;
      c[c0 + 2] = c02;
      c[c0 + 3] = c03;
      c[c1] = c10;
      c[c1 + 1] = c11;
      c[c1 + 2] = c12;
      c[c1 + 3] = c13;
      c[c2] = c20;
      c[c2 + 1] = c21;
      c[c2 + 2] = c22;
      c[c2 + 3] = c23;
      c[c3] = c30;
      c[c3 + 1] = c31;
      c[c3 + 2] = c32;
      c[c3 + 3] = c33;
    }
  }
  // Ragged edges in strips that still share loads: 4x1 down the last columns, 1x4 along the last rows (measured:
  // plain dot products there made a 10x30 by 30x10 product 2.7 times slower than 8x30 by 30x8).
  if (n4 < n)
    columnStrips(
      m4,
      n4,
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
  if (m4 < m)
    rowStrips(
      m4,
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

/** C[0..m4, j0..j1] for m4 a multiple of 4: per column, 4 rows at a time (4 accumulators, one load of B each step). */
function columnStrips(
  m4: number,
  j0: number,
  j1: number,
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
  const aR1 = aRowStride;
  const aR2 = 2 * aRowStride;
  const aR3 = 3 * aRowStride;
  for (let j = j0; j < j1; j++) {
    for (let i = 0; i < m4; i += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let pa = aOffset + i * aRowStride;
      let pb = bOffset + j * bColStride;
      for (let p = 0; p < k; p++) {
        const bv = b[pb]!;
        s0 += a[pa]! * bv;
        s1 += a[pa + aR1]! * bv;
        s2 += a[pa + aR2]! * bv;
        s3 += a[pa + aR3]! * bv;
        pa += aColStride;
        pb += bRowStride;
      }
      const c0 = cOffset + i * ldc + j;
      if (accumulate) {
        s0 += c[c0]!;
        s1 += c[c0 + ldc]!;
        s2 += c[c0 + 2 * ldc]!;
        s3 += c[c0 + 3 * ldc]!;
      }
      c[c0] = s0;
      c[c0 + ldc] = s1;
      c[c0 + 2 * ldc] = s2;
      c[c0 + 3 * ldc] = s3;
    }
  }
}

/** C[i0..i1, 0..n]: per row, 4 columns at a time (one load of A each step), then single dot products. */
function rowStrips(
  i0: number,
  i1: number,
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
  const n4 = n - (n % 4);
  const bC1 = bColStride;
  const bC2 = 2 * bColStride;
  const bC3 = 3 * bColStride;
  for (let i = i0; i < i1; i++) {
    const aRow = aOffset + i * aRowStride;
    const cRow = cOffset + i * ldc;
    for (let j = 0; j < n4; j += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let pa = aRow;
      let pb = bOffset + j * bColStride;
      for (let p = 0; p < k; p++) {
        const av = a[pa]!;
        s0 += av * b[pb]!;
        s1 += av * b[pb + bC1]!;
        s2 += av * b[pb + bC2]!;
        s3 += av * b[pb + bC3]!;
        pa += aColStride;
        pb += bRowStride;
      }
      const c0 = cRow + j;
      if (accumulate) {
        s0 += c[c0]!;
        s1 += c[c0 + 1]!;
        s2 += c[c0 + 2]!;
        s3 += c[c0 + 3]!;
      }
      c[c0] = s0;
      c[c0 + 1] = s1;
      c[c0 + 2] = s2;
      c[c0 + 3] = s3;
    }
    for (let j = n4; j < n; j++) {
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
// GotoBLAS loop order: for each NC block of columns and KC block of depth, pack B once; for each MC block of rows,
// pack A; then sweep MR x NR tiles, the B panel outermost so that it stays in L1 across the whole A block.
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
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packPanels(PACKED_B, b, bOffset + pc * bRowStride + jc * bColStride, bColStride, bRowStride, nc, kc);
      // The first depth block overwrites C unless the caller asked to accumulate.
      const add = accumulate || pc > 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packPanels(PACKED_A, a, aOffset + ic * aRowStride + pc * aColStride, aRowStride, aColStride, mc, kc);
        macroKernel(mc, nc, kc, c, cOffset + ic * ldc + jc, ldc, add);
      }
    }
  }
}

/**
 * Pack `lines` lines of `depth` values each into 4-line panels of `dest`, each stored depth-major:
 * [(panel * depth + p) * 4 + line]. A's rows (MR) and B's columns (NR) are both such lines, so one routine packs
 * both: A's line stride is its row stride and its step its column stride; B's the other way round.
 */
function packPanels(
  dest: Float64Array,
  src: FloatArray,
  offset: number,
  lineStride: number,
  stepStride: number,
  lines: number,
  depth: number,
): void {
  let dst = 0;
  for (let l0 = 0; l0 < lines; l0 += PANEL) {
    const count = Math.min(PANEL, lines - l0);
    if (count === PANEL) {
      let at = offset + l0 * lineStride;
      const l1 = lineStride;
      const l2 = 2 * lineStride;
      const l3 = 3 * lineStride;
      for (let p = 0; p < depth; p++) {
        dest[dst] = src[at]!;
        dest[dst + 1] = src[at + l1]!;
        dest[dst + 2] = src[at + l2]!;
        dest[dst + 3] = src[at + l3]!;
        dst += PANEL;
        at += stepStride;
      }
    } else {
      // Ragged last panel: zero lines, so that the micro-kernel needs no edge case.
      for (let p = 0; p < depth; p++) {
        const at = offset + l0 * lineStride + p * stepStride;
        for (let l = 0; l < PANEL; l++) dest[dst + l] = l < count ? src[at + l * lineStride]! : 0;
        dst += PANEL;
      }
    }
  }
}

/** All MR x NR tiles of an mc x nc block of C from the packed A and B blocks. */
function macroKernel(
  mc: number,
  nc: number,
  kc: number,
  c: FloatArray,
  cOffset: number,
  ldc: number,
  add: boolean,
) {
  const tile = TILE;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = Math.min(NR, nc - j0);
    const bIndex = j0 * kc; // panel (j0 / NR) starts at (j0 / NR) * kc * NR
    for (let i0 = 0; i0 < mc; i0 += MR) {
      const rows = Math.min(MR, mc - i0);
      const cIndex = cOffset + i0 * ldc + j0;
      if (rows === MR && cols === NR) {
        microKernel(kc, i0 * kc, bIndex, c, cIndex, ldc, add ? 2 : 1);
      } else {
        microKernel(kc, i0 * kc, bIndex, c, cIndex, ldc, 0);
        // Only the rows and columns of the tile that exist in C.
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

/**
 * The register tile: 16 accumulators in locals and one rank-1 update (4 + 4 loads, 16 multiply-adds) per step of
 * the depth loop, over the panels at PACKED_A[ai..] and PACKED_B[bi..]. `mode` says where the tile goes: 1 stores it
 * into C at ci (row stride ldc), 2 adds it there, 0 leaves it in TILE for a ragged edge. Writing full tiles straight
 * to C rather than through TILE measured 4-5% faster on the conv GEMMs, whose depth (20-500) is short.
 */
function microKernel(
  kc: number,
  ai: number,
  bi: number,
  c: FloatArray,
  ci: number,
  ldc: number,
  mode: number,
): void {
  const ap = PACKED_A;
  const bp = PACKED_B;
  let c00 = 0;
  let c01 = 0;
  let c02 = 0;
  let c03 = 0;
  let c10 = 0;
  let c11 = 0;
  let c12 = 0;
  let c13 = 0;
  let c20 = 0;
  let c21 = 0;
  let c22 = 0;
  let c23 = 0;
  let c30 = 0;
  let c31 = 0;
  let c32 = 0;
  let c33 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = ap[ai]!;
    const a1 = ap[ai + 1]!;
    const a2 = ap[ai + 2]!;
    const a3 = ap[ai + 3]!;
    const b0 = bp[bi]!;
    const b1 = bp[bi + 1]!;
    const b2 = bp[bi + 2]!;
    const b3 = bp[bi + 3]!;
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
  if (mode === 0) {
    const out = TILE;
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
    return;
  }
  const r1 = ci + ldc;
  const r2 = r1 + ldc;
  const r3 = r2 + ldc;
  if (mode === 2) {
    c00 += c[ci]!;
    c01 += c[ci + 1]!;
    c02 += c[ci + 2]!;
    c03 += c[ci + 3]!;
    c10 += c[r1]!;
    c11 += c[r1 + 1]!;
    c12 += c[r1 + 2]!;
    c13 += c[r1 + 3]!;
    c20 += c[r2]!;
    c21 += c[r2 + 1]!;
    c22 += c[r2 + 2]!;
    c23 += c[r2 + 3]!;
    c30 += c[r3]!;
    c31 += c[r3 + 1]!;
    c32 += c[r3 + 2]!;
    c33 += c[r3 + 3]!;
  }
  c[ci] = c00;
  c[ci + 1] = c01;
  c[ci + 2] = c02;
  c[ci + 3] = c03;
  c[r1] = c10;
  c[r1 + 1] = c11;
  c[r1 + 2] = c12;
  c[r1 + 3] = c13;
  c[r2] = c20;
  c[r2 + 1] = c21;
  c[r2 + 2] = c22;
  c[r2 + 3] = c23;
  c[r3] = c30;
  c[r3 + 1] = c31;
  c[r3 + 2] = c32;
  c[r3 + 3] = c33;
}

// ---- the kernel --------------------------------------------------------------------------------------------------
/**
 * BatchMatMul: a [Ba, M, K] (or [Ba, K, M] with transposeA) times b [Bb, K, N] (or [Bb, N, K] with transposeB) ->
 * [max(Ba, Bb), M, N]; a batch of 1 broadcasts. float32 and float64.
 *
 * @example batchMatMul([a, b], { transposeA: false, transposeB: true } as never, backend)
 */
export const batchMatMul: KernelFn = (inputs, attrs, _backend): TensorInfo => {
  const g = matmulGeometry(inputs, attrs as BatchMatMulAttrs);
  const { batch, batchA, batchB, m, n, k, transposeA, transposeB } = g;
  const dtype = inputs[0]!.dtype;
  const out = allocate(dtype, batch * m * n) as FloatArray;
  const a = inputs[0]!.handle as FloatArray;
  const b = inputs[1]!.handle as FloatArray;
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

/** The sizes of one BatchMatMul, validated (shared by the TypeScript and WebAssembly kernels). */
export interface MatmulGeometry {
  batch: number;
  batchA: number;
  batchB: number;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
}

/** Check BatchMatMul's operands and attributes; the errors name matmul and both shapes. */
export function matmulGeometry(inputs: readonly TensorInfo[], attrs: BatchMatMulAttrs): MatmulGeometry {
  const { transposeA, transposeB } = attrs;
  const sa = inputs[0]!.shape;
  const sb = inputs[1]!.shape;
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
  return { batch: Math.max(batchA, batchB), batchA, batchB, m, n, k, transposeA, transposeB };
}
