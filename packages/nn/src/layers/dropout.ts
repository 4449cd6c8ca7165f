/** Dropout: inverted dropout in training, the identity in evaluation. */
import { defaultGenerator, type Generator, type Tensor } from '@nndl/tensor';
import * as F from '../functional.js';
import { Module } from '../module.js';

/**
 * Zero each element with probability p during training and scale the rest by 1/(1-p); identity in eval mode.
 * The mask comes from `generator` (default: the global seedable generator), so a seeded run is reproducible.
 * @example const drop = new Dropout(0.5, { generator: new Generator(1) });
 */
export class Dropout extends Module {
  readonly p: number;
  private readonly generator: Generator;

  constructor(p = 0.5, options: { generator?: Generator } = {}) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
    this.generator = options.generator ?? defaultGenerator;
  }

  override forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training, this.generator);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
