/** BatchNorm1d and BatchNorm2d: normalize each channel by batch statistics (training) or running ones (evaluation). */
import { type DType, full, keep, noGrad, type Tensor, zeros } from '@nndl/tensor';
import * as F from '../functional.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { checkSize } from './linear.js';

export interface BatchNormOptions {
  eps?: number;
  /** Weight of each new batch in the running statistics (default 0.1); null for a cumulative average. */
  momentum?: number | null;
  /** Learnable per-channel scale (weight, init 1) and shift (bias, init 0). */
  affine?: boolean;
  /** Keep running statistics (buffers runningMean, runningVar, numBatchesTracked) for evaluation. */
  trackRunningStats?: boolean;
  dtype?: DType;
  device?: string;
}

/** The shared implementation; BatchNorm1d and BatchNorm2d only check the input's rank. */
abstract class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  runningMean: Tensor | null;
  runningVar: Tensor | null;
  numBatchesTracked: Tensor | null;

  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super();
    checkSize(numFeatures, this.constructor.name, 'numFeatures');
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const tensorOptions = { dtype: options.dtype ?? 'float32', device: options.device };
    this.weight = this.affine ? new Parameter(zeros([numFeatures], tensorOptions)) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures], tensorOptions)) : null;
    this.runningMean = this.trackRunningStats ? zeros([numFeatures], tensorOptions) : null;
    this.runningVar = this.trackRunningStats ? full([numFeatures], 1, tensorOptions) : null;
    this.numBatchesTracked = this.trackRunningStats
      ? zeros([], { dtype: 'int32', device: options.device })
      : null;
    // Module state, as parameters: a layer built inside tidy() keeps it.
    for (const t of [this.runningMean, this.runningVar, this.numBatchesTracked]) if (t) keep(t);
    this.resetParameters();
  }

  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.zero_();
    });
  }

  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }

  protected abstract checkInput(x: Tensor): void;

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new Error(
        `${this.constructor.name}: expected ${this.numFeatures} channels (dim 1), got input [${x.shape.join(', ')}]`,
      );
    }
    let numBatches = 0;
    if (this.training && this.numBatchesTracked) {
      const counter = this.numBatchesTracked;
      noGrad(() => counter.add_(1));
      // Read back only for the cumulative average (momentum null): a read is a sync point on the GPU.
      if (this.momentum === null) numBatches = counter.item();
    }
    return F.batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, {
      training: this.training || !this.runningMean,
      momentum: this.momentum,
      eps: this.eps,
      numBatchesTracked: numBatches,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Batch normalization of [N, C] or [N, C, L] over N (and L) per channel.
 * @example new BatchNorm1d(100).call(randn([32, 100]))
 */
export class BatchNorm1d extends BatchNorm {
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3)
      throw new Error(`BatchNorm1d: expected 2D or 3D input (got ${x.ndim}D input)`);
  }
}

/**
 * Batch normalization of [N, C, H, W] over N, H and W per channel.
 * @example new BatchNorm2d(64).call(randn([8, 64, 56, 56]))
 */
export class BatchNorm2d extends BatchNorm {
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new Error(`BatchNorm2d: expected 4D input (got ${x.ndim}D input)`);
  }
}
