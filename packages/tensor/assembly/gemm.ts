/**
 * Single-precision GEMM for WebAssembly SIMD: C = A B (or C += A B) on strided operands in linear memory, with the
 * GotoBLAS/BLIS loop structure. B is packed into 8-column panels and A into 4-row panels (both zero-padded at the
 * edges, so the micro-kernel has no edge cases), and a 4x8 micro-kernel keeps the C tile in eight v128 locals.
 *
 * Measured (Zen 5 probe, then this project's Xeon; see docs/benchmarks.md): larger register tiles (5x8 to 8x8, 4x16)
 * ran at half speed because V8 spills them; unrolling the depth loop hurt. With relaxed SIMD (built as a second
 * module, chosen where the engine validates it) the multiply-add is one fused instruction.
 */

/** Rows of the register tile (A values splatted per step). */
const MR = 4;
/** Columns of the register tile: two v128 of B per step. */
const NR = 8;
/** Depth of a packed block: a 4 x 256 panel of A (4 KiB) and an 8 x 256 panel of B (8 KiB) stay in L1. */
const KC = 256;
/** Rows of A packed at once (a multiple of MR): 120 x 256 floats = 120 KiB in L2. */
const MC = 120;
/** Columns of B packed at once: 256 x 1024 floats = 1 MiB, reused by every block of A rows. */
const NC = 1024;

// Static scratch, reserved in the module's data area (zero-filled, no bytes in the binary). Globals rather than
// constants so that a second thread's instance (the threads build shares one memory) can move its scratch elsewhere.
let PACKED_A: usize = memory.data(MC * KC * 4, 64);
let PACKED_B: usize = memory.data(KC * NC * 4, 64);
let TILE: usize = memory.data(MR * NR * 4, 64);

/** Bytes of scratch one thread's sgemm needs (a 64-byte aligned block; see setGemmScratch). */
export function gemmScratchBytes(): usize {
  return MC * KC * 4 + KC * NC * 4 + MR * NR * 4;
}

/**
 * Move this instance's sgemm scratch to `base` (64-byte aligned, gemmScratchBytes() long). Used by worker threads
 * that share the main thread's memory, so that the two threads never pack into the same bytes.
 */
export function setGemmScratch(base: usize): void {
  PACKED_A = base;
  PACKED_B = base + MC * KC * 4;
  TILE = PACKED_B + KC * NC * 4;
}

/**
 * C(i, j) (+)= sum_p A(i, p) B(p, j) for an m x n C at `c` with row stride `ldc`, where A(i, p) is the f32 at
 * a + 4 (i aRowStride + p aColStride) and B(p, j) the f32 at b + 4 (p bRowStride + j bColStride). Strides are in
 * elements; a transpose is a swap of strides. `accumulate` adds into C instead of overwriting it.
 */
export function sgemm(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  aRowStride: i32,
  aColStride: i32,
  b: usize,
  bRowStride: i32,
  bColStride: i32,
  c: usize,
  ldc: i32,
  accumulate: bool,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + ((<usize>(i * ldc)) << 2), 0, (<usize>n) << 2);
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(b + ((<usize>(pc * bRowStride + jc * bColStride)) << 2), bRowStride, bColStride, kc, nc);
      // The first depth block overwrites C unless the caller asked to accumulate.
      const add = accumulate || pc > 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(a + ((<usize>(ic * aRowStride + pc * aColStride)) << 2), aRowStride, aColStride, mc, kc);
        macroKernel(mc, nc, kc, c + ((<usize>(ic * ldc + jc)) << 2), ldc, add);
      }
    }
  }
}

