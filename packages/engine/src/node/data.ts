/** Loading a spec's data from the file system (or the bundled digits), with errors that say how to get the files. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  BundledDigits,
  Compose,
  expandMnist,
  type ImageDataset,
  type Transform,
  transformFromSpec,
} from '@nndl/data';
import { loadCIFAR10, loadFashionMNIST, loadMNIST, loadNielsenMNIST } from '@nndl/data/node';
import type { Tensor } from '@nndl/tensor';
import { type DataSource, linearData } from '../data_source.js';
import type { ExperimentSpec, TransformSpec } from '../spec.js';

export interface LoadDataOptions {
  /** Overrides spec.data.root; otherwise $NNDL_DATA_DIR/<dataset>, then ./data/<dataset>. */
  dataDir?: string;
}

/** Where a dataset's files are looked for. */
export function dataRoot(spec: ExperimentSpec, options: LoadDataOptions = {}): string {
  const name = spec.data.dataset;
  if (options.dataDir) return resolve(options.dataDir);
  if (spec.data.root) return resolve(spec.data.root);
  if (process.env.NNDL_DATA_DIR) return resolve(process.env.NNDL_DATA_DIR, name);
  return resolve('data', name);
}

function missing(spec: ExperimentSpec, root: string, cause: unknown): Error {
  const name = spec.data.dataset;
  return new Error(
    `${name}: could not read the data set from ${root} (${(cause as Error).message}). ` +
      `Download it with \`nndl data download ${name} --data-dir ${root}\`, point --data-dir at a folder that has ` +
      "the files, or train on the bundled digits (preset 'quickstart'), which need no download.",
  );
}

function limit<T extends ImageDataset>(dataset: T, spec: ExperimentSpec): T {
  const n = spec.data.trainSize;
  return n !== undefined && n < dataset.length ? dataset.slice(0, n) : dataset;
}

const DETERMINISTIC = new Set(['Normalize']);

/** `dataset` with these transforms (a copy; the loaded dataset is untouched). */
function withTransforms<T extends ImageDataset>(dataset: T, specs: readonly TransformSpec[]): T {
  if (specs.length === 0) return dataset;
  const transforms = specs.map((t) =>
    transformFromSpec(
      t.name === 'RandomCrop' ? { name: t.name, size: [t.size, t.size], padding: t.padding } : t,
    ),
  ) as Transform<Tensor, Tensor>[];
  const copy = dataset.slice(0, dataset.length);
  copy.transform =
    transforms.length === 1 ? transforms[0] : (new Compose(transforms) as Transform<Tensor, Tensor>);
  return copy;
}

/**
 * The train and evaluation sets a spec names. Random augmentations (RandomShift, RandomCrop, RandomHorizontalFlip)
 * apply to the training set only; deterministic transforms (Normalize) apply everywhere, so that evaluation, the
 * gradient probes, `nndl eval` and `nndl predict` see inputs like the ones the model was trained on.
 */
export async function loadData(spec: ExperimentSpec, options: LoadDataOptions = {}): Promise<DataSource> {
  const data = await loadRaw(spec, options);
  const all = spec.data.transforms;
  const fixed = all.filter((t) => DETERMINISTIC.has(t.name));
  if (all.length === 0 || !('images' in data.train)) return data;
  const train = data.train as ImageDataset;
  return {
    ...data,
    train: withTransforms(train, all),
    trainForEvaluation: withTransforms(train, fixed),
    evaluation: withTransforms(data.evaluation as ImageDataset, fixed),
  };
}

async function loadRaw(spec: ExperimentSpec, options: LoadDataOptions): Promise<DataSource> {
  const d = spec.data;
  if (d.dataset === 'linear') return linearData(d.samples ?? 100, spec.seed);
  if (d.dataset === 'bundled-digits') {
    const [train, test] = await Promise.all([
      BundledDigits.load({ split: 'train' }),
      BundledDigits.load({ split: 'test' }),
    ]);
    let t: ImageDataset = limit(train, spec);
    if (d.expand) t = expandMnist(t);
    return { train: t, evaluation: test, description: 'bundled digits (test split)' };
  }
  const root = dataRoot(spec, options);
  if (!existsSync(root)) throw missing(spec, root, new Error('no such folder'));
  try {
    if (d.dataset === 'mnist' || d.dataset === 'fashion-mnist') {
      let train: ImageDataset;
      let evaluation: ImageDataset;
      if (d.dataset === 'mnist') {
        const sets = await loadNielsenMNIST(root);
        train = sets.train;
        evaluation = d.evaluation === 'validation' ? sets.validation : sets.test;
      } else {
        const all = await loadFashionMNIST(root, {
          split: d.evaluation === 'validation' ? 'nielsen-train' : 'train',
        });
        train = all;
        evaluation = await loadFashionMNIST(root, {
          split: d.evaluation === 'validation' ? 'nielsen-validation' : 'test',
        });
      }
      train = limit(train, spec);
      if (d.expand) train = expandMnist(train);
      return { train, evaluation, description: `${d.dataset} ${d.evaluation}` };
    }
    const [train, test] = await Promise.all([
      loadCIFAR10(root, { train: true }),
      loadCIFAR10(root, { train: false }),
    ]);
    return { train: limit(train, spec), evaluation: test, description: 'CIFAR-10 test' };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || /not found|no .*file/i.test((e as Error).message)) {
      throw missing(spec, root, e);
    }
    throw e;
  }
}

export { loadMNIST };
