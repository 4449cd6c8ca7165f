/**
 * Samplers decide the order of indices in an epoch, as torch.utils.data's samplers. Each iteration is one epoch;
 * random samplers draw from their generator, so a seeded sampler gives the same sequence of epochs.
 */
import type { Generator } from '@nndl/tensor';
import { generatorFrom, type RandomOptions, randperm } from './random.js';

/** An iterable of indices with a known length. */
export interface Sampler extends Iterable<number> {
  readonly length: number;
}

/** 0, 1, ..., n-1. */
export class SequentialSampler implements Sampler {
  readonly length: number;

  /** @example new SequentialSampler(dataset) */
  constructor(source: number | { length: number }) {
    this.length = typeof source === 'number' ? source : source.length;
  }

  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.length; i++) yield i;
  }
}

export interface RandomSamplerOptions extends RandomOptions {
  /** Draw with replacement (default false: a permutation). */
  replacement?: boolean;
  /** Samples per epoch (default: the dataset's length). Only with replacement, or up to the length without. */
  numSamples?: number;
}

/**
 * A random permutation per epoch (or, with replacement, `numSamples` uniform draws).
 *
 * @example
 * const sampler = new RandomSampler(dataset, { seed: 1 }); // [...sampler] differs each epoch, same for seed 1
 */
export class RandomSampler implements Sampler {
  readonly length: number;
  private readonly size: number;
  private readonly generator: Generator;
  private readonly replacement: boolean;

  constructor(source: number | { length: number }, options: RandomSamplerOptions = {}) {
    this.size = typeof source === 'number' ? source : source.length;
    this.replacement = options.replacement ?? false;
    this.length = options.numSamples ?? this.size;
    if (!Number.isInteger(this.length) || this.length < 0) {
      throw new Error(`RandomSampler: numSamples must be a non-negative integer, got ${options.numSamples}`);
    }
    if (!this.replacement && this.length > this.size) {
      throw new Error(
        `RandomSampler: numSamples ${this.length} exceeds the dataset's length ${this.size} without replacement`,
      );
    }
    this.generator = generatorFrom(options);
  }

  *[Symbol.iterator](): Iterator<number> {
    if (this.replacement) {
      for (let i = 0; i < this.length; i++) yield this.generator.randint(0, this.size);
      return;
    }
    const order = randperm(this.size, this.generator);
    for (let i = 0; i < this.length; i++) yield order[i]!;
  }
}

/**
 * The given indices in a random order each epoch.
 *
 * @example
 * const validation = new SubsetRandomSampler(range(50_000, 60_000), { seed: 0 });
 */
export class SubsetRandomSampler implements Sampler {
  readonly indices: Int32Array;
  private readonly generator: Generator;

  constructor(indices: ArrayLike<number>, options: RandomOptions = {}) {
    this.indices = Int32Array.from(indices as ArrayLike<number>);
    this.generator = generatorFrom(options);
  }

  get length(): number {
    return this.indices.length;
  }

  *[Symbol.iterator](): Iterator<number> {
    const order = randperm(this.indices.length, this.generator);
    for (let i = 0; i < order.length; i++) yield this.indices[order[i]!]!;
  }
}

export interface WeightedRandomSamplerOptions extends RandomOptions {
  /** Draw with replacement (default true, as in PyTorch). */
  replacement?: boolean;
}

/**
 * `numSamples` indices drawn with probability proportional to `weights` (e.g. to balance classes).
 *
 * @example
 * const counts = mnist.classCounts();
 * const weights = Array.from(mnist.targets, (label) => 1 / counts[label]!);
 * const sampler = new WeightedRandomSampler(weights, mnist.length, { seed: 0 });
 */
export class WeightedRandomSampler implements Sampler {
  private readonly cumulative: Float64Array;
  private readonly weights: Float64Array;
  private readonly generator: Generator;
  private readonly replacement: boolean;

  constructor(
    weights: ArrayLike<number>,
    readonly length: number,
    options: WeightedRandomSamplerOptions = {},
  ) {
    this.weights = Float64Array.from(weights as ArrayLike<number>);
    this.replacement = options.replacement ?? true;
    let total = 0;
    this.cumulative = new Float64Array(this.weights.length);
    for (let i = 0; i < this.weights.length; i++) {
      const w = this.weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) {
        throw new Error(
          `WeightedRandomSampler: weight ${i} is ${w}; weights must be finite and non-negative`,
        );
      }
      this.cumulative[i] = total += w;
    }
    if (total <= 0)
      throw new Error('WeightedRandomSampler: the weights sum to 0; at least one must be positive');
    if (!Number.isInteger(length) || length < 0) {
      throw new Error(`WeightedRandomSampler: numSamples must be a non-negative integer, got ${length}`);
    }
    const positive = this.weights.filter((w) => w > 0).length;
    if (!this.replacement && length > positive) {
      throw new Error(
        `WeightedRandomSampler: can't draw ${length} samples without replacement from ${positive} positive weights`,
      );
    }
    this.generator = generatorFrom(options);
  }

  *[Symbol.iterator](): Iterator<number> {
    const total = this.cumulative[this.cumulative.length - 1]!;
    if (this.replacement) {
      for (let n = 0; n < this.length; n++) {
        // Binary search for the first cumulative weight above u.
        const u = this.generator.random() * total;
        let lo = 0;
        let hi = this.cumulative.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (this.cumulative[mid]! > u) hi = mid;
          else lo = mid + 1;
        }
        yield lo;
      }
      return;
    }
    // Without replacement: Efraimidis-Spirakis keys u^(1/w), largest first (in log form for stability).
    const keys: { index: number; key: number }[] = [];
    for (let i = 0; i < this.weights.length; i++) {
      const w = this.weights[i]!;
      const u = this.generator.random();
      if (w > 0) keys.push({ index: i, key: Math.log(u || Number.MIN_VALUE) / w });
    }
    keys.sort((a, b) => b.key - a.key);
    for (let n = 0; n < this.length; n++) yield keys[n]!.index;
  }
}

/**
 * Group the indices of `sampler` into batches of `batchSize`; the last one is smaller unless `dropLast`.
 *
 * @example
 * [...new BatchSampler(new SequentialSampler(5), 2, false)]; // [[0, 1], [2, 3], [4]]
 */
export class BatchSampler implements Iterable<number[]> {
  constructor(
    readonly sampler: Sampler,
    readonly batchSize: number,
    readonly dropLast: boolean,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(`BatchSampler: batchSize must be a positive integer, got ${batchSize}`);
    }
  }

  get length(): number {
    return this.dropLast
      ? Math.floor(this.sampler.length / this.batchSize)
      : Math.ceil(this.sampler.length / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const index of this.sampler) {
      batch.push(index);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
}
