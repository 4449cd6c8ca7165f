/**
 * test/helpers.ts for the webgl conformance run: the same float64 leaves (same seed, same values), created on the
 * CPU, where float64 lives. The webgl gradcheck (testing_webgl.ts) moves them to WebGL in float32 itself.
 */
import { manualSeed, randn, type Tensor } from '@nndl/tensor';

export function f64(shape: number[], options: { positive?: boolean; seed?: number } = {}): Tensor {
  if (options.seed !== undefined) manualSeed(options.seed);
  const t = randn(shape, { dtype: 'float64', device: 'cpu' });
  const values = t.dataSync();
  if (options.positive) for (let i = 0; i < values.length; i++) values[i] = Math.abs(values[i]!) + 0.5;
  return t.requiresGrad_(true);
}
