/**
 * Products too thin for the packed GEMM (gemm.ts), which a dense layer at a small mini-batch runs on every step
 * (Nielsen's MLP: x W^T with 10 rows, and dW = dy^T x with a depth of 10). Packing both operands and running 4x8
 * register tiles over a depth of 10, or over 10 rows, costs more than the arithmetic; these loops read the operands
 * where they are.
 *
 * - rowDots: C = A B^T with A [m x k] and B [n x k] row-major (both contiguous along k): each C(i, j) is a dot
 *   product along k, computed for 2 rows of A and 4 rows of B at once (eight v128 accumulators, six loads per four
 *   steps of depth), then summed across lanes.
 * - outerSums: C = A^T B with A [k x m] (k small), or C = A B with A [m x k] (m small), B [k x n] row-major: each
 *   row of C is a sum over k of a row of B scaled by one A value, computed for 2 rows of C and 16 columns at once
 *   (eight v128 accumulators held over the whole depth, so C is written once).
 */

// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

// @ts-ignore: decorator
@inline
function hsum(v: v128): f32 {
  const s = f32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

/** One dot product of k floats at a and b (byte addresses). */
function dot(a: usize, b: usize, k: i32): f32 {
  let acc = f32x4.splat(0);
  let p = 0;
  for (; p + 4 <= k; p += 4) {
    const o = (<usize>p) << 2;
    acc = madd(v128.load(a + o), v128.load(b + o), acc);
  }
  let s = hsum(acc);
  for (; p < k; p++) s += load<f32>(a + ((<usize>p) << 2)) * load<f32>(b + ((<usize>p) << 2));
  return s;
}

/**
 * C (m x n, row-major, rows ldc floats apart) = A (m x k) B (n x k)^T, both row-major. Column blocks of 4: a call on
 * columns [j0, n) with j0 a multiple of 4 (b and c advanced by j0 rows / columns) computes them as a whole call does.
 */
export function rowDots(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, ldc: i32): void {
  const rowBytes = (<usize>k) << 2;
  const k4 = k & ~3;
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    const a0 = a + <usize>i * rowBytes;
    const a1 = a0 + rowBytes;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = b + <usize>j * rowBytes;
      const b1 = b0 + rowBytes;
      const b2 = b1 + rowBytes;
      const b3 = b2 + rowBytes;
      let c00 = f32x4.splat(0);
      let c01 = f32x4.splat(0);
      let c02 = f32x4.splat(0);
      let c03 = f32x4.splat(0);
      let c10 = f32x4.splat(0);
      let c11 = f32x4.splat(0);
      let c12 = f32x4.splat(0);
      let c13 = f32x4.splat(0);
      for (let p = 0; p < k4; p += 4) {
        const o = (<usize>p) << 2;
        const x0 = v128.load(a0 + o);
        const x1 = v128.load(a1 + o);
        const y0 = v128.load(b0 + o);
        const y1 = v128.load(b1 + o);
        const y2 = v128.load(b2 + o);
        const y3 = v128.load(b3 + o);
        c00 = madd(x0, y0, c00);
        c01 = madd(x0, y1, c01);
        c02 = madd(x0, y2, c02);
        c03 = madd(x0, y3, c03);
        c10 = madd(x1, y0, c10);
        c11 = madd(x1, y1, c11);
        c12 = madd(x1, y2, c12);
        c13 = madd(x1, y3, c13);
      }
      let s00 = hsum(c00);
      let s01 = hsum(c01);
      let s02 = hsum(c02);
      let s03 = hsum(c03);
      let s10 = hsum(c10);
      let s11 = hsum(c11);
      let s12 = hsum(c12);
      let s13 = hsum(c13);
      for (let p = k4; p < k; p++) {
        const o = (<usize>p) << 2;
        const x0 = load<f32>(a0 + o);
        const x1 = load<f32>(a1 + o);
        const y0 = load<f32>(b0 + o);
        const y1 = load<f32>(b1 + o);
        const y2 = load<f32>(b2 + o);
        const y3 = load<f32>(b3 + o);
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      const r0 = c + ((<usize>(i * ldc + j)) << 2);
      const r1 = r0 + ((<usize>ldc) << 2);
      store<f32>(r0, s00);
      store<f32>(r0, s01, 4);
      store<f32>(r0, s02, 8);
      store<f32>(r0, s03, 12);
      store<f32>(r1, s10);
      store<f32>(r1, s11, 4);
      store<f32>(r1, s12, 8);
      store<f32>(r1, s13, 12);
    }
    for (; j < n; j++) {
      const bj = b + <usize>j * rowBytes;
      store<f32>(c + ((<usize>(i * ldc + j)) << 2), dot(a0, bj, k));
      store<f32>(c + ((<usize>((i + 1) * ldc + j)) << 2), dot(a1, bj, k));
    }
  }
  if (i < m) {
    const ai = a + <usize>i * rowBytes;
    for (let j = 0; j < n; j++) store<f32>(c + ((<usize>(i * ldc + j)) << 2), dot(ai, b + <usize>j * rowBytes, k));
  }
}