/** Pack an mc x kc block of A into MR-row panels of PACKED_A, each p-major: [(panel kc + p) MR + r]. */
function packA(src: usize, rowStride: i32, colStride: i32, mc: i32, kc: i32): void {
  let dst = PACKED_A;
  const rs = (<usize>rowStride) << 2;
  const cs = (<usize>colStride) << 2;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const rows = min(MR, mc - i0);
    let s = src + <usize>i0 * rs;
    if (rows == MR) {
      if (rowStride == 1) {
        // A transposed: the panel's four values at each depth are adjacent.
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(s));
          dst += 16;
          s += cs;
        }
      } else if (colStride == 1) {
        // Row-major A: read four depths of each row at once and transpose the 4x4 block in registers.
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const r0 = v128.load(s);
          const r1 = v128.load(s + rs);
          const r2 = v128.load(s + 2 * rs);
          const r3 = v128.load(s + 3 * rs);
          const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
          const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
          v128.store(dst, v128.shuffle<f64>(t0, t1, 0, 2));
          v128.store(dst, v128.shuffle<f64>(t0, t1, 1, 3), 16);
          v128.store(dst, v128.shuffle<f64>(t2, t3, 0, 2), 32);
          v128.store(dst, v128.shuffle<f64>(t2, t3, 1, 3), 48);
          dst += 64;
          s += 16;
        }
        for (; p < kc; p++) {
          store<f32>(dst, load<f32>(s));
          store<f32>(dst, load<f32>(s + rs), 4);
          store<f32>(dst, load<f32>(s + 2 * rs), 8);
          store<f32>(dst, load<f32>(s + 3 * rs), 12);
          dst += 16;
          s += 4;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          store<f32>(dst, load<f32>(s));
          store<f32>(dst, load<f32>(s + rs), 4);
          store<f32>(dst, load<f32>(s + 2 * rs), 8);
          store<f32>(dst, load<f32>(s + 3 * rs), 12);
          dst += 16;
          s += cs;
        }
      }
    } else {
      // Ragged last panel: zero rows, so that the micro-kernel needs no edge case.
      for (let p = 0; p < kc; p++) {
        v128.store(dst, f32x4.splat(0));
        for (let r = 0; r < rows; r++) store<f32>(dst + ((<usize>r) << 2), load<f32>(s + <usize>r * rs));
        dst += 16;
        s += cs;
      }
    }
  }
}

/** Pack a kc x nc block of B into NR-column panels of PACKED_B, each p-major: [(panel kc + p) NR + j]. */
function packB(src: usize, rowStride: i32, colStride: i32, kc: i32, nc: i32): void {
  let dst = PACKED_B;
  const rs = (<usize>rowStride) << 2;
  const cs = (<usize>colStride) << 2;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = min(NR, nc - j0);
    let s = src + <usize>j0 * cs;
    if (cols == NR && colStride == 1) {
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(s));
        v128.store(dst, v128.load(s, 16), 16);
        dst += 32;
        s += rs;
      }
    } else if (cols == NR && rowStride == 1) {
      // B transposed (x W^T of a linear layer): each column is contiguous in depth; transpose 4x4 blocks.
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        for (let half = 0; half < 2; half++) {
          const q = s + <usize>(half * 4) * cs;
          const r0 = v128.load(q);
          const r1 = v128.load(q + cs);
          const r2 = v128.load(q + 2 * cs);
          const r3 = v128.load(q + 3 * cs);
          const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
          const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
          const d = dst + <usize>(half * 16);
          v128.store(d, v128.shuffle<f64>(t0, t1, 0, 2));
          v128.store(d, v128.shuffle<f64>(t0, t1, 1, 3), 32);
          v128.store(d, v128.shuffle<f64>(t2, t3, 0, 2), 64);
          v128.store(d, v128.shuffle<f64>(t2, t3, 1, 3), 96);
        }
        dst += 128;
        s += 16;
      }
      for (; p < kc; p++) {
        for (let j = 0; j < NR; j++) store<f32>(dst + ((<usize>j) << 2), load<f32>(s + <usize>j * cs));
        dst += 32;
        s += 4;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        v128.store(dst, f32x4.splat(0));
        v128.store(dst, f32x4.splat(0), 16);
        for (let j = 0; j < cols; j++) store<f32>(dst + ((<usize>j) << 2), load<f32>(s + <usize>j * cs));
        dst += 32;
        s += rs;
      }
    }
  }
}

