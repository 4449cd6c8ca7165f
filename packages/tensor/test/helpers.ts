import { manualSeed, randn, type Tensor } from '@nndl/tensor';

/** A float64 leaf of `shape` with standard-normal values, for gradient checks. */
export function f64(shape: number[], options: { positive?: boolean; seed?: number } = {}): Tensor {
  if (options.seed !== undefined) manualSeed(options.seed);
  const t = randn(shape, { dtype: 'float64' });
  const values = t.dataSync();
  if (options.positive) for (let i = 0; i < values.length; i++) values[i] = Math.abs(values[i]!) + 0.5;
  return t.requiresGrad_(true);
}
