/** Neural-net kernels as ops: softmax, log-softmax, conv2d, pooling. */
import { isGradEnabled } from '../autograd/grad_mode.js';
import { needsGrad, record } from '../autograd/node.js';
import * as K from '../kernel_names.js';
import { formatShape, normalizeDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, exp, mul, sub } from './elementwise.js';
import { assertFloating, operandAs, runKernel } from './kernel.js';
import { sum } from './reduce.js';
import { reshape, squeeze, unsqueeze } from './shape.js';

/** softmax along `dim`, computed stably (the maximum is subtracted first). */
export function softmax(x: Tensor, dim: number): Tensor {
  assertFloating(x, 'softmax');
  const axis = normalizeDim(dim, x.ndim, 'softmax');
  const out = runKernel(K.Softmax, [x], { axis });
  if (needsGrad(x)) {
    // dx = y * (g - sum(g * y)) along the dim.
    record('SoftmaxBackward', [x], out, (g) => [mul(out, sub(g, sum(mul(g, out), axis, true)))], [out]);
  }
  return out;
}

/** log(softmax(x)) along `dim`, computed as x - logsumexp(x): finite for logits of +-1000. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  assertFloating(x, 'logSoftmax');
  const axis = normalizeDim(dim, x.ndim, 'logSoftmax');
  const out = runKernel(K.LogSoftmax, [x], { axis });
  if (needsGrad(x)) {
    // dx = g - softmax(x) * sum(g) along the dim.
    record('LogSoftmaxBackward', [x], out, (g) => [sub(g, mul(exp(out), sum(g, axis, true)))], [out]);
  }
  return out;
}

/** The backward of conv2d and pooling runs kernels, not recorded ops: a second derivative through them is refused. */
function firstOrderOnly(op: string): void {
  if (isGradEnabled()) {
    throw new Error(
      `${op}: second derivatives (createGraph: true) through ${op} are not supported yet; compute the gradient ` +
        'without createGraph, or keep conv2d and pooling out of the part of the graph you differentiate twice.',
    );
  }
}

type Pair = number | readonly [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

/**
 * 2-D convolution (cross-correlation, as PyTorch) of x [N, C, H, W] (or [C, H, W]) with weight [O, C / groups, kh, kw].
 * @example conv2d(x, w, b, { padding: 2 })
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  assertFloating(x, 'conv2d');
  if (x.ndim === 3) return squeeze(conv2d(unsqueeze(x, 0), weight, bias, options), 0);
  if (x.ndim !== 4 || weight.ndim !== 4) {
    throw new Error(
      `conv2d: expected input [N, C, H, W] and weight [O, C/groups, kh, kw], got ${formatShape(x.shape)} and ` +
        `${formatShape(weight.shape)}`,
    );
  }
  const groups = options.groups ?? 1;
  const attrs: K.Conv2DAttrs = {
    stride: pair(options.stride ?? 1),
    padding: pair(options.padding ?? 0),
    dilation: pair(options.dilation ?? 1),
    groups,
  };
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [o, cg, kh, kw] = weight.shape as [number, number, number, number];
  if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0 || o % groups !== 0) {
    throw new Error(`conv2d: groups (${groups}) must divide both in channels (${c}) and out channels (${o})`);
  }
  if (cg * groups !== c) {
    throw new Error(
      `conv2d: input ${formatShape(x.shape)} has ${c} channels, but weight ${formatShape(weight.shape)} expects ` +
        `${cg * groups} (weight.shape[1] * groups)`,
    );
  }
  const oh = Math.floor((h + 2 * attrs.padding[0] - attrs.dilation[0] * (kh - 1) - 1) / attrs.stride[0]) + 1;
  const ow = Math.floor((w + 2 * attrs.padding[1] - attrs.dilation[1] * (kw - 1) - 1) / attrs.stride[1]) + 1;
  if (oh <= 0 || ow <= 0) {
    throw new Error(
      `conv2d: the kernel ${kh}x${kw} (dilation ${attrs.dilation.join('x')}) is larger than the padded input ` +
        `${h + 2 * attrs.padding[0]}x${w + 2 * attrs.padding[1]}`,
    );
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== o)) {
    throw new Error(`conv2d: bias must have shape [${o}], got ${formatShape(bias.shape)}`);
  }
  let out = runKernel(K.Conv2D, [x, weight], attrs);
  // The bias joins the convolution's node (a bias of another dtype goes through add, which promotes), and its
  // gradient is one Sum whose fresh result has the bias's shape (a reshaped view would be cloned into .grad).
  const fusedBias = bias && bias.dtype === out.dtype ? bias : null;
  if (fusedBias) out = runKernel(K.Add, [out, operandAs(fusedBias, [1, o, 1, 1])]);
  if (needsGrad(x, weight, fusedBias ?? undefined)) {
    const inputShape: [number, number, number, number] = [n, c, h, w];
    const filterShape: [number, number, number, number] = [o, cg, kh, kw];
    const inputs = fusedBias ? [x, weight, fusedBias] : [x, weight];
    record(
      'ConvolutionBackward',
      inputs,
      out,
      (g, need) => {
        if (need[0] || need[1]) firstOrderOnly('conv2d');
        return [
          need[0] ? runKernel(K.Conv2DBackpropInput, [g, weight], { ...attrs, inputShape }) : null,
          need[1] ? runKernel(K.Conv2DBackpropFilter, [x, g], { ...attrs, filterShape }) : null,
          need[2]
            ? isGradEnabled()
              ? sum(g, [0, 2, 3])
              : runKernel(K.Sum, [g], { axes: [0, 2, 3], keepDims: false })
            : null,
        ];
      },
      [x, weight],
    );
  }
  return bias && !fusedBias ? add(out, reshape(bias, [1, o, 1, 1])) : out;
}

export interface Pool2dOptions {
  /** Default: the kernel size. */
  stride?: Pair;
  padding?: Pair;
}

