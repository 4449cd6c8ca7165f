/**
 * Sum of float32 values over the middle axis of an [outer, reduced, inner] view, accumulated in double and rounded
 * once to float32, as the TypeScript reduce (src/backends/cpu/reduce.ts) computes it.
 */

/**
 * out[o, i] = sum over r of x[o, r, i]. inner > 1: whole rows added into `acc` (inner doubles of scratch), r in
 * order: the TypeScript kernel's order, so the same bits. inner = 1: each contiguous run of `reduced` floats summed
 * in eight double lanes, then across them: another order than the TypeScript loop's (which adds one value at a
 * time), so a result may differ from it in the last bit where the double sums round to float32 differently.
 */
export function sumF32(x: usize, out: usize, outer: i32, reduced: i32, inner: i32, acc: usize): void {
  if (reduced == 0) {
    memory.fill(out, 0, (<usize>outer * <usize>inner) << 2);
    return;
  }
  if (inner == 1) {
    sumRows(x, out, outer, reduced);
    return;
  }
  const rowBytes = (<usize>inner) << 2;
  for (let o = 0; o < outer; o++) {
    const base = x + <usize>o * <usize>reduced * rowBytes;
    // r = 0 sets acc to 0 + v, as the TypeScript loop does (a sum of -0 values is +0).
    const zero = f64x2.splat(0);
    let i = 0;
    for (; i + 2 <= inner; i += 2) {
      const v = f64x2.promote_low_f32x4(v128.load64_zero(base + ((<usize>i) << 2)));
      v128.store(acc + ((<usize>i) << 3), f64x2.add(zero, v));
    }
    if (i < inner) store<f64>(acc + ((<usize>i) << 3), 0.0 + <f64>load<f32>(base + ((<usize>i) << 2)));
    for (let r = 1; r < reduced; r++) {
      const row = base + <usize>r * rowBytes;
      i = 0;
      for (; i + 2 <= inner; i += 2) {
        const a = acc + ((<usize>i) << 3);
        const v = f64x2.promote_low_f32x4(v128.load64_zero(row + ((<usize>i) << 2)));
        v128.store(a, f64x2.add(v128.load(a), v));
      }
      if (i < inner) {
        const a = acc + ((<usize>i) << 3);
        store<f64>(a, load<f64>(a) + <f64>load<f32>(row + ((<usize>i) << 2)));
      }
    }
    const ob = out + <usize>o * rowBytes;
    i = 0;
    for (; i + 4 <= inner; i += 4) {
      const a = acc + ((<usize>i) << 3);
      const lo = f32x4.demote_f64x2_zero(v128.load(a));
      const hi = f32x4.demote_f64x2_zero(v128.load(a, 16));
      v128.store(ob + ((<usize>i) << 2), i32x4.shuffle(lo, hi, 0, 1, 4, 5));
    }
    for (; i < inner; i++) store<f32>(ob + ((<usize>i) << 2), <f32>load<f64>(acc + ((<usize>i) << 3)));
  }
}

/** out[o] = sum of the `length` floats at x + o length (double accumulators, rounded once). */
function sumRows(x: usize, out: usize, rows: i32, length: i32): void {
  const rowBytes = (<usize>length) << 2;
  for (let o = 0; o < rows; o++) {
    const row = x + <usize>o * rowBytes;
    let s0 = f64x2.splat(0);
    let s1 = f64x2.splat(0);
    let s2 = f64x2.splat(0);
    let s3 = f64x2.splat(0);
    let j = 0;
    for (; j + 8 <= length; j += 8) {
      const p = row + ((<usize>j) << 2);
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v128.load64_zero(p)));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.load64_zero(p, 8)));
      s2 = f64x2.add(s2, f64x2.promote_low_f32x4(v128.load64_zero(p, 16)));
      s3 = f64x2.add(s3, f64x2.promote_low_f32x4(v128.load64_zero(p, 24)));
    }
    for (; j + 2 <= length; j += 2) {
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v128.load64_zero(row + ((<usize>j) << 2))));
    }
    const s = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
    let total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
    if (j < length) total += <f64>load<f32>(row + ((<usize>j) << 2));
    store<f32>(out + ((<usize>o) << 2), <f32>total);
  }
}
