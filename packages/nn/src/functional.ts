/**
 * Functional forms of the layers and losses (`F` in PyTorch): stateless functions on tensors. The modules in
 * layers/ and loss.ts hold their settings and parameters and call these.
 */
import {
  Function as AutogradFunction,
  asTensor,
  avgPool2d as avgPool2dOp,
  type Conv2dOptions,
  conv2d as conv2dOp,
  defaultGenerator,
  type FunctionCtx,
  type Generator,
  linear as linearOp,
  maxPool2d as maxPool2dOp,
  noGrad,
  type Pool2dOptions,
  type Tensor,
  where,
} from '@nndl/tensor';

export type { Conv2dOptions, Pool2dOptions };
export type Reduction = 'mean' | 'sum' | 'none';

// ---- layers -------------------------------------------------------------------------------------------------------

/** x W^T + b with weight [out, in] (no transpose copy). */
export const linear = (x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor => linearOp(x, weight, bias);

/** 2-D convolution (cross-correlation) of x [N, C, H, W] with weight [O, C/groups, kh, kw]. */
export const conv2d = (x: Tensor, weight: Tensor, bias?: Tensor | null, options?: Conv2dOptions): Tensor =>
  conv2dOp(x, weight, bias, options);

export const maxPool2d = (
  x: Tensor,
  kernelSize: number | [number, number],
  options?: Pool2dOptions,
): Tensor => maxPool2dOp(x, kernelSize, options);

export const avgPool2d = (
  x: Tensor,
  kernelSize: number | [number, number],
  options?: Pool2dOptions,
): Tensor => avgPool2dOp(x, kernelSize, options);

export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
export const tanh = (x: Tensor): Tensor => x.tanh();
export const relu = (x: Tensor): Tensor => x.relu();
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor => x.leakyRelu(negativeSlope);
export const softmax = (x: Tensor, dim = -1): Tensor => x.softmax(dim);
export const logSoftmax = (x: Tensor, dim = -1): Tensor => x.logSoftmax(dim);
export const flatten = (x: Tensor, startDim = 1, endDim = -1): Tensor => x.flatten(startDim, endDim);

/**
 * Inverted dropout: in training, zero each element with probability p and scale the survivors by 1/(1-p), so that
 * evaluation is the identity. The mask comes from `generator` (default: the global seedable generator).
 * @example F.dropout(x, 0.5, model.training)
 */
export function dropout(
  x: Tensor,
  p = 0.5,
  training = true,
  generator: Generator = defaultGenerator,
): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  return x.mul(dropoutMask(x, 1 - p, 1 / (1 - p), generator));
}

/**
 * A mask of x's shape and dtype whose elements are `scale` with probability `keep`, else 0: one typed array filled
 * in one loop, then one multiply (a rand tensor, a comparison and a cast would be three more full passes).
 */
export function dropoutMask(
  x: Tensor,
  keep: number,
  scale: number,
  generator: Generator = defaultGenerator,
): Tensor {
  const n = x.numel();
  const values = x.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = generator.random() < keep ? scale : 0;
  const mask = asTensor(values, x.shape);
  return x.device === 'cpu' ? mask : mask.to(x.device);
}

export interface BatchNormOptions {
  training?: boolean;
  /** Weight of the new batch statistic in the running average; null for a cumulative average. */
  momentum?: number | null;
  eps?: number;
  /** For momentum null: the number of batches seen, including this one. */
  numBatchesTracked?: number;
}

