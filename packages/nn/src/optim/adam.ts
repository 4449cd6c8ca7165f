/** Adam: adaptive moment estimation (Kingma and Ba), with optional L2 weight decay and AMSGrad. */
import type { Tensor } from '@nndl/tensor';
import {
  checkNumber,
  type FloatArray,
  Optimizer,
  type ParamGroup,
  type ParamState,
  type Params,
} from './optimizer.js';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay of the weights. */
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

/**
 * Adam. Update rule (g the gradient, negated when maximize; t the step count):
 *
 *     g <- g + weightDecay * w                                (if weightDecay: L2, as torch.optim.Adam)
 *     m <- beta1 m + (1 - beta1) g;   v <- beta2 v + (1 - beta2) g^2
 *     vHat <- max(vHat, v) if amsgrad, else v
 *     w <- w - lr / (1 - beta1^t) * m / (sqrt(vHat) / sqrt(1 - beta2^t) + eps)
 *
 * @example new Adam(model.parameters(), { lr: 1e-3 })
 */
export class Adam extends Optimizer<AdamOptions> {
  /** AdamW sets this: decay the weights by lr * weightDecay instead of adding an L2 term to the gradient. */
  protected readonly decoupledWeightDecay: boolean = false;

  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}, defaultWeightDecay = 0) {
    super(params, {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? defaultWeightDecay,
      amsgrad: options.amsgrad ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected validate(o: AdamOptions): void {
    checkNumber(o.lr, (v) => v >= 0, 'Invalid learning rate');
    checkNumber(o.eps, (v) => v >= 0, 'Invalid epsilon value');
    checkNumber(o.betas?.[0], (v) => v >= 0 && v < 1, 'Invalid beta parameter at index 0');
    checkNumber(o.betas?.[1], (v) => v >= 0 && v < 1, 'Invalid beta parameter at index 1');
    checkNumber(o.weightDecay, (v) => v >= 0, 'Invalid weightDecay value');
  }

  protected updateParameter(
    p: Tensor,
    grad: Tensor,
    state: ParamState,
    group: ParamGroup<AdamOptions>,
  ): void {
    const { lr, betas, eps, weightDecay, amsgrad, maximize } = group;
    const [beta1, beta2] = betas;
    if (state.step === undefined) {
      state.step = 0;
      state.expAvg = this.zerosLike(p);
      state.expAvgSq = this.zerosLike(p);
      if (amsgrad) state.maxExpAvgSq = this.zerosLike(p);
    }
    const t = (state.step as number) + 1;
    state.step = t;
    const stepSize = lr / (1 - beta1 ** t);
    const bias2Sqrt = Math.sqrt(1 - beta2 ** t);
    const sign = maximize ? -1 : 1;
    const l2 = this.decoupledWeightDecay ? 0 : weightDecay;
    const shrink = this.decoupledWeightDecay ? 1 - lr * weightDecay : 1;
    const tensors = [p, grad, state.expAvg as Tensor, state.expAvgSq as Tensor];
    if (amsgrad) tensors.push(state.maxExpAvgSq as Tensor);
    this.inPlace(tensors, (w, g, m, v, vMax?: FloatArray) => {
      for (let i = 0; i < w.length; i++) {
        const wi = w[i]! * shrink;
        const gi = sign * g[i]! + l2 * wi;
        m![i] = beta1 * m![i]! + (1 - beta1) * gi;
        v![i] = beta2 * v![i]! + (1 - beta2) * gi * gi;
        let vi = v![i]!;
        if (vMax) vi = vMax[i] = Math.max(vMax[i]!, vi);
        w[i] = wi - (stepSize * m![i]!) / (Math.sqrt(vi) / bias2Sqrt + eps);
      }
    });
  }
}
