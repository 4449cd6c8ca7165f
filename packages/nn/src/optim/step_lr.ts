/** StepLR: multiply the learning rate by gamma every stepSize epochs. */
import { LRScheduler } from './lr_scheduler.js';
import type { Optimizer } from './optimizer.js';

/**
 * lr = initialLr * gamma^floor(epoch / stepSize).
 * @example const sched = new StepLR(opt, { stepSize: 30, gamma: 0.1 }); // each epoch: ...; sched.step();
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer<{ lr: number }>, options: { stepSize: number; gamma?: number }) {
    if (!Number.isInteger(options.stepSize) || options.stepSize < 1) {
      throw new Error(`StepLR: stepSize must be a positive integer, got ${options.stepSize}`);
    }
    const gamma = options.gamma ?? 0.1;
    super(optimizer);
    this.stepSize = options.stepSize;
    this.gamma = gamma;
    this.lastEpoch = -1;
    this.step();
  }

  protected lrAt(baseLr: number, epoch: number): number {
    // The base constructor's step runs before the fields are set: keep the base rate then.
    if (this.stepSize === undefined) return baseLr;
    return baseLr * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}
