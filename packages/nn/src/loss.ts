/**
 * Losses as modules (their functions are in F). Each takes (input, target) and a `reduction`.
 *
 * Nielsen's costs, exactly, over a mini-batch of n rows:
 * - quadratic cost 1/(2n) sum_x ||y(x) - a(x)||^2 = `new MSELoss({ reduction: 'sum' }).call(a, y).mul(1 / (2 * n))`,
 *   or `F.nielsenQuadraticCost(a, y)`. (MSELoss's default 'mean' also divides by the number of outputs, so it equals
 *   the quadratic cost times 2/outputs, and a learning rate would have to be scaled to match.)
 * - cross-entropy cost 1/n sum_x sum_j [-y ln a - (1-y) ln(1-a)] = `new BCELoss({ reduction: 'sum' }).call(a, y).mul(1 / n)`,
 *   or `F.nielsenCrossEntropyCost(a, y)`.
 * - network3's log-likelihood on softmax outputs = `new CrossEntropyLoss().call(logits, labels)`.
 */
import type { Tensor } from '@nndl/tensor';
import * as F from './functional.js';
import { Module } from './module.js';

type LossSignature = [input: Tensor, target: Tensor];

abstract class Loss extends Module<LossSignature, Tensor> {
  readonly reduction: F.Reduction;
  constructor(reduction: F.Reduction = 'mean') {
    super();
    if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
      throw new Error(`${this.constructor.name}: ${String(reduction)} is not a valid value for reduction`);
    }
    this.reduction = reduction;
  }
  override extraRepr(): string {
    return this.reduction === 'mean' ? '' : `reduction=${this.reduction}`;
  }
}

/**
 * (input - target)^2 reduced by mean (default), sum or none.
 * @example new MSELoss({ reduction: 'sum' }).call(a, y).mul(1 / (2 * n)) // Nielsen's quadratic cost
 */
export class MSELoss extends Loss {
  constructor(options: { reduction?: F.Reduction } = {}) {
    super(options.reduction);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

/** Binary cross-entropy on probabilities, finite at 0 and 1 (logs clamped to >= -100). */
export class BCELoss extends Loss {
  readonly weight: Tensor | null;
  constructor(options: { weight?: Tensor | null; reduction?: F.Reduction } = {}) {
    super(options.reduction);
    this.weight = options.weight ?? null;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** Binary cross-entropy on logits, stable for any logit. */
export class BCEWithLogitsLoss extends Loss {
  readonly weight: Tensor | null;
  constructor(options: { weight?: Tensor | null; reduction?: F.Reduction } = {}) {
    super(options.reduction);
    this.weight = options.weight ?? null;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/**
 * Softmax + negative log-likelihood from logits [N, C]; targets are int32 classes [N] or probabilities [N, C].
 * @example new CrossEntropyLoss({ labelSmoothing: 0.1 }).call(logits, labels)
 */
export class CrossEntropyLoss extends Loss {
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  constructor(options: F.CrossEntropyOptions = {}) {
    super(options.reduction);
    this.weight = options.weight ?? null;
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      labelSmoothing: this.labelSmoothing,
      reduction: this.reduction,
    });
  }
}

/** Negative log-likelihood of log-probabilities [N, C] at int32 class targets [N]. */
export class NLLLoss extends Loss {
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  constructor(options: F.NllOptions = {}) {
    super(options.reduction);
    this.weight = options.weight ?? null;
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
    });
  }
}
