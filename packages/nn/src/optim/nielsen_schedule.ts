/** NielsenSchedule: chapter 3's learning-rate schedule (halve on a plateau, stop at 1/128). */
import type { SchedulerStateDict } from './lr_scheduler.js';
import type { Optimizer } from './optimizer.js';

export interface NielsenScheduleOptions {
  /** Epochs without a new best validation accuracy before halving (the book's "no-improvement-in-10"). */
  patience?: number;
  /** Multiplier applied on each plateau (the book halves: 0.5). */
  factor?: number;
  /** Stop once every lr is at most initial * stopRatio (the book: 1/128). */
  stopRatio?: number;
  /** 'max' for an accuracy (the book), 'min' for a cost. */
  mode?: 'max' | 'min';
}

/**
 * Nielsen, chapter 3 ("How to choose a neural network's hyper-parameters"): hold eta constant until the validation
 * accuracy has not improved for `patience` epochs, then halve it; terminate when eta has fallen to 1/128 of its
 * initial value. Call `step(validationAccuracy)` after each epoch and stop training when `done` is true.
 * @example
 * const schedule = new NielsenSchedule(opt, { patience: 10 });
 * while (!schedule.done) { trainOneEpoch(); schedule.step(evaluate()); }
 */
export class NielsenSchedule {
  readonly optimizer: Optimizer<{ lr: number }>;
  readonly patience: number;
  readonly factor: number;
  readonly stopRatio: number;
  readonly mode: 'max' | 'min';
  readonly initialLrs: number[];
  best: number | null = null;
  epochsWithoutImprovement = 0;
  /** How many times eta has been reduced. */
  reductions = 0;
  lastEpoch = 0;

  constructor(optimizer: Optimizer<{ lr: number }>, options: NielsenScheduleOptions = {}) {
    this.optimizer = optimizer;
    this.patience = options.patience ?? 10;
    this.factor = options.factor ?? 0.5;
    this.stopRatio = options.stopRatio ?? 1 / 128;
    this.mode = options.mode ?? 'max';
    if (!Number.isInteger(this.patience) || this.patience < 1) {
      throw new Error(`NielsenSchedule: patience must be a positive integer, got ${this.patience}`);
    }
    if (!(this.factor > 0 && this.factor < 1))
      throw new Error(`NielsenSchedule: factor must be in (0, 1), got ${this.factor}`);
    this.initialLrs = optimizer.paramGroups.map((g) => g.lr);
  }

  /** Record one epoch's validation metric; returns true when eta was reduced. */
  step(metric: number): boolean {
    this.lastEpoch++;
    const improved = this.best === null || (this.mode === 'max' ? metric > this.best : metric < this.best);
    if (improved) {
      this.best = metric;
      this.epochsWithoutImprovement = 0;
      return false;
    }
    this.epochsWithoutImprovement++;
    if (this.epochsWithoutImprovement < this.patience || this.done) return false;
    for (const g of this.optimizer.paramGroups) g.lr *= this.factor;
    this.reductions++;
    this.epochsWithoutImprovement = 0;
    return true;
  }

  /** True once eta has dropped to initial * stopRatio (after 7 halvings with the defaults): stop training. */
  get done(): boolean {
    // A relative tolerance: 3.0 halved 7 times is exactly 3/128, but other rates may round.
    return this.optimizer.paramGroups.every(
      (g, i) => g.lr <= this.initialLrs[i]! * this.stopRatio * (1 + 1e-9),
    );
  }

  shouldStop(): boolean {
    return this.done;
  }

  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  stateDict(): SchedulerStateDict {
    return {
      best: this.best,
      epochsWithoutImprovement: this.epochsWithoutImprovement,
      reductions: this.reductions,
      lastEpoch: this.lastEpoch,
      initialLrs: this.initialLrs.slice(),
    };
  }

  loadStateDict(state: SchedulerStateDict): void {
    this.best = state.best as number | null;
    this.epochsWithoutImprovement = state.epochsWithoutImprovement as number;
    this.reductions = state.reductions as number;
    this.lastEpoch = state.lastEpoch as number;
    this.initialLrs.splice(0, this.initialLrs.length, ...(state.initialLrs as number[]));
  }
}
