/**
 * Seeded kernel operands (TensorInfo, no Tensor) for the tests that call kernels directly, so that a failure
 * reproduces: one generator (mulberry32) for all of them; and the float64 reference product they are checked against.
 */
import type { TensorInfo } from '../src/backend.js';

/** mulberry32: uniform values in [0, 1) from a 32-bit seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A TensorInfo of `shape` with uniform values in [-1, 1) drawn from `source` (a seed, or a generator to continue),
 * already rounded to `dtype` so that a float64 reference sees the same inputs.
 */
export function seededInfo(
  shape: readonly number[],
  source: number | (() => number),
  dtype: 'float32' | 'float64' = 'float32',
): TensorInfo {
  const next = typeof source === 'number' ? rng(source) : source;
  const size = shape.reduce((p, d) => p * d, 1);
  const data = dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
  for (let i = 0; i < size; i++) data[i] = next() * 2 - 1;
  return { handle: data, shape: [...shape], dtype };
}

/** op(A) op(B) in float64 for [Ba, ., .] x [Bb, ., .] operands (Ba, Bb equal or 1): the naive reference. */
export function naiveBatchMatMul(
  a: Float64Array,
  sa: number[],
  b: Float64Array,
  sb: number[],
  transposeA: boolean,
  transposeB: boolean,
): { out: Float64Array; shape: number[] } {
  const [ba, a1, a2] = sa as [number, number, number];
  const [bb, b1, b2] = sb as [number, number, number];
  const m = transposeA ? a2 : a1;
  const k = transposeA ? a1 : a2;
  const n = transposeB ? b1 : b2;
  const batch = Math.max(ba, bb);
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const ao = (ba === 1 ? 0 : t) * a1 * a2;
    const bo = (bb === 1 ? 0 : t) * b1 * b2;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = transposeA ? a[ao + p * m + i]! : a[ao + i * k + p]!;
          const bv = transposeB ? b[bo + j * k + p]! : b[bo + p * n + j]!;
          s += av * bv;
        }
        out[(t * m + i) * n + j] = s;
      }
    }
  }
  return { out, shape: [batch, m, n] };
}
