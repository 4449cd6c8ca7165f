/** ReduceLROnPlateau: lower the learning rate when a metric stops improving. */
import type { SchedulerStateDict } from './lr_scheduler.js';
import type { Optimizer } from './optimizer.js';

export interface ReduceLROnPlateauOptions {
  /** 'min' for a loss, 'max' for an accuracy. */
  mode?: 'min' | 'max';
  /** New lr = lr * factor. */
  factor?: number;
  /** Epochs without improvement tolerated before reducing. */
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again. */
  cooldown?: number;
  minLr?: number | number[];
  /** Reductions smaller than this are skipped. */
  eps?: number;
}

/**
 * As torch.optim.lr_scheduler.ReduceLROnPlateau: call `step(metric)` once per epoch; after `patience` epochs without
 * an improvement larger than the threshold, every group's lr becomes max(lr * factor, minLr).
 * @example const sched = new ReduceLROnPlateau(opt, { mode: 'max', patience: 5 }); sched.step(valAccuracy);
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer<{ lr: number }>;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;

  constructor(optimizer: Optimizer<{ lr: number }>, options: ReduceLROnPlateauOptions = {}) {
    this.optimizer = optimizer;
    this.mode = options.mode ?? 'min';
    this.factor = options.factor ?? 0.1;
    if (this.factor >= 1) throw new Error('Factor should be < 1.0.');
    if (this.mode !== 'min' && this.mode !== 'max') throw new Error(`mode ${String(this.mode)} is unknown!`);
    this.patience = options.patience ?? 10;
    this.threshold = options.threshold ?? 1e-4;
    this.thresholdMode = options.thresholdMode ?? 'rel';
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') {
      throw new Error(`threshold mode ${String(this.thresholdMode)} is unknown!`);
    }
    this.cooldown = options.cooldown ?? 0;
    const minLr = options.minLr ?? 0;
    const groups = optimizer.paramGroups.length;
    if (Array.isArray(minLr) && minLr.length !== groups)
      throw new Error(`expected ${groups} minLrs, got ${minLr.length}`);
    this.minLrs = Array.isArray(minLr) ? minLr.slice() : new Array(groups).fill(minLr);
    this.eps = options.eps ?? 1e-8;
    this.best = this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  private isBetter(a: number, best: number): boolean {
    const rel = this.thresholdMode === 'rel';
    if (this.mode === 'min') return rel ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return rel ? a > best * (1 + this.threshold) : a > best + this.threshold;
  }

  step(metric: number): void {
    this.lastEpoch++;
    if (this.isBetter(metric, this.best)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const lr = Math.max(g.lr * this.factor, this.minLrs[i]!);
        if (g.lr - lr > this.eps) g.lr = lr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }

  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  stateDict(): SchedulerStateDict {
    return {
      // JSON has no Infinity: the initial best (no epoch seen yet) is saved as null and restored on load.
      best: Number.isFinite(this.best) ? this.best : null,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastEpoch: this.lastEpoch,
    };
  }

  loadStateDict(state: SchedulerStateDict): void {
    const best = state.best as number | null;
    this.best =
      best === null || best === undefined || !Number.isFinite(best)
        ? this.mode === 'min'
          ? Number.POSITIVE_INFINITY
          : Number.NEGATIVE_INFINITY
        : best;
    this.numBadEpochs = state.numBadEpochs as number;
    this.cooldownCounter = state.cooldownCounter as number;
    this.lastEpoch = state.lastEpoch as number;
  }
}