/**
 * C (m x n, row-major) = sum over p of A(p, i) B(p, j), with A(p, i) the float at a + p aRow + i aCol (bytes) and
 * B (k x n) row-major, B's and C's rows ld floats apart: A^T B for A stored (k x m) (aRow = 4 m, aCol = 4), or A B for
 * A stored (m x k) (aRow = 4, aCol = 4 k). Column blocks of 16, then 4: a call on columns [j0, n) with j0 a multiple
 * of 16 computes them as a whole call does.
 */
export function outerSums(m: i32, n: i32, k: i32, a: usize, aRow: usize, aCol: usize, b: usize, c: usize, ld: i32): void {
  const bRow = (<usize>ld) << 2;
  const cRow = (<usize>ld) << 2;
  const n16 = n & ~15;
  const n4 = n & ~3;
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    const r0 = c + <usize>i * cRow;
    const r1 = r0 + cRow;
    let j = 0;
    for (; j < n16; j += 16) {
      const jo = (<usize>j) << 2;
      let c00 = f32x4.splat(0);
      let c01 = f32x4.splat(0);
      let c02 = f32x4.splat(0);
      let c03 = f32x4.splat(0);
      let c10 = f32x4.splat(0);
      let c11 = f32x4.splat(0);
      let c12 = f32x4.splat(0);
      let c13 = f32x4.splat(0);
      for (let p = 0; p < k; p++) {
        const ap = a + <usize>p * aRow + <usize>i * aCol;
        const x0 = v128.load32_splat(ap);
        const x1 = v128.load32_splat(ap + aCol);
        const bp = b + <usize>p * bRow + jo;
        const y0 = v128.load(bp);
        const y1 = v128.load(bp, 16);
        const y2 = v128.load(bp, 32);
        const y3 = v128.load(bp, 48);
        c00 = madd(x0, y0, c00);
        c01 = madd(x0, y1, c01);
        c02 = madd(x0, y2, c02);
        c03 = madd(x0, y3, c03);
        c10 = madd(x1, y0, c10);
        c11 = madd(x1, y1, c11);
        c12 = madd(x1, y2, c12);
        c13 = madd(x1, y3, c13);
      }
      v128.store(r0 + jo, c00);
      v128.store(r0 + jo, c01, 16);
      v128.store(r0 + jo, c02, 32);
      v128.store(r0 + jo, c03, 48);
      v128.store(r1 + jo, c10);
      v128.store(r1 + jo, c11, 16);
      v128.store(r1 + jo, c12, 32);
      v128.store(r1 + jo, c13, 48);
    }
    for (; j < n4; j += 4) {
      const jo = (<usize>j) << 2;
      let c0 = f32x4.splat(0);
      let c1 = f32x4.splat(0);
      for (let p = 0; p < k; p++) {
        const ap = a + <usize>p * aRow + <usize>i * aCol;
        const y = v128.load(b + <usize>p * bRow + jo);
        c0 = madd(v128.load32_splat(ap), y, c0);
        c1 = madd(v128.load32_splat(ap + aCol), y, c1);
      }
      v128.store(r0 + jo, c0);
      v128.store(r1 + jo, c1);
    }
    for (; j < n; j++) {
      let s0: f32 = 0;
      let s1: f32 = 0;
      for (let p = 0; p < k; p++) {
        const ap = a + <usize>p * aRow + <usize>i * aCol;
        const y = load<f32>(b + <usize>p * bRow + ((<usize>j) << 2));
        s0 += load<f32>(ap) * y;
        s1 += load<f32>(ap + aCol) * y;
      }
      store<f32>(r0 + ((<usize>j) << 2), s0);
      store<f32>(r1 + ((<usize>j) << 2), s1);
    }
  }
  if (i < m) {
    const r0 = c + <usize>i * cRow;
    let j = 0;
    for (; j < n4; j += 4) {
      const jo = (<usize>j) << 2;
      let c0 = f32x4.splat(0);
      for (let p = 0; p < k; p++) {
        c0 = madd(v128.load32_splat(a + <usize>p * aRow + <usize>i * aCol), v128.load(b + <usize>p * bRow + jo), c0);
      }
      v128.store(r0 + jo, c0);
    }
    for (; j < n; j++) {
      let s0: f32 = 0;
      for (let p = 0; p < k; p++) {
        s0 += load<f32>(a + <usize>p * aRow + <usize>i * aCol) * load<f32>(b + <usize>p * bRow + ((<usize>j) << 2));
      }
      store<f32>(r0 + ((<usize>j) << 2), s0);
    }
  }
}
