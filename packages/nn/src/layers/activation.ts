/** Parameter-free layers: activations, Softmax/LogSoftmax, Flatten, Identity. */
import type { Tensor } from '@nndl/tensor';
import * as F from '../functional.js';
import { Module } from '../module.js';

/** 1 / (1 + exp(-x)), elementwise (stable for large |x|). */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}

/** max(0, x). */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return F.relu(x);
  }
}

/** x for x > 0, negativeSlope * x otherwise. */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  constructor(negativeSlope = 0.01) {
    super();
    this.negativeSlope = negativeSlope;
  }
  override forward(x: Tensor): Tensor {
    return F.leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** softmax along `dim` (default the last). */
export class Softmax extends Module {
  readonly dim: number;
  constructor(dim = -1) {
    super();
    this.dim = dim;
  }
  override forward(x: Tensor): Tensor {
    return F.softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** log(softmax(x)) along `dim`, computed stably. */
export class LogSoftmax extends Module {
  readonly dim: number;
  constructor(dim = -1) {
    super();
    this.dim = dim;
  }
  override forward(x: Tensor): Tensor {
    return F.logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * Flatten dims startDim..endDim into one (default: all but the batch dim).
 * @example new Flatten().call(randn([10, 40, 4, 4])); // [10, 640]
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = startDim;
    this.endDim = endDim;
  }
  override forward(x: Tensor): Tensor {
    return F.flatten(x, this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/** Returns its input: a placeholder (e.g. a shortcut without projection). */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }
}
