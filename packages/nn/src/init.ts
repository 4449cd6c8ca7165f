/**
 * Parameter initialization (torch.nn.init), in place and without recording gradients. Every random function takes an
 * optional Generator (default: the global one seeded by manualSeed). Nielsen's two schemes are here by name.
 */
import {
  defaultGenerator,
  type Generator,
  noGrad,
  normal_ as normalFill,
  type Tensor,
  uniform_ as uniformFill,
} from '@nndl/tensor';
import type { AnyModule } from './module.js';

export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'leaky_relu'
  | 'selu';

export type FanMode = 'fanIn' | 'fanOut';

/**
 * The recommended gain for a nonlinearity, as PyTorch's calculate_gain: 1 for linear/conv/sigmoid, 5/3 for tanh,
 * sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky relu (slope `param`, default 0.01), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu':
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new Error(`calculateGain: unsupported nonlinearity ${String(nonlinearity)}`);
  }
}

/** [fanIn, fanOut] of a weight [out, in, ...kernel]: in (resp. out) times the kernel's size. */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) {
    throw new Error(
      `Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape [${t.shape.join(', ')}])`,
    );
  }
  let receptive = 1;
  for (let i = 2; i < t.ndim; i++) receptive *= t.shape[i]!;
  return [t.shape[1]! * receptive, t.shape[0]! * receptive];
}

/** Fill with U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, generator: Generator = defaultGenerator): Tensor {
  return noGrad(() => uniformFill(t, a, b, generator));
}

/** Fill with N(mean, std^2). */
export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  return noGrad(() => normalFill(t, mean, std, generator));
}

export function constant_(t: Tensor, value: number): Tensor {
  return noGrad(() => t.fill_(value));
}

export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

export interface XavierOptions {
  gain?: number;
  generator?: Generator;
}

/** Glorot: U(-b, b) with b = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, options: XavierOptions = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const bound = (options.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound, options.generator);
}

/** Glorot: N(0, std^2) with std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, options: XavierOptions = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal_(t, 0, (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), options.generator);
}

export interface KaimingOptions {
  /** The negative slope of the leaky relu that follows (0 for relu). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

function kaimingStd(t: Tensor, options: KaimingOptions): number {
  const { a = 0, mode = 'fanIn', nonlinearity = 'leakyRelu' } = options;
  if (mode !== 'fanIn' && mode !== 'fanOut')
    throw new Error(`Mode ${String(mode)} not supported, please use one of fanIn, fanOut`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return calculateGain(nonlinearity, a) / Math.sqrt(mode === 'fanIn' ? fanIn : fanOut);
}

/** He: U(-b, b) with b = gain * sqrt(3 / fan). Linear and Conv2d use it with a = sqrt(5), as PyTorch. */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, options);
  return uniform_(t, -bound, bound, options.generator);
}

/** He: N(0, std^2) with std = gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, options), options.generator);
}

/**
 * Nielsen's initializations, by name, for every parameter of a module: weights (parameters with 2+ dims) get
 * N(0, 1/n_in) in the 'default' scheme (network2.py's default_weight_initializer: randn / sqrt(n_in), i.e. standard
 * deviation 1/sqrt(n_in)) or N(0, 1) in the 'large' scheme (network.py, large_weight_initializer); biases (1-D) get
 * N(0, 1) in both. n_in is the weight's fan-in (inFeatures for Linear).
 * @example nielsenInit_(net, 'large', new Generator(0));
 */
export function nielsenInit_(
  module: AnyModule,
  scheme: 'default' | 'large',
  generator: Generator = defaultGenerator,
): AnyModule {
  if (scheme !== 'default' && scheme !== 'large') {
    throw new Error(`nielsenInit_: unknown scheme ${String(scheme)} (use 'default' or 'large')`);
  }
  for (const p of module.parameters()) {
    if (p.ndim >= 2)
      normal_(p, 0, scheme === 'large' ? 1 : 1 / Math.sqrt(calculateFanInAndFanOut(p)[0]), generator);
    else normal_(p, 0, 1, generator);
  }
  return module;
}
