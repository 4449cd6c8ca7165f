/**
 * Elementwise kernels for WebAssembly SIMD (float32 storage): the ones a benchmark showed faster than their
 * TypeScript loops even with the copies in and out of wasm memory (docs/benchmarks.md):
 *
 * - sigmoid, whose TypeScript loop calls Math.exp (about 9 ns per element): here a vectorized exp, eight lanes per
 *   iteration, accurate to a few float32 ulps;
 * - sigmoid's backward, in double precision two lanes at a time, in the same order as the TypeScript loop (which
 *   computes in double, as all JavaScript arithmetic does), rounded once to float32: both paths give the same bits;
 * - the in-place scaled add of optimizers, in float32 arithmetic (the TypeScript loop's float32 path gives the same
 *   bits);
 * - float32 + - * / of operands of one shape, or with one value per channel of an [outer, channels, inner] view (a
 *   bias, a scalar), in float32 arithmetic: the TypeScript loop's bits.
 *
 * V8 (11.3, Node 20) does not hoist v128 constants out of loops: every f32x4.splat of a literal inside a loop is
 * rebuilt on every iteration (two to four instructions each), and Binaryen folds any constant it can see back into
 * its uses. So loops that need constants store them into a small static block when called and load them into locals
 * before the loop (run-time stores, not a data segment: the threads builds have none, --zeroFilledMemory).
 */

// exp(v) for v in [-87.3, 0]: v = k ln2 + r with |r| <= ln2 / 2, exp(r) by a degree-6 polynomial (Cephes' expf
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
/**
 * 1.5 * 2^23 + 127: adding it to t in [-126, 0] rounds t to an integer (ties to even) and leaves k + 127 in the low
 * mantissa bits, so shifting the sum's bits left by 23 gives 2^k (the magic number's other bits shift out).
 */
const MAGIC: f32 = 12582912.0 + 127.0;

/** Sigmoid's constants (see the header): 13 floats, in the order of sigmoid4's parameters. */
const SIGMOID_CONSTANTS: usize = memory.data(64, 16);

/**
 * a b + c. With relaxed SIMD one fused multiply-add (V8 emits vfmadd on x86 with FMA): sigmoid's 13 multiply-adds
 * per vector are its largest cost (on 28,800 floats 20 us, against 28 us with separate multiplies and adds).
 */
// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** c - a b (fused with relaxed SIMD). */
// @ts-ignore: decorator
@inline
function nmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_nmadd(a, b, c);
  return f32x4.sub(c, f32x4.mul(a, b));
}

/**
 * sigmoid of four lanes. e = exp(-|x|) never overflows; sigmoid(x) = 1 / (1 + e) where x's sign bit is clear,
 * e / (1 + e) where it is set (x < 0, or -0, where e = 1 gives 0.5 as well): one division of a selected numerator.
 * k = round(v log2 e) by the magic-number addition (MAGIC). Below -87.3 e is 0, so sigmoid(-1000) is exactly 0; at
 * +1000 it is exactly 1. NaN stays NaN: pmax keeps its first operand when either is NaN, and NaN times anything is
 * NaN.
 */
// @ts-ignore: decorator
@inline
function sigmoid4(
  x: v128,
  min: v128,
  log2e: v128,
  magic: v128,
  ln2Hi: v128,
  ln2Lo: v128,
  p0: v128,
  p1: v128,
  p2: v128,
  p3: v128,
  p4: v128,
  p5: v128,
  one: v128,
  signBit: v128,
): v128 {
  const v = v128.or(x, signBit); // -|x|
  const vc = f32x4.pmax(v, min); // one instruction; f32x4.max takes seven (NaN and -0 handling)
  const kb = madd(vc, log2e, magic);
  const k = f32x4.sub(kb, magic);
  const r = nmadd(k, ln2Lo, nmadd(k, ln2Hi, vc));
  let p = madd(p0, r, p1);
  p = madd(p, r, p2);
  p = madd(p, r, p3);
  p = madd(p, r, p4);
  p = madd(p, r, p5);
  // exp(r) = 1 + r + r^2 p, times 2^k.
  const er = f32x4.add(madd(p, f32x4.mul(r, r), r), one);
  const e = v128.andnot(f32x4.mul(er, i32x4.shl(kb, 23)), f32x4.lt(v, min));
  // All ones where the sign bit is set: the relaxed select (one vblendvps) then gives the same lanes as bitselect.
  const negative = i32x4.shr_s(x, 31);
  const num = ASC_FEATURE_RELAXED_SIMD
    ? i32x4.relaxed_laneselect(e, one, negative)
    : v128.bitselect(e, one, negative);
  return f32x4.div(num, f32x4.add(e, one));
}

