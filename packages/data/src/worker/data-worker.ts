/**
 * The DataLoader's worker: `init` rebuilds the dataset from its spec (once per worker), `batch` loads and
 * transforms one batch and sends it back with its buffers transferred.
 */
import { Generator } from '@nndl/tensor';
import type { Dataset, DatasetSpec } from '../dataset.js';
import { fetchBatch, fetchSamples } from '../fetch-batch.js';
import { encodeTree } from '../tensors.js';
import { exposeTasks, transfer } from './expose.js';
import { datasetFromSpec } from './specs.js';

let dataset: Dataset | undefined;

exposeTasks({
  async init(spec: DatasetSpec) {
    dataset = await datasetFromSpec(spec);
  },
  /** `collateHere` false: the loader has its own collate, so send the samples back uncollated. */
  batch(indices: Int32Array, seed: number, collateHere: boolean) {
    if (dataset === undefined) throw new Error('data worker: batch before init');
    const result = collateHere
      ? fetchBatch(dataset, indices, seed, undefined)
      : fetchSamples(dataset, indices, new Generator(seed));
    const buffers: Transferable[] = [];
    const encoded = encodeTree(result, buffers);
    return transfer(encoded, buffers);
  },
});
