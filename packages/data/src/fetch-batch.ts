import { Generator } from '@nndl/tensor';
import { defaultCollate } from './collate.js';
import type { Dataset } from './dataset.js';

/**
 * Load one batch: the dataset's own `getBatch` when the collate is the default one, else `get` per index then
 * `collate`. The same code runs on the main thread and in workers, with a generator seeded from the batch seed,
 * so the values do not depend on where it runs.
 */
export function fetchBatch(
  dataset: Dataset,
  indices: ArrayLike<number>,
  seed: number,
  collate: ((samples: unknown[]) => unknown) | undefined,
): unknown {
  const rng = new Generator(seed);
  if (collate === undefined && dataset.getBatch !== undefined) return dataset.getBatch(indices, rng);
  return (collate ?? defaultCollate)(fetchSamples(dataset, indices, rng));
}

export function fetchSamples(dataset: Dataset, indices: ArrayLike<number>, rng: Generator): unknown[] {
  const samples = new Array<unknown>(indices.length);
  for (let i = 0; i < indices.length; i++) samples[i] = dataset.get(indices[i]!, rng);
  return samples;
}
