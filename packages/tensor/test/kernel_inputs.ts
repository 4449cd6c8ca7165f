/**
 * Seeded kernel operands (TensorInfo, no Tensor) for the tests that call kernels directly, so that a failure
 * reproduces: one generator (mulberry32) for all of them.
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
