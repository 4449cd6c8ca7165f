/** RMSprop: divide the gradient by a running root mean square (Hinton's lecture 6e). */
import type { Tensor } from '@nndl/tensor';
import {
  checkNumber,
  type FloatArray,
  Optimizer,
  type ParamGroup,
  type ParamState,
  type Params,
} from './optimizer.js';

export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

/**
 * RMSprop, as torch.optim.RMSprop. With g the gradient (negated when maximize):
 *
 *     g <- g + weightDecay * w                                   (if weightDecay)
 *     s <- alpha s + (1 - alpha) g^2
 *     a <- alpha a + (1 - alpha) g;  d <- sqrt(s - a^2) + eps    (centered)   else  d <- sqrt(s) + eps
 *     b <- momentum b + g / d;  w <- w - lr b                    (momentum > 0)  else  w <- w - lr g / d
 *
 * @example new RMSprop(model.parameters(), { lr: 0.01 })
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super(params, {
      lr: options.lr ?? 0.01,
      alpha: options.alpha ?? 0.99,
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      momentum: options.momentum ?? 0,
      centered: options.centered ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected validate(o: RMSpropOptions): void {
    checkNumber(o.lr, (v) => v >= 0, 'Invalid learning rate');
    checkNumber(o.eps, (v) => v >= 0, 'Invalid epsilon value');
    checkNumber(o.momentum, (v) => v >= 0, 'Invalid momentum value');
    checkNumber(o.weightDecay, (v) => v >= 0, 'Invalid weightDecay value');
    checkNumber(o.alpha, (v) => v >= 0, 'Invalid alpha value');
  }

  protected updateParameter(
    p: Tensor,
    grad: Tensor,
    state: ParamState,
    group: ParamGroup<RMSpropOptions>,
  ): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    if (state.step === undefined) {
      state.step = 0;
      state.squareAvg = this.zerosLike(p);
      if (momentum > 0) state.momentumBuffer = this.zerosLike(p);
      if (centered) state.gradAvg = this.zerosLike(p);
    }
    state.step = (state.step as number) + 1;
    const sign = maximize ? -1 : 1;
    const tensors = [p, grad, state.squareAvg as Tensor];
    const hasMomentum = momentum > 0;
    if (hasMomentum) tensors.push(state.momentumBuffer as Tensor);
    if (centered) tensors.push(state.gradAvg as Tensor);
    this.inPlace(tensors, (w, g, s, ...rest: FloatArray[]) => {
      const b = hasMomentum ? rest[0]! : null;
      const a = centered ? rest[hasMomentum ? 1 : 0]! : null;
      for (let i = 0; i < w.length; i++) {
        const gi = sign * g[i]! + weightDecay * w[i]!;
        s![i] = alpha * s![i]! + (1 - alpha) * gi * gi;
        let d: number;
        if (a) {
          a[i] = alpha * a[i]! + (1 - alpha) * gi;
          d = Math.sqrt(s![i]! - a[i]! * a[i]!) + eps;
        } else d = Math.sqrt(s![i]!) + eps;
        if (b) {
          b[i] = momentum * b[i]! + gi / d;
          w[i] = w[i]! - lr * b[i]!;
        } else w[i] = w[i]! - (lr * gi) / d;
      }
    });
  }
}
