/** Conv2d: 2-D convolution over [N, C, H, W]. */
import { type DType, type Generator, type Tensor, zeros } from '@nndl/tensor';
import * as F from '../functional.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { checkSize } from './linear.js';

type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

export interface Conv2dLayerOptions {
  stride?: Pair;
  /** Zero padding on each side; 'valid' is 0. */
  padding?: Pair | 'valid';
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  dtype?: DType;
  device?: string;
  generator?: Generator;
}

/**
 * Convolution with weight [outChannels, inChannels / groups, kh, kw] and bias [outChannels], initialized as
 * PyTorch (kaiming_uniform with a = sqrt(5); bias U(-1/sqrt(fanIn), 1/sqrt(fanIn))).
 * @example new Conv2d(1, 20, 5).call(randn([10, 1, 28, 28])); // [10, 20, 24, 24]
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: Conv2dLayerOptions = {}) {
    super();
    checkSize(inChannels, 'Conv2d', 'inChannels');
    checkSize(outChannels, 'Conv2d', 'outChannels');
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(kernelSize);
    this.stride = pair(options.stride ?? 1);
    this.padding =
      options.padding === 'valid' || options.padding === undefined ? [0, 0] : pair(options.padding);
    this.dilation = pair(options.dilation ?? 1);
    this.groups = options.groups ?? 1;
    if (
      !Number.isInteger(this.groups) ||
      this.groups < 1 ||
      inChannels % this.groups ||
      outChannels % this.groups
    ) {
      throw new Error(
        `Conv2d: groups (${this.groups}) must be a positive integer dividing inChannels (${inChannels}) and outChannels (${outChannels})`,
      );
    }
    const tensorOptions = { dtype: options.dtype ?? 'float32', device: options.device };
    this.weight = new Parameter(
      zeros([outChannels, inChannels / this.groups, ...this.kernelSize], tensorOptions),
    );
    this.bias = options.bias === false ? null : new Parameter(zeros([outChannels], tensorOptions));
    this.resetParameters(options.generator);
  }

  resetParameters(generator?: Generator): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5), generator });
    if (this.bias) {
      const [fanIn] = init.calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound, generator);
    }
  }

  override forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }

  override extraRepr(): string {
    const parts = [
      `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}], stride=[${this.stride}]`,
    ];
    if (this.padding[0] || this.padding[1]) parts.push(`padding=[${this.padding}]`);
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) parts.push(`dilation=[${this.dilation}]`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (!this.bias) parts.push('bias=false');
    return parts.join(', ');
  }
}