/**
 * Batch normalization over dim 1 of x [N, C], [N, C, L] or [N, C, H, W]. In training the batch statistics
 * normalize (biased variance) and the running statistics are updated in place (unbiased variance, as PyTorch);
 * in evaluation the running statistics normalize.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  options: BatchNormOptions = {},
): Tensor {
  const { training = false, momentum = 0.1, eps = 1e-5 } = options;
  if (x.ndim < 2)
    throw new Error(
      `batchNorm: expected input with at least 2 dims [N, C, ...], got [${x.shape.join(', ')}]`,
    );
  const c = x.shape[1]!;
  const statShape = x.shape.map((d, i) => (i === 1 ? d : 1));
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const view = (t: Tensor) => t.reshape(statShape);
  let mean: Tensor;
  let variance: Tensor;
  if (training || runningMean === null || runningVar === null) {
    const count = x.numel() / c;
    if (training && count <= 1) {
      throw new Error(
        `batchNorm: expected more than 1 value per channel when training, got input [${x.shape.join(', ')}]`,
      );
    }
    mean = x.mean(dims, true);
    const centered = x.sub(mean);
    variance = centered.square().mean(dims, true);
    if (training && runningMean && runningVar) {
      const factor = momentum ?? 1 / (options.numBatchesTracked ?? 1);
      noGrad(() => {
        runningMean.mul_(1 - factor).add_(mean.reshape([c]), factor);
        runningVar.mul_(1 - factor).add_(variance.reshape([c]).mul(count / (count - 1)), factor);
      });
    }
    let y = centered.mul(variance.add(eps).rsqrt());
    if (weight) y = y.mul(view(weight));
    if (bias) y = y.add(view(bias));
    return y;
  }
  // Evaluation: fold the statistics and the affine map into one scale and one shift per channel.
  let scale = runningVar.add(eps).rsqrt();
  if (weight) scale = scale.mul(weight);
  let shift = runningMean.mul(scale).neg();
  if (bias) shift = shift.add(bias);
  return x.mul(view(scale)).add(view(shift));
}

// ---- losses -------------------------------------------------------------------------------------------------------

function reduce(loss: Tensor, reduction: Reduction, op: string): Tensor {
  switch (reduction) {
    case 'mean':
      return loss.mean();
    case 'sum':
      return loss.sum();
    case 'none':
      return loss;
    default:
      throw new Error(
        `${op}: ${String(reduction)} is not a valid value for reduction (use 'mean', 'sum' or 'none')`,
      );
  }
}

function sameShape(input: Tensor, target: Tensor, op: string): void {
  if (input.shape.join() !== target.shape.join()) {
    throw new Error(
      `${op}: target size [${target.shape.join(', ')}] must be the same as input size [${input.shape.join(', ')}]`,
    );
  }
}

/**
 * Mean squared error: (input - target)^2, reduced by mean (default), sum or none.
 * Nielsen's quadratic cost C = 1/(2n) sum_x ||y(x) - a||^2 over a mini-batch of n rows is exactly
 * `mseLoss(a, y, { reduction: 'sum' }).mul(1 / (2 * n))`, which `nielsenQuadraticCost(a, y)` computes.
 */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  sameShape(input, target, 'mseLoss');
  return reduce(input.sub(target).square(), options.reduction ?? 'mean', 'mseLoss');
}

/**
 * Nielsen's quadratic cost (network.py, network2.py's QuadraticCost) averaged over the rows of a mini-batch:
 * C = 1/(2n) sum_x ||y(x) - a(x)||^2 with n = input.shape[0]. Its gradient is (a - y)/n, so plain SGD with
 * learning rate eta on it is the book's update w <- w - (eta/m) sum_x dC_x/dw.
 * @example const loss = nielsenQuadraticCost(net.call(x), oneHotY); loss.backward();
 */
export function nielsenQuadraticCost(input: Tensor, target: Tensor): Tensor {
  sameShape(input, target, 'nielsenQuadraticCost');
  const n = input.ndim === 0 ? 1 : input.shape[0]!;
  return input
    .sub(target)
    .square()
    .sum()
    .mul(1 / (2 * n));
}

/** -(y log a + (1-y) log(1-a)) with each log clamped to >= -100 (PyTorch's rule; Nielsen's nan_to_num). */
class BinaryCrossEntropy extends AutogradFunction {
  static override forward(ctx: FunctionCtx, input: Tensor, target: Tensor): Tensor {
    ctx.saveForBackward(input, target);
    const logA = input.log().clamp(-100);
    const log1mA = input.neg().add(1).log().clamp(-100);
    return target.mul(logA).add(target.neg().add(1).mul(log1mA)).neg();
  }
  static override backward(ctx: FunctionCtx, g: Tensor): (Tensor | null)[] {
    const [a, y] = ctx.savedTensors as [Tensor, Tensor];
    // d/da = (a - y) / (a (1 - a)), with the denominator kept >= 1e-12 so that a = 0 or 1 gives no NaN.
    const denominator = a.mul(a.neg().add(1)).clamp(1e-12);
    return [g.mul(a.sub(y)).div(denominator), null];
  }
}

