/**
 * Datasets: anything with a `length` and `get(index)`, as torch.utils.data.Dataset (map-style).
 */
import type { Generator, Tensor } from '@nndl/tensor';
import { checkIndex } from './errors.js';
import { generatorFrom, type RandomOptions, randperm } from './random.js';
import { type TensorArray, wrap } from './tensors.js';

/** How a dataset is rebuilt inside a worker (structured-cloneable). See `worker/specs.ts`. */
export type DatasetSpec =
  | {
      kind: 'image';
      images: Uint8Array;
      targets: Int32Array;
      shape: number[];
      classes: string[];
      transform?: unknown;
    }
  | { kind: 'tensor'; tensors: { data: TensorArray; shape: number[] }[] }
  | { kind: 'subset'; dataset: DatasetSpec; indices: Int32Array }
  | { kind: 'concat'; datasets: DatasetSpec[] }
  | { kind: 'module'; url: string; exportName: string; args: unknown[] };

/**
 * A map-style dataset. `rng` is the random stream for augmentation: the DataLoader passes one per batch so that a
 * seeded run augments identically with or without workers.
 *
 * @example
 * const squares: Dataset<[number, number]> = { length: 10, get: (i) => [i, i * i] };
 */
export interface Dataset<T = unknown> {
  readonly length: number;
  get(index: number, rng?: Generator): T;
  /** Optional fast path: must equal `defaultCollate(indices.map((i) => get(i, rng)))`. */
  getBatch?(indices: ArrayLike<number>, rng?: Generator): unknown;
  /** Optional: how to rebuild this dataset in a worker (needed for `numWorkers > 0`). */
  workerSpec?(): DatasetSpec;
}

/** A dataset's element type. */
export type ItemOf<D> = D extends Dataset<infer T> ? T : never;

/**
 * Rows of tensors that share their first dimension, as torch's TensorDataset: item i is the tuple of row i of each.
 *
 * @example
 * const ds = new TensorDataset(tensor([[1, 2], [3, 4]]), tensor([0, 1], { dtype: 'int32' }));
 * ds.get(1); // [tensor [3, 4], tensor 1 (0-d)]
 */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];
  readonly length: number;

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new Error('TensorDataset: needs at least one tensor');
    const first = tensors[0]!.shape[0];
    if (first === undefined)
      throw new Error('TensorDataset: tensors need a first (sample) dimension, got a 0-d one');
    for (const [i, t] of tensors.entries()) {
      if (t.shape[0] !== first) {
        throw new Error(
          `TensorDataset: all tensors need the same first dimension; tensor 0 has ${first}, tensor ${i} has ` +
            `shape [${t.shape.join(', ')}]`,
        );
      }
    }
    this.tensors = tensors;
    this.length = first;
  }

  get(index: number): Tensor[] {
    checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => gatherRows(t, [index], false));
  }

  getBatch(indices: ArrayLike<number>): Tensor[] {
    for (let i = 0; i < indices.length; i++) checkIndex('TensorDataset.getBatch', indices[i]!, this.length);
    return this.tensors.map((t) => gatherRows(t, indices, true));
  }

  workerSpec(): DatasetSpec {
    return {
      kind: 'tensor',
      tensors: this.tensors.map((t) => ({ data: t.dataSync() as TensorArray, shape: [...t.shape] })),
    };
  }
}

/** Copy rows `indices` of `t` into a new tensor; `keepBatchDim` false drops the leading dimension (one row). */
function gatherRows(t: Tensor, indices: ArrayLike<number>, keepBatchDim: boolean): Tensor {
  const data = t.dataSync() as TensorArray;
  const rowShape = t.shape.slice(1);
  const rowSize = rowShape.reduce((a, b) => a * b, 1);
  const out = new (data.constructor as new (n: number) => TensorArray)(indices.length * rowSize);
  for (let i = 0; i < indices.length; i++) {
    const start = indices[i]! * rowSize;
    out.set(data.subarray(start, start + rowSize), i * rowSize);
  }
  return wrap(out, keepBatchDim ? [indices.length, ...rowShape] : rowShape);
}

/**
 * The items of `dataset` at `indices`, in that order (no copy of the data).
 *
 * @example
 * const firstTen = new Subset(mnist, Array.from({ length: 10 }, (_, i) => i));
 */
