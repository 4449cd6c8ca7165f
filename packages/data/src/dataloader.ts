/**
 * DataLoader: an async iterable of batches over a dataset, as torch.utils.data.DataLoader. With `numWorkers > 0`
 * batches are loaded and transformed in a worker pool and arrive in order, `prefetch` per worker in flight.
 */
import { defaultGenerator, Generator, type Tensor } from '@nndl/tensor';
import type { Dataset, ItemOf } from './dataset.js';
import { fetchBatch } from './fetch-batch.js';
import { WorkerPool } from './pool.js';
import { batchSeed } from './random.js';
import { BatchSampler, RandomSampler, type Sampler, SequentialSampler } from './sampler.js';
import { decodeTree } from './tensors.js';

export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** A new random order every epoch (default false). Seeded by `seed` or `generator`. */
  shuffle?: boolean;
  /** Seed of the loader's generator: same seed, same batches and augmentations, with or without workers. */
  seed?: number;
  /** The loader's generator (default: one seeded from the default generator, so `manualSeed` fixes runs). */
  generator?: Generator;
  /** The order of indices (excludes `shuffle`). */
  sampler?: Sampler;
  /** Yields whole batches of indices (excludes `batchSize`, `shuffle`, `sampler`, `dropLast`). */
  batchSampler?: Iterable<number[]> & { length?: number };
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Merge samples into a batch (default `defaultCollate`, or the dataset's own fast `getBatch`). */
  collate?: (samples: T[]) => B;
  /** Load in this many workers (default 0: on the calling thread). */
  numWorkers?: number;
  /** Batches in flight per worker (default 2). */
  prefetch?: number;
  /** The data worker's module URL; set it where a bundler must see the worker (browser builds). */
  workerModule?: URL | string;
}

/**
 * @example
 * const loader = new DataLoader(train, { batchSize: 64, shuffle: true, seed: 1, numWorkers: 2 });
 * for (let epoch = 0; epoch < 30; epoch++) {
 *   for await (const [images, labels] of loader) step(images, labels);
 * }
 * await loader.close(); // ends the workers
 */
export class DataLoader<D extends Dataset = Dataset, B = [Tensor, Tensor]> implements AsyncIterable<B> {
  readonly dataset: D;
  readonly batchSize: number | undefined;
  readonly numWorkers: number;
  readonly prefetch: number;
  readonly generator: Generator;
  private readonly batchSampler: Iterable<number[]> & { length?: number };
  private readonly collate: ((samples: unknown[]) => unknown) | undefined;
  private readonly workerModule: URL | string;
  private pool: Promise<WorkerPool> | undefined;

  constructor(dataset: D, options: DataLoaderOptions<ItemOf<D>, B> = {}) {
    this.dataset = dataset;
    const { shuffle = false, sampler, batchSampler, dropLast = false } = options;
    this.generator = options.generator ?? new Generator(options.seed ?? defaultGenerator.nextUint32());
    if (batchSampler !== undefined) {
      if (options.batchSize !== undefined || shuffle || sampler !== undefined || dropLast) {
        throw new Error('DataLoader: batchSampler excludes batchSize, shuffle, sampler and dropLast');
      }
      this.batchSampler = batchSampler;
      this.batchSize = undefined;
    } else {
      if (sampler !== undefined && shuffle)
        throw new Error('DataLoader: sampler and shuffle exclude each other');
      const batchSize = options.batchSize ?? 1;
      const order =
        sampler ?? (shuffle ? new RandomSampler(dataset, { generator: this.generator }) : undefined);
      this.batchSampler = new BatchSampler(order ?? new SequentialSampler(dataset), batchSize, dropLast);
      this.batchSize = batchSize;
    }
    this.collate = options.collate as ((samples: unknown[]) => unknown) | undefined;
    this.numWorkers = options.numWorkers ?? 0;
    this.prefetch = options.prefetch ?? 2;
    if (!Number.isInteger(this.numWorkers) || this.numWorkers < 0) {
      throw new Error(`DataLoader: numWorkers must be a non-negative integer, got ${options.numWorkers}`);
    }
    if (!Number.isInteger(this.prefetch) || this.prefetch < 1) {
      throw new Error(`DataLoader: prefetch must be a positive integer, got ${options.prefetch}`);
    }
    this.workerModule =
      options.workerModule ??
      new URL(`./worker/data-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  }

  /** Batches per epoch. */
  get length(): number {
    const length = this.batchSampler.length;
    if (length === undefined) throw new Error('DataLoader: the batchSampler has no length');
    return length;
  }

  /** One epoch. Each iteration is a new epoch: a new order (when shuffling) and new augmentations. */
  async *[Symbol.asyncIterator](): AsyncGenerator<B> {
    const batches = [...this.batchSampler];
    const epochSeed = this.generator.nextUint32();
    if (this.numWorkers === 0) {
      for (const [b, indices] of batches.entries()) {
        yield fetchBatch(this.dataset, indices, batchSeed(epochSeed, b), this.collate) as B;
      }
      return;
    }
    const pool = await this.workers();
    const window = this.numWorkers * this.prefetch;
    const inFlight: Promise<unknown>[] = [];
    const send = (b: number) => {
      const task = pool.run('batch', [Int32Array.from(batches[b]!), batchSeed(epochSeed, b), !this.collate]);
      task.catch(() => {}); // awaited in order below; this silences rejections of batches dropped by a break
      inFlight.push(task);
    };
    let next = 0;
    while (next < batches.length && next < window) send(next++);
    for (let b = 0; b < batches.length; b++) {
      const result = decodeTree(await inFlight.shift());
      if (next < batches.length) send(next++);
      yield (this.collate === undefined ? result : this.collate(result as ItemOf<D>[])) as B;
    }
  }

  /** End the worker pool (if any). The loader starts a new one if iterated again. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool !== undefined) await (await pool.catch(() => undefined))?.close();
  }

  private workers(): Promise<WorkerPool> {
    if (this.pool === undefined) {
      const spec = this.dataset.workerSpec?.();
      if (spec === undefined) {
        throw new Error(
          `DataLoader: numWorkers ${this.numWorkers} needs a dataset that can be rebuilt in a worker ` +
            `(workerSpec()), and ${this.dataset.constructor.name} has none; use numWorkers: 0 or give it one`,
        );
      }
      this.pool = WorkerPool.create({
        module: this.workerModule,
        size: this.numWorkers,
        setup: { task: 'init', args: [spec] },
        name: 'nndl-data',
      });
      this.pool.catch(() => {
        this.pool = undefined;
      });
    }
    return this.pool;
  }
}
