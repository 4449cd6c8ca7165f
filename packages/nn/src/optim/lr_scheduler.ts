/** LRScheduler: the base of the epoch-based learning-rate schedules (StepLR, ExponentialLR). */
import type { Optimizer } from './optimizer.js';

/** Plain JSON: the schedule's counters and settings. */
export type SchedulerStateDict = Record<string, number | number[] | string | boolean | null>;

/**
 * Sets each group's `lr` from its initial learning rate (kept as `initialLr` in the group) and the epoch count.
 * Call `step()` once per epoch, after the optimizer's steps. Creating a scheduler performs step 0, as PyTorch.
 */
export abstract class LRScheduler {
  readonly optimizer: Optimizer<{ lr: number }>;
  lastEpoch = -1;
  readonly baseLrs: number[];
  private lastLr: number[] = [];

  constructor(optimizer: Optimizer<{ lr: number }>) {
    this.optimizer = optimizer;
    for (const g of optimizer.paramGroups) g.initialLr ??= g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
    this.step();
  }

  /** The learning rate of group i at epoch `this.lastEpoch`. */
  protected abstract lrAt(baseLr: number, epoch: number): number;

  step(): void {
    this.lastEpoch++;
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = this.lrAt(this.baseLrs[i]!, this.lastEpoch);
    });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rates set by the last step, one per group. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  stateDict(): SchedulerStateDict {
    return { lastEpoch: this.lastEpoch, baseLrs: this.baseLrs.slice(), lastLr: this.lastLr.slice() };
  }

  loadStateDict(state: SchedulerStateDict): void {
    this.lastEpoch = state.lastEpoch as number;
    this.baseLrs.splice(0, this.baseLrs.length, ...(state.baseLrs as number[]));
    this.lastLr = (state.lastLr as number[]).slice();
  }
}
