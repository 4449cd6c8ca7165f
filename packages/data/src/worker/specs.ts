/** Rebuild datasets from their `workerSpec()` inside a worker. */
import { ConcatDataset, type Dataset, type DatasetSpec, Subset, TensorDataset } from '../dataset.js';
import { ImageDataset } from '../datasets/image-dataset.js';
import { wrap } from '../tensors.js';
import { type Transform, type TransformSpec, transformFromSpec } from '../transforms.js';

export async function datasetFromSpec(spec: DatasetSpec): Promise<Dataset> {
  switch (spec.kind) {
    case 'image':
      return new ImageDataset({
        name: 'ImageDataset',
        images: spec.images,
        targets: spec.targets,
        shape: spec.shape as [number, number, number],
        classes: spec.classes,
        transform:
          spec.transform === undefined
            ? undefined
            : (transformFromSpec(spec.transform as TransformSpec) as Transform<never, never>),
      });
    case 'tensor':
      return new TensorDataset(...spec.tensors.map((t) => wrap(t.data, t.shape)));
    case 'subset':
      return new Subset(await datasetFromSpec(spec.dataset), spec.indices);
    case 'concat':
      return new ConcatDataset(await Promise.all(spec.datasets.map(datasetFromSpec)));
    case 'module': {
      const module = (await import(/* @vite-ignore */ spec.url)) as Record<string, unknown>;
      const factory = module[spec.exportName];
      if (typeof factory !== 'function') {
        throw new Error(
          `worker: ${spec.url} has no function export "${spec.exportName}" to build the dataset`,
        );
      }
      return (await factory(...spec.args)) as Dataset;
    }
  }
}
