import { defaultGenerator, Generator, randperm as tensorRandperm } from '@nndl/tensor';

/** Options shared by everything random here: a generator, or a seed to make one; else the default generator. */
export interface RandomOptions {
  generator?: Generator;
  seed?: number;
}

export function generatorFrom(options: RandomOptions = {}): Generator {
  if (options.generator !== undefined) return options.generator;
  if (options.seed !== undefined) return new Generator(options.seed);
  return defaultGenerator;
}

/**
 * A random permutation of 0..n-1 (Fisher-Yates), drawn from `generator`.
 *
 * @example
 * randperm(5, new Generator(0)); // Int32Array [3, 0, 4, 1, 2] (always the same for seed 0)
 */
export function randperm(n: number, generator: Generator): Int32Array {
  // @nndl/tensor's randperm is the one Fisher-Yates shuffle; this is its typed-array form.
  return tensorRandperm(n, { generator }).dataSync() as Int32Array;
}

/**
 * Mix an epoch seed and a batch number into a batch seed (splitmix32-style), so that each batch's augmentation
 * stream depends only on (epoch seed, batch number), not on which worker or thread computes it.
 */
export function batchSeed(epochSeed: number, batch: number): number {
  let z = (epochSeed ^ Math.imul(batch + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