/**
 * Binary cross-entropy on probabilities (sigmoid outputs). Finite at a = 0 and a = 1: each log is clamped to >= -100.
 * Nielsen's CrossEntropyCost over a mini-batch of n rows is `binaryCrossEntropy(a, y, { reduction: 'sum' }).mul(1 / n)`
 * (see nielsenCrossEntropyCost).
 */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  options: { weight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  sameShape(input, target, 'binaryCrossEntropy');
  let loss = BinaryCrossEntropy.apply(input, target.dtype === input.dtype ? target : target.to(input.dtype));
  if (options.weight) loss = loss.mul(options.weight);
  return reduce(loss, options.reduction ?? 'mean', 'binaryCrossEntropy');
}

/** Nielsen's cross-entropy cost (network2.py) averaged over the rows of a mini-batch: sum(BCE) / n. */
export function nielsenCrossEntropyCost(input: Tensor, target: Tensor): Tensor {
  const n = input.ndim === 0 ? 1 : input.shape[0]!;
  return binaryCrossEntropy(input, target, { reduction: 'sum' }).mul(1 / n);
}

/** max(x, 0) - x y + log(1 + exp(-|x|)): stable for any logit; gradient sigmoid(x) - y. */
class BinaryCrossEntropyWithLogits extends AutogradFunction {
  static override forward(ctx: FunctionCtx, x: Tensor, y: Tensor): Tensor {
    ctx.saveForBackward(x, y);
    return x.relu().sub(x.mul(y)).add(x.abs().neg().exp().add(1).log());
  }
  static override backward(ctx: FunctionCtx, g: Tensor): (Tensor | null)[] {
    const [x, y] = ctx.savedTensors as [Tensor, Tensor];
    return [g.mul(x.sigmoid().sub(y)), null];
  }
}

/** Binary cross-entropy on logits (sigmoid folded in), numerically stable: finite for logits of +-1000. */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: { weight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  sameShape(input, target, 'binaryCrossEntropyWithLogits');
  let loss = BinaryCrossEntropyWithLogits.apply(
    input,
    target.dtype === input.dtype ? target : target.to(input.dtype),
  );
  if (options.weight) loss = loss.mul(options.weight);
  return reduce(loss, options.reduction ?? 'mean', 'binaryCrossEntropyWithLogits');
}

export interface NllOptions {
  /** A weight per class, [C]. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing (and do not count in the mean). Default -100, as PyTorch. */
  ignoreIndex?: number;
  reduction?: Reduction;
}

function asBatch(input: Tensor, target: Tensor, op: string): [Tensor, Tensor, boolean] {
  if (input.ndim === 1)
    return [input.unsqueeze(0), target.ndim === 0 ? target.reshape([1]) : target.unsqueeze(0), true];
  if (input.ndim !== 2) {
    throw new Error(`${op}: expected input [N, C] (or [C]), got [${input.shape.join(', ')}]`);
  }
  return [input, target, false];
}

function checkClassTargets(target: Tensor, n: number, c: number, ignoreIndex: number, op: string): boolean {
  if (target.ndim !== 1 || target.shape[0] !== n) {
    throw new Error(`${op}: expected class targets of shape [${n}], got [${target.shape.join(', ')}]`);
  }
  let ignored = false;
  const values = target.dataSync();
  for (let i = 0; i < values.length; i++) {
    const t = values[i]!;
    if (t === ignoreIndex) ignored = true;
    else if (t < 0 || t >= c)
      throw new Error(`${op}: target ${t} is out of bounds for ${c} classes (at row ${i})`);
  }
  return ignored;
}