export class Subset<T> implements Dataset<T> {
  readonly indices: Int32Array;

  constructor(
    readonly dataset: Dataset<T>,
    indices: ArrayLike<number>,
  ) {
    this.indices = Int32Array.from(indices as ArrayLike<number>);
    for (let i = 0; i < this.indices.length; i++) {
      const index = this.indices[i]!;
      if (index < 0 || index >= dataset.length) {
        throw new RangeError(
          `Subset: index ${index} (position ${i}) is out of range [0, ${dataset.length}) of the dataset`,
        );
      }
    }
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number, rng?: Generator): T {
    checkIndex('Subset.get', index, this.indices.length);
    return this.dataset.get(this.indices[index]!, rng);
  }

  get getBatch(): ((indices: ArrayLike<number>, rng?: Generator) => unknown) | undefined {
    const inner = this.dataset.getBatch?.bind(this.dataset);
    if (inner === undefined) return undefined;
    return (indices, rng) => {
      const mapped = new Int32Array(indices.length);
      for (let i = 0; i < indices.length; i++) {
        checkIndex('Subset.getBatch', indices[i]!, this.indices.length);
        mapped[i] = this.indices[indices[i]!]!;
      }
      return inner(mapped, rng);
    };
  }

  get workerSpec(): (() => DatasetSpec) | undefined {
    const inner = this.dataset.workerSpec?.bind(this.dataset);
    if (inner === undefined) return undefined;
    return () => ({ kind: 'subset', dataset: inner(), indices: this.indices });
  }
}

/**
 * Datasets one after another, as torch's ConcatDataset.
 *
 * @example
 * const all = new ConcatDataset([train, validation]); // all.length === train.length + validation.length
 */
export class ConcatDataset<T> implements Dataset<T> {
  /** cumulativeSizes[i] = total length of datasets 0..i. */
  readonly cumulativeSizes: number[];

  constructor(readonly datasets: readonly Dataset<T>[]) {
    if (datasets.length === 0) throw new Error('ConcatDataset: needs at least one dataset');
    let total = 0;
    this.cumulativeSizes = datasets.map((d) => (total += d.length));
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1]!;
  }

  get(index: number, rng?: Generator): T {
    checkIndex('ConcatDataset.get', index, this.length);
    // Binary search for the first dataset whose cumulative size exceeds index.
    let lo = 0;
    let hi = this.cumulativeSizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulativeSizes[mid]! > index) hi = mid;
      else lo = mid + 1;
    }
    const before = lo === 0 ? 0 : this.cumulativeSizes[lo - 1]!;
    return this.datasets[lo]!.get(index - before, rng);
  }

  get workerSpec(): (() => DatasetSpec) | undefined {
    if (!this.datasets.every((d) => d.workerSpec !== undefined)) return undefined;
    return () => ({ kind: 'concat', datasets: this.datasets.map((d) => d.workerSpec!()) });
  }
}

/**
 * Split a dataset into non-overlapping random subsets, as torch's random_split. `lengths` are counts that sum to
 * the dataset's length, or fractions that sum to 1 (floors, with the remainder dealt one by one from the first).
 *
 * @example
 * const [train, validation] = randomSplit(digits, [0.8, 0.2], { seed: 42 }); // same seed, same split
 */
export function randomSplit<T>(
  dataset: Dataset<T>,
  lengths: number[],
  options: RandomOptions = {},
): Subset<T>[] {
  const n = dataset.length;
  let counts = lengths;
  const sum = lengths.reduce((a, b) => a + b, 0);
  if (lengths.every((l) => l >= 0 && l <= 1) && Math.abs(sum - 1) < 1e-9 && sum !== n) {
    counts = lengths.map((f) => Math.floor(f * n));
    let remainder = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; remainder > 0; i = (i + 1) % counts.length, remainder--) counts[i]!++;
  } else if (sum !== n || lengths.some((l) => !Number.isInteger(l) || l < 0)) {
    throw new Error(
      `randomSplit: lengths [${lengths.join(', ')}] must be non-negative integers summing to the dataset's ` +
        `length ${n}, or fractions summing to 1`,
    );
  }
  const order = randperm(n, generatorFrom(options));
  let offset = 0;
  return counts.map((count) => {
    const subset = new Subset(dataset, order.subarray(offset, offset + count));
    offset += count;
    return subset;
  });
}