/** All MR x NR tiles of an mc x nc block of C from the packed blocks; ragged tiles go through TILE. */
function macroKernel(mc: i32, nc: i32, kc: i32, c: usize, ldc: i32, add: bool): void {
  const ldcBytes = (<usize>ldc) << 2;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = min(NR, nc - j0);
    const pb = PACKED_B + ((<usize>(j0 * kc)) << 2);
    for (let i0 = 0; i0 < mc; i0 += MR) {
      const rows = min(MR, mc - i0);
      const pa = PACKED_A + ((<usize>(i0 * kc)) << 2);
      kernelTile(kc, pa, pb, c + <usize>i0 * ldcBytes + ((<usize>j0) << 2), ldcBytes, rows, cols, add);
    }
  }
}

/**
 * One tile of C (rows <= MR, cols <= NR, at c with row stride ldcBytes) from a packed A panel (kc x MR floats at pa)
 * and a packed B panel (kc x NR at pb): full tiles go straight to C, ragged ones through TILE. Shared with conv.ts,
 * which packs its own panels.
 */
// @ts-ignore: decorator
@inline
export function kernelTile(kc: i32, pa: usize, pb: usize, c: usize, ldcBytes: usize, rows: i32, cols: i32, add: bool): void {
  if (rows == MR && cols == NR) {
    microKernel(kc, pa, pb, c, c + ldcBytes, c + 2 * ldcBytes, c + 3 * ldcBytes, add);
  } else {
    microKernel(kc, pa, pb, TILE, TILE + NR * 4, TILE + 2 * NR * 4, TILE + 3 * NR * 4, false);
    for (let r = 0; r < rows; r++) {
      const row = c + <usize>r * ldcBytes;
      const t = TILE + <usize>(r * NR * 4);
      for (let j = 0; j < cols; j++) {
        const o = (<usize>j) << 2;
        const v = load<f32>(t + o);
        store<f32>(row + o, add ? load<f32>(row + o) + v : v);
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/**
 * The 4x8 register tile: C in eight v128 locals, one rank-1 update per step of depth (two v128 loads of B, four
 * splat loads of A, eight multiply-adds). Stores the tile's rows at r0..r3 (eight floats each), or adds it there.
 * Rows are separate addresses so that conv.ts can add a tile straight into four taps' cells of an input gradient.
 */
export function microKernel(kc: i32, pa: usize, pb: usize, r0: usize, r1: usize, r2: usize, r3: usize, add: bool): void {
  let c00 = f32x4.splat(0);
  let c01 = c00;
  let c10 = c00;
  let c11 = c00;
  let c20 = c00;
  let c21 = c00;
  let c30 = c00;
  let c31 = c00;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    const a1 = v128.load32_splat(pa, 4);
    c10 = madd(a1, b0, c10);
    c11 = madd(a1, b1, c11);
    const a2 = v128.load32_splat(pa, 8);
    c20 = madd(a2, b0, c20);
    c21 = madd(a2, b1, c21);
    const a3 = v128.load32_splat(pa, 12);
    c30 = madd(a3, b0, c30);
    c31 = madd(a3, b1, c31);
    pa += 16;
    pb += 32;
  }
  // Row by row: conv.ts's rows may overlap (adjacent taps of one kernel row), so each row's sum must be stored
  // before the next row is loaded.
  if (add) {
    v128.store(r0, f32x4.add(c00, v128.load(r0)));
    v128.store(r0, f32x4.add(c01, v128.load(r0, 16)), 16);
    v128.store(r1, f32x4.add(c10, v128.load(r1)));
    v128.store(r1, f32x4.add(c11, v128.load(r1, 16)), 16);
    v128.store(r2, f32x4.add(c20, v128.load(r2)));
    v128.store(r2, f32x4.add(c21, v128.load(r2, 16)), 16);
    v128.store(r3, f32x4.add(c30, v128.load(r3)));
    v128.store(r3, f32x4.add(c31, v128.load(r3, 16)), 16);
  } else {
    v128.store(r0, c00);
    v128.store(r0, c01, 16);
    v128.store(r1, c10);
    v128.store(r1, c11, 16);
    v128.store(r2, c20);
    v128.store(r2, c21, 16);
    v128.store(r3, c30);
    v128.store(r3, c31, 16);
  }
}