/**
 * Negative log-likelihood of log-probabilities [N, C] (or [C]) at int32 class targets [N].
 * With class weights, 'mean' divides by the sum of the targets' weights, as PyTorch.
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllOptions = {}): Tensor {
  const { ignoreIndex = -100, reduction = 'mean' } = options;
  if (target.dtype !== 'int32') {
    throw new Error(
      `nllLoss: expected int32 class targets, got ${target.dtype} (use .int(), or crossEntropy for probability targets)`,
    );
  }
  const [logp, t, unbatched] = asBatch(input, target, 'nllLoss');
  const [n, c] = logp.shape as [number, number];
  const ignored = checkClassTargets(t, n, c, ignoreIndex, 'nllLoss');
  const weight = options.weight ?? null;
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== c)) {
    throw new Error(`nllLoss: weight must have shape [${c}], got [${weight.shape.join(', ')}]`);
  }
  const valid = ignored ? t.ne(ignoreIndex) : null;
  const index = valid ? where(valid, t, 0) : t;
  let loss = logp.gather(1, index.unsqueeze(1)).squeeze(1).neg();
  let w: Tensor | null = weight ? weight.indexSelect(0, index) : null;
  if (valid) w = w ? w.mul(valid) : valid.to(logp.dtype);
  if (w) loss = loss.mul(w);
  if (unbatched && reduction === 'none') loss = loss.squeeze(0);
  if (reduction === 'mean' && w) return loss.sum().div(w.sum());
  return reduce(loss, reduction, 'nllLoss');
}

export interface CrossEntropyOptions extends NllOptions {
  /** Mix the target with the uniform distribution: (1 - s) * target + s / C. */
  labelSmoothing?: number;
}

/**
 * Cross-entropy from logits [N, C] (or [C]): logSoftmax then negative log-likelihood, stable for logits of +-1000.
 * Targets are int32 class indices [N], or probabilities [N, C] of the input's dtype.
 * @example F.crossEntropy(logits, labels, { labelSmoothing: 0.1 })
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const { labelSmoothing = 0, reduction = 'mean', ignoreIndex = -100 } = options;
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new Error(`crossEntropy: labelSmoothing must be between 0.0 and 1.0, got ${labelSmoothing}`);
  }
  const [logits, t, unbatched] = asBatch(input, target, 'crossEntropy');
  const c = logits.shape[1]!;
  const logp = logits.logSoftmax(1);
  const weight = options.weight ?? null;
  const finish = (loss: Tensor) => (unbatched && reduction === 'none' ? loss.squeeze(0) : loss);
  if (t.dtype !== 'int32') {
    // Probability targets.
    if (t.shape.join() !== logits.shape.join()) {
      throw new Error(
        `crossEntropy: probability targets must have the input's shape [${logits.shape.join(', ')}], got ` +
          `[${t.shape.join(', ')}] (class targets must be int32)`,
      );
    }
    let probs = t.dtype === logp.dtype ? t : t.to(logp.dtype);
    if (labelSmoothing > 0) probs = probs.mul(1 - labelSmoothing).add(labelSmoothing / c);
    let terms = logp.mul(probs);
    if (weight) terms = terms.mul(weight.reshape([1, c]));
    const loss = terms.sum(1).neg();
    return reduction === 'mean'
      ? loss.sum().div(logits.shape[0]!)
      : finish(reduce(loss, reduction, 'crossEntropy'));
  }
  const nll = nllLoss(logp, t, { weight, ignoreIndex, reduction: labelSmoothing > 0 ? 'none' : reduction });
  if (labelSmoothing === 0) return nll;
  // Smoothing term: -(s / C) sum_c w_c log p_c per row, with ignored rows left out (as PyTorch).
  const n = logits.shape[0]!;
  const ignored = checkClassTargets(t, n, c, ignoreIndex, 'crossEntropy');
  const valid = ignored ? t.ne(ignoreIndex).to(logp.dtype) : null;
  let smooth = (weight ? logp.mul(weight.reshape([1, c])) : logp)
    .sum(1)
    .neg()
    .mul(labelSmoothing / c);
  if (valid) smooth = smooth.mul(valid);
  const loss = nll.mul(1 - labelSmoothing).add(smooth);
  if (reduction === 'mean') {
    let denominator: Tensor | number = valid ? valid.sum() : n;
    if (weight) {
      const index = ignored ? where(t.ne(ignoreIndex), t, 0) : t;
      let w = weight.indexSelect(0, index);
      if (valid) w = w.mul(valid);
      denominator = w.sum();
    }
    return loss.sum().div(denominator);
  }
  return finish(reduce(loss, reduction, 'crossEntropy'));
}