// @ts-ignore: decorator
@inline
function sigmoidConstant(index: i32): v128 {
  return v128.load32_splat(SIGMOID_CONSTANTS + ((<usize>index) << 2));
}

/**
 * out[i] = sigmoid(x[i]) for n float32 values (addresses 16-byte aligned): 8 per iteration, then 4, then one at a
 * time through the same vector code. On 28,800 floats (operands in wasm memory) 20 us with relaxed SIMD, 28 us
 * without, against 54 us with the constants rebuilt in the loop, f32x4.max, nearest and trunc_sat for k, and two
 * divisions.
 */
export function sigmoidF32(x: usize, out: usize, n: i32): void {
  const c = SIGMOID_CONSTANTS;
  store<f32>(c, EXP_MIN);
  store<f32>(c, LOG2E, 4);
  store<f32>(c, MAGIC, 8);
  store<f32>(c, LN2_HI, 12);
  store<f32>(c, LN2_LO, 16);
  store<f32>(c, P0, 20);
  store<f32>(c, P1, 24);
  store<f32>(c, P2, 28);
  store<f32>(c, P3, 32);
  store<f32>(c, P4, 36);
  store<f32>(c, P5, 40);
  store<f32>(c, 1.0, 44);
  store<f32>(c, -0.0, 48);
  const c0 = sigmoidConstant(0);
  const c1 = sigmoidConstant(1);
  const c2 = sigmoidConstant(2);
  const c3 = sigmoidConstant(3);
  const c4 = sigmoidConstant(4);
  const c5 = sigmoidConstant(5);
  const c6 = sigmoidConstant(6);
  const c7 = sigmoidConstant(7);
  const c8 = sigmoidConstant(8);
  const c9 = sigmoidConstant(9);
  const c10 = sigmoidConstant(10);
  const c11 = sigmoidConstant(11);
  const c12 = sigmoidConstant(12);
  let i = 0;
  // Two vectors per iteration: 4% faster than one (more independent work between the divisions).
  for (; i + 8 <= n; i += 8) {
    const offset = (<usize>i) << 2;
    const a = sigmoid4(v128.load(x + offset), c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12);
    const b = sigmoid4(v128.load(x + offset, 16), c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12);
    v128.store(out + offset, a);
    v128.store(out + offset, b, 16);
  }
  for (; i + 4 <= n; i += 4) {
    const offset = (<usize>i) << 2;
    const a = sigmoid4(v128.load(x + offset), c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12);
    v128.store(out + offset, a);
  }
  for (; i < n; i++) {
    const offset = (<usize>i) << 2;
    const x4 = f32x4.splat(load<f32>(x + offset));
    const a = sigmoid4(x4, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12);
    store<f32>(out + offset, f32x4.extract_lane(a, 0));
  }
}

/** The f64 1.0 of sigmoidGradF32, stored at run time and loaded before its loop (see SIGMOID_CONSTANTS). */
const ONE_F64: usize = memory.data(16, 16);

// @ts-ignore: decorator
@inline
function sigmoidGrad2(y: usize, dy: usize, one: v128): v128 {
  // Two floats each, loaded straight into the low half and promoted: no shuffles (on 28,800 floats 10 us, against
  // 16 us for four-float loads split by shuffles).
  const yv = f64x2.promote_low_f32x4(v128.load64_zero(y));
  const gv = f64x2.promote_low_f32x4(v128.load64_zero(dy));
  return f32x4.demote_f64x2_zero(f64x2.mul(gv, f64x2.mul(yv, f64x2.sub(one, yv))));
}

/**
 * out[i] = dy[i] * (y[i] * (1 - y[i])), sigmoid's backward from its output y, in double precision as the TypeScript
 * kernel computes it.
 */
