/**
 * Elementwise kernels for WebAssembly SIMD (float32 storage): the ones a benchmark showed faster than their
 * TypeScript loops even with the copies in and out of wasm memory (docs/benchmarks.md):
 *
 * - sigmoid, whose TypeScript loop calls Math.exp (about 9 ns per element): here a vectorized exp, four lanes at a
 *   time, accurate to a few float32 ulps;
 * - sigmoid's backward, in double precision two lanes at a time, in the same order as the TypeScript loop (which
 *   computes in double, as all JavaScript arithmetic does), rounded once to float32: both paths give the same bits;
 * - the in-place scaled add of optimizers, in float32 arithmetic (the TypeScript loop's float32 path gives the same
 *   bits).
 */

// exp(x) for x in [-87.3, 0]: x = k ln2 + r with |r| <= ln2 / 2, exp(r) by a degree-6 polynomial (Cephes' expf
// coefficients), times 2^k built in the exponent bits. Below -87.3 the true value is subnormal (or 0) and the
// result is 0: sigmoid(x) for x < -87.3 then differs from the TypeScript kernel's subnormal by less than 1.2e-38.
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const EXP_MIN: f32 = -87.3;
const P0: f32 = 1.9875691500e-4;
const P1: f32 = 1.3981999507e-3;
const P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2;
const P4: f32 = 1.6666665459e-1;
const P5: f32 = 5.0000001201e-1;

// @ts-ignore: decorator
@inline
function expNonPositive(x: v128): v128 {
  const xc = f32x4.max(x, f32x4.splat(EXP_MIN));
  // k = round(x log2 e)
  const k = f32x4.nearest(f32x4.mul(xc, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(k, f32x4.splat(LN2_HI))), f32x4.mul(k, f32x4.splat(LN2_LO)));
  const r2 = f32x4.mul(r, r);
  let p = f32x4.add(f32x4.mul(f32x4.splat(P0), r), f32x4.splat(P1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P5));
  // exp(r) = 1 + r + r^2 p
  const e = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), f32x4.splat(1.0));
  // 2^k: k in [-126, 0], so (k + 127) << 23 is a normal float's exponent.
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(k), i32x4.splat(127)), 23);
  // Below the clamp the true value is subnormal or 0: give 0 (so sigmoid(-1000) is exactly 0, as in TypeScript).
  return v128.andnot(f32x4.mul(e, scale), f32x4.lt(x, f32x4.splat(EXP_MIN)));
}

// @ts-ignore: decorator
@inline
function sigmoid4(x: v128): v128 {
  // e = exp(-|x|) never overflows; sigmoid(x) = 1 / (1 + e) for x >= 0, e / (1 + e) below. NaN stays NaN (the
  // polynomial of a NaN is NaN, and min/max propagate it).
  const e = expNonPositive(f32x4.neg(f32x4.abs(x)));
  const d = f32x4.add(e, f32x4.splat(1.0));
  const pos = f32x4.div(f32x4.splat(1.0), d);
  const neg = f32x4.div(e, d);
  return v128.bitselect(neg, pos, f32x4.lt(x, f32x4.splat(0.0)));
}

/** out[i] = sigmoid(x[i]) for n float32 values (addresses 16-byte aligned). */
export function sigmoidF32(x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = (<usize>i) << 2;
    v128.store(out + offset, sigmoid4(v128.load(x + offset)));
  }
  if (i < n) {
    // The ragged end, one value at a time through the same vector code.
    const tail = n - i;
    const offset = (<usize>i) << 2;
    for (let j = 0; j < tail; j++) {
      const one = sigmoid4(f32x4.splat(load<f32>(x + offset + ((<usize>j) << 2))));
      store<f32>(out + offset + ((<usize>j) << 2), f32x4.extract_lane(one, 0));
    }
  }
}

/**
 * out[i] = dy[i] * (y[i] * (1 - y[i])), sigmoid's backward from its output y, in double precision as the TypeScript
 * kernel computes it.
 */
export function sigmoidGradF32(y: usize, dy: usize, out: usize, n: i32): void {
  const one = f64x2.splat(1.0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = (<usize>i) << 2;
    const yv = v128.load(y + offset);
    const gv = v128.load(dy + offset);
    const ylo = f64x2.promote_low_f32x4(yv);
    const yhi = f64x2.promote_low_f32x4(i32x4.shuffle(yv, yv, 2, 3, 0, 1));
    const glo = f64x2.promote_low_f32x4(gv);
    const ghi = f64x2.promote_low_f32x4(i32x4.shuffle(gv, gv, 2, 3, 0, 1));
    const lo = f32x4.demote_f64x2_zero(f64x2.mul(glo, f64x2.mul(ylo, f64x2.sub(one, ylo))));
    const hi = f32x4.demote_f64x2_zero(f64x2.mul(ghi, f64x2.mul(yhi, f64x2.sub(one, yhi))));
    v128.store(out + offset, i32x4.shuffle(lo, hi, 0, 1, 4, 5));
  }
  for (; i < n; i++) {
    const offset = (<usize>i) << 2;
    const yi = <f64>load<f32>(y + offset);
    store<f32>(out + offset, <f32>(<f64>load<f32>(dy + offset) * (yi * (1.0 - yi))));
  }
}

/**
 * y[i] = y[i] + alpha x[i], in place, in float32 arithmetic: the update of optimizers (w += -lr g) and of in-place
 * add_ with a scale. Measured on 23,520 floats: 3.9 us, against 14 us for the same update in double precision
 * (promote, compute, demote: two lanes per instruction) and 36 us for V8's scalar loop. The JavaScript loop for
 * small tensors computes the same float32 arithmetic (src/backends/cpu/index.ts), so the bits do not depend on size.
 */
export function addScaledF32(y: usize, x: usize, n: i32, alpha: f32): void {
  const av = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = (<usize>i) << 2;
    v128.store(y + offset, f32x4.add(v128.load(y + offset), f32x4.mul(av, v128.load(x + offset))));
  }
  for (; i < n; i++) {
    const offset = (<usize>i) << 2;
    store<f32>(y + offset, load<f32>(y + offset) + alpha * load<f32>(x + offset));
  }
}
