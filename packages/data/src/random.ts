import { defaultGenerator, Generator } from '@nndl/tensor';

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
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(generator.random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
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
