/** AdamW: Adam with decoupled weight decay (Loshchilov and Hutter). */
import { Adam, type AdamOptions } from './adam.js';
import type { Params } from './optimizer.js';

/**
 * AdamW. Update rule (g the gradient, negated when maximize; t the step count):
 *
 *     w <- w * (1 - lr * weightDecay)
 *     m <- beta1 m + (1 - beta1) g;   v <- beta2 v + (1 - beta2) g^2
 *     vHat <- max(vHat, v) if amsgrad, else v
 *     w <- w - lr / (1 - beta1^t) * m / (sqrt(vHat) / sqrt(1 - beta2^t) + eps)
 *
 * weightDecay defaults to 0.01, as PyTorch.
 * @example new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 })
 */
export class AdamW extends Adam {
  protected override readonly decoupledWeightDecay: boolean = true;

  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, options, 0.01);
  }
}
