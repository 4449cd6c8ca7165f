/** Linear: y = x W^T + b. */
import { type DType, type Generator, type Tensor, zeros } from '@nndl/tensor';
import * as F from '../functional.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
  device?: string;
  /** Generator for the initial weights (default: the global one). */
  generator?: Generator;
}

/**
 * Affine map x W^T + b with weight [outFeatures, inFeatures] and bias [outFeatures]. Initialized as PyTorch:
 * kaiming_uniform with a = sqrt(5) (U(-1/sqrt(in), 1/sqrt(in))) for the weight, U(-1/sqrt(in), 1/sqrt(in)) for the bias.
 * @example const fc = new Linear(784, 30); fc.call(randn([10, 784])); // [10, 30]
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkSize(inFeatures, 'Linear', 'inFeatures');
    checkSize(outFeatures, 'Linear', 'outFeatures');
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const tensorOptions = { dtype: options.dtype ?? 'float32', device: options.device };
    this.weight = new Parameter(zeros([outFeatures, inFeatures], tensorOptions));
    this.bias = options.bias === false ? null : new Parameter(zeros([outFeatures], tensorOptions));
    this.resetParameters(options.generator);
  }

  resetParameters(generator?: Generator): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5), generator });
    if (this.bias) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      init.uniform_(this.bias, -bound, bound, generator);
    }
  }

  override forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

export function checkSize(n: number, layer: string, name: string): void {
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${layer}: ${name} must be a non-negative integer, got ${n}`);
}
