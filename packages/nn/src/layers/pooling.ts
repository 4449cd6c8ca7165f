/** MaxPool2d and AvgPool2d. */
import type { Tensor } from '@nndl/tensor';
import * as F from '../functional.js';
import { Module } from '../module.js';

type Pair = number | [number, number];

export interface Pool2dLayerOptions {
  /** Default: the kernel size. */
  stride?: Pair;
  padding?: Pair;
}

/** What MaxPool2d and AvgPool2d share: the window settings, their printing, and the call into `F`. */
abstract class Pool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;

  constructor(kernelSize: Pair, options: Pool2dLayerOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
  }

  protected abstract pool(x: Tensor, kernelSize: Pair, options: { stride: Pair; padding: Pair }): Tensor;

  override forward(x: Tensor): Tensor {
    return this.pool(x, this.kernelSize, { stride: this.stride, padding: this.padding });
  }

  override extraRepr(): string {
    return `kernelSize=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}`;
  }
}

/**
 * Max over kernelSize windows of [N, C, H, W].
 * @example new MaxPool2d(2).call(randn([1, 20, 24, 24])); // [1, 20, 12, 12]
 */
export class MaxPool2d extends Pool2d {
  protected pool(x: Tensor, kernelSize: Pair, options: { stride: Pair; padding: Pair }): Tensor {
    return F.maxPool2d(x, kernelSize, options);
  }
}

/** Average over kernelSize windows; padded cells count in the divisor (PyTorch's countIncludePad). */
export class AvgPool2d extends Pool2d {
  protected pool(x: Tensor, kernelSize: Pair, options: { stride: Pair; padding: Pair }): Tensor {
    return F.avgPool2d(x, kernelSize, options);
  }
}
