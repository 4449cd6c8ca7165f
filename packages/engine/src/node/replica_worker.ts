/**
 * A data-parallel replica: builds the spec's model with its parameters living in shared memory (the main thread's
 * optimizer updates them in place, so the replica always sees the current weights), and computes the gradient of
 * its share of each mini-batch into its slot of a shared gradient buffer.
 */
import { exposeTasks } from '@nndl/data/worker';
import { asTensor, Generator, type Tensor, type TypedArray } from '@nndl/tensor';
import { type BuiltModel, buildModel } from '../model.js';
import { parseSpec } from '../spec.js';
import { attachShared } from './shared_params.js';

let replica: {
  built: BuiltModel;
  grads: SharedArrayBuffer;
  size: number;
  generator: Generator;
  seed: number;
  seededFor: number;
} | null = null;

exposeTasks({
  init(specJson: string, params: SharedArrayBuffer, grads: SharedArrayBuffer): number {
    const spec = parseSpec(JSON.parse(specJson), 'replica spec');
    const generator = new Generator(spec.seed);
    const built = buildModel(spec, generator);
    const size = attachShared(built.module.parameters(), params);
    replica = { built, grads, size, generator, seed: spec.seed, seededFor: -1 };
    return size;
  },

  /** Gradient of scale * cost(shard) into slot `slot`; returns the shard's (unscaled) cost. */
  grad(
    slot: number,
    x: TypedArray,
    xShape: number[],
    y: TypedArray,
    yShape: number[],
    scale: number,
  ): number {
    if (!replica) throw new Error('replica: init has not run on this worker');
    // Fault injection for the crash tests: the replica's thread dies as a crashed worker would.
    if (process.env.NNDL_FAULT_REPLICA_EXIT === '1') process.exit(3);
    const { built, grads, size } = replica;
    // Dropout masks come from the model's generator: each replica draws its own stream, not a copy of the main one.
    if (replica.seededFor !== slot) {
      replica.generator.manualSeed(replica.seed * 7919 + slot + 1);
      replica.seededFor = slot;
    }
    const params = built.module.parameters();
    for (const p of params) p.grad = null;
    const loss = built.loss(built.forward(asTensor(x, xShape)), asTensor(y, yShape) as Tensor);
    const value = loss.item();
    loss.mul(scale).backward();
    const out = new Float32Array(grads, slot * size * 4, size);
    let offset = 0;
    for (const p of params) {
      const n = p.numel();
      if (p.grad) out.set(p.grad.dataSync() as Float32Array, offset);
      else out.fill(0, offset, offset + n);
      offset += n;
    }
    return value;
  },
});
