/** ExponentialLR: multiply the learning rate by gamma every epoch. */
import { LRScheduler } from './lr_scheduler.js';
import type { Optimizer } from './optimizer.js';

/**
 * lr = initialLr * gamma^epoch.
 * @example const sched = new ExponentialLR(opt, { gamma: 0.95 });
 */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: Optimizer<{ lr: number }>, options: { gamma: number }) {
    if (!(options.gamma > 0)) throw new Error(`ExponentialLR: gamma must be positive, got ${options.gamma}`);
    super(optimizer);
    this.gamma = options.gamma;
    this.lastEpoch = -1;
    this.step();
  }

  protected lrAt(baseLr: number, epoch: number): number {
    if (this.gamma === undefined) return baseLr;
    return baseLr * this.gamma ** epoch;
  }
}