function poolAttrs(x: Tensor, kernelSize: Pair, options: Pool2dOptions, op: string): K.Pool2DAttrs {
  if (x.ndim !== 4) throw new Error(`${op}: expected input [N, C, H, W], got ${formatShape(x.shape)}`);
  const attrs = {
    kernelSize: pair(kernelSize),
    stride: pair(options.stride ?? kernelSize),
    padding: pair(options.padding ?? 0),
  };
  const [kh, kw] = attrs.kernelSize;
  if (attrs.padding[0] > kh / 2 || attrs.padding[1] > kw / 2) {
    throw new Error(
      `${op}: padding ${attrs.padding.join('x')} should be at most half of the kernel size ${kh}x${kw}`,
    );
  }
  const h = x.shape[2]! + 2 * attrs.padding[0];
  const w = x.shape[3]! + 2 * attrs.padding[1];
  if (h < kh || w < kw)
    throw new Error(`${op}: kernel ${kh}x${kw} is larger than the padded input ${h}x${w}`);
  return attrs;
}

/** Max pooling over kernelSize windows of x [N, C, H, W] (or [C, H, W]). */
export function maxPool2d(x: Tensor, kernelSize: Pair, options: Pool2dOptions = {}): Tensor {
  if (x.ndim === 3) return squeeze(maxPool2d(unsqueeze(x, 0), kernelSize, options), 0);
  const attrs = poolAttrs(x, kernelSize, options, 'maxPool2d');
  const out = runKernel(K.MaxPool2D, [x], attrs);
  if (needsGrad(x)) {
    record('MaxPool2DBackward', [x], out, (g) => {
      firstOrderOnly('maxPool2d');
      return [runKernel(K.MaxPool2DGrad, [g, x], attrs)];
    });
  }
  return out;
}

/** Average pooling; padded cells count in the divisor (PyTorch's count_include_pad=True). */
export function avgPool2d(x: Tensor, kernelSize: Pair, options: Pool2dOptions = {}): Tensor {
  if (x.ndim === 3) return squeeze(avgPool2d(unsqueeze(x, 0), kernelSize, options), 0);
  const attrs = poolAttrs(x, kernelSize, options, 'avgPool2d');
  const out = runKernel(K.AvgPool2D, [x], attrs);
  if (needsGrad(x)) {
    const inputShape = x.shape.slice() as [number, number, number, number];
    record(
      'AvgPool2DBackward',
      [x],
      out,
      (g) => {
        firstOrderOnly('avgPool2d');
        return [runKernel(K.AvgPool2DGrad, [g], { ...attrs, inputShape })];
      },
      [],
    );
  }
  return out;
}