export function sigmoidGradF32(y: usize, dy: usize, out: usize, n: i32): void {
  store<f64>(ONE_F64, 1.0);
  const one = v128.load64_splat(ONE_F64);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = (<usize>i) << 2;
    const lo = sigmoidGrad2(y + offset, dy + offset, one);
    const hi = sigmoidGrad2(y + offset + 8, dy + offset + 8, one);
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

// ---- binary arithmetic ------------------------------------------------------------------------------------------

/** binaryF32's operations (kernels.ts passes these numbers). */
const OP_ADD = 0;
const OP_SUB = 1;
const OP_MUL = 2;
const OP_DIV = 3;

// @ts-ignore: decorator
@inline
function apply4(op: i32, a: v128, b: v128): v128 {
  if (op == OP_ADD) return f32x4.add(a, b);
  if (op == OP_SUB) return f32x4.sub(a, b);
  if (op == OP_MUL) return f32x4.mul(a, b);
  return f32x4.div(a, b);
}

// @ts-ignore: decorator
@inline
function apply1(op: i32, a: f32, b: f32): f32 {
  if (op == OP_ADD) return a + b;
  if (op == OP_SUB) return a - b;
  if (op == OP_MUL) return a * b;
  return a / b;
}

/** out[i] = a[i] op b[i] for n floats. */
// @ts-ignore: decorator
@inline
function sameShape(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = (<usize>i) << 2;
    const x = apply4(op, v128.load(a + o), v128.load(b + o));
    const y = apply4(op, v128.load(a + o, 16), v128.load(b + o, 16));
    v128.store(out + o, x);
    v128.store(out + o, y, 16);
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, apply1(op, load<f32>(a + o), load<f32>(b + o)));
  }
}

/**
 * out = x op c (or c op x when `channelLeft`) over [outer, channels, inner]: x full (contiguous), c one value per
 * channel. Inner runs of 4 or more are vectorized along the run with the channel's value in every lane; an inner
 * run of 1 ([N, F] + [F]) along the channels.
 */
// @ts-ignore: decorator
@inline
function perChannel(
  op: i32,
  x: usize,
  c: usize,
  out: usize,
  outer: i32,
  channels: i32,
  inner: i32,
  channelLeft: bool,
): void {
  if (inner == 1) {
    const rowBytes = (<usize>channels) << 2;
    for (let o = 0; o < outer; o++) {
      const base = <usize>o * rowBytes;
      if (channelLeft) sameShape(op, c, x + base, out + base, channels);
      else sameShape(op, x + base, c, out + base, channels);
    }
    return;
  }
  let p: usize = 0;
  for (let o = 0; o < outer; o++) {
    for (let ch = 0; ch < channels; ch++) {
      const s = load<f32>(c + ((<usize>ch) << 2));
      const sv = f32x4.splat(s);
      const end = p + ((<usize>inner) << 2);
      for (; p + 16 <= end; p += 16) {
        const v = v128.load(x + p);
        v128.store(out + p, channelLeft ? apply4(op, sv, v) : apply4(op, v, sv));
      }
      for (; p < end; p += 4) {
        const v = load<f32>(x + p);
        store<f32>(out + p, channelLeft ? apply1(op, s, v) : apply1(op, v, s));
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function binaryOp(
  op: i32,
  a: usize,
  b: usize,
  out: usize,
  outer: i32,
  channels: i32,
  inner: i32,
  mode: i32,
): void {
  if (mode == 0) sameShape(op, a, b, out, outer * channels * inner);
  else if (mode == 1) perChannel(op, a, b, out, outer, channels, inner, false);
  else perChannel(op, b, a, out, outer, channels, inner, true);
}

/**
 * out = a op b for float32 (op: 0 add, 1 sub, 2 mul, 3 div) over [outer, channels, inner] elements. mode 0: a and b
 * both full (outer channels inner floats each); 1: a full, b one value per channel ([1, channels, 1]: a bias, or a
 * scalar with channels = 1); 2: a per channel, b full. f32 arithmetic, rounded once: the same bits as the TypeScript
 * loop, which computes in double and rounds to float32 (exact for + - * / of two float32 values).
 */
export function binaryF32(
  op: i32,
  a: usize,
  b: usize,
  out: usize,
  outer: i32,
  channels: i32,
  inner: i32,
  mode: i32,
): void {
  if (op == OP_ADD) binaryOp(OP_ADD, a, b, out, outer, channels, inner, mode);
  else if (op == OP_SUB) binaryOp(OP_SUB, a, b, out, outer, channels, inner, mode);
  else if (op == OP_MUL) binaryOp(OP_MUL, a, b, out, outer, channels, inner, mode);
  else binaryOp(OP_DIV, a, b, out, outer, channels, inner, mode);
}
