import {
  autograd,
  cat,
  conv2d,
  enableGrad,
  type FunctionCtx,
  isGradEnabled,
  manualSeed,
  noGrad,
  ones,
  pad,
  type Tensor,
  tensor,
} from '@nndl/tensor';
import { assertClose, gradcheck } from '@nndl/tensor/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { f64 } from './helpers.js';

beforeEach(() => manualSeed(1));
const leaf = (v: number[]) => tensor(v, { dtype: 'float64', requiresGrad: true });

describe('backward', () => {
  it('computes gradients of a scalar and accumulates across calls', () => {
    const x = leaf([1, 2, 3]);
    x.pow(2).sum().backward();
    assertClose(x.grad!, [2, 4, 6]);
    x.mul(3).sum().backward();
    assertClose(x.grad!, [5, 7, 9]);
  });

  it('accepts an explicit gradient for non-scalar outputs and refuses without one', () => {
    const x = leaf([1, 2]);
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(/grad can be implicitly created only for scalar outputs.*shape \[2\]/);
    y.backward(tensor([1, 10], { dtype: 'float64' }));
    assertClose(x.grad!, [2, 20]);
    const z = x.mul(2);
    expect(() => z.backward(tensor([1, 2, 3], { dtype: 'float64' }))).toThrow(
      /gradient of shape \[3\] does not match the output's shape \[2\]/,
    );
  });

  it('handles diamonds and reused tensors', () => {
    const x = leaf([2]);
    const a = x.mul(3);
    const y = a.mul(a).add(a.exp()).add(x);
    y.backward();
    // dy/dx = 2 * 9x + 3 e^(3x) + 1
    assertClose(x.grad!, [36 + 3 * Math.exp(6) + 1]);
  });

  it('frees the graph after backward unless retainGraph is set', () => {
    const x = leaf([1, 2]);
    const y = x.sigmoid().sum();
    y.backward({ retainGraph: true });
    y.backward();
    assertClose(x.grad!, x.sigmoid().mul(x.sigmoid().neg().add(1)).mul(2).detach());
    const z = x.sigmoid().sum();
    z.backward(null, { retainGraph: true });
    z.backward();
    expect(() => z.backward()).toThrow(/backward through the graph a second time.*retainGraph: true/);
  });

  it('rejects tensors that do not require grad', () => {
    expect(() => tensor([1.5]).sum().backward()).toThrow(/does not require grad and has no gradFn/);
  });

  it('keeps non-leaf gradients only with retainGrad', () => {
    const x = leaf([1, 2]);
    const h = x.mul(2);
    h.retainGrad();
    const h2 = x.mul(3);
    h.mul(h2).sum().backward();
    assertClose(h.grad!, [3, 6]);
    expect(h2.grad).toBeNull();
    expect(h.isLeaf).toBe(false);
    expect(x.isLeaf).toBe(true);
  });

  it('gradients flow through integer casts? no: casts to int stop the graph', () => {
    const x = leaf([1.5]);
    expect(x.int().requiresGrad).toBe(false);
    expect(x.float().requiresGrad).toBe(true);
  });
});

describe('hooks', () => {
  it('a hook can observe and replace the gradient of a leaf and a non-leaf, and be removed', () => {
    const x = leaf([1, 2]);
    const seen: number[][] = [];
    const handle = x.registerHook((g) => {
      seen.push(Array.from(g.dataSync()));
      return g.mul(10);
    });
    const h = x.mul(2);
    h.registerHook((g) => g.add(1));
    h.sum().backward();
    // d(sum)/dh = 1, the hook on h makes it 2, times dh/dx = 2 gives 4, the leaf hook multiplies by 10.
    expect(seen).toEqual([[4, 4]]);
    assertClose(x.grad!, [40, 40]);
    handle.remove();
    x.grad = null;
    x.mul(2).sum().backward();
    assertClose(x.grad!, [2, 2]);
  });

  it('refuses a hook on a tensor that does not require grad, and a hook of the wrong shape', () => {
    expect(() => tensor([1.0]).registerHook(() => undefined)).toThrow(/doesn't require gradient/);
    const x = leaf([1, 2]);
    x.registerHook(() => tensor([1], { dtype: 'float64' }));
    expect(() => x.sum().backward()).toThrow(/hook returned a gradient of shape \[1\]; expected \[2\]/);
  });
});

describe('grad mode', () => {
  it('noGrad stops recording and restores the mode, enableGrad re-enables', () => {
    const x = leaf([1]);
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(isGradEnabled()).toBe(true);
    const z = noGrad(() => enableGrad(() => x.mul(2)));
    expect(z.requiresGrad).toBe(true);
    expect(() =>
      noGrad(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });
});

describe('autograd.grad', () => {
  it('returns gradients without touching .grad', () => {
    const x = leaf([1, 2, 3]);
    const [g] = autograd.grad(x.pow(3).sum(), [x]);
    assertClose(g!, [3, 12, 27]);
    expect(x.grad).toBeNull();
  });

  it('supports gradOutputs, non-leaf inputs, allowUnused and createGraph', () => {
    const x = leaf([1, 2]);
    const h = x.mul(3);
    const y = h.pow(2);
    const [gh] = autograd.grad(y, [h], { gradOutputs: [ones([2], { dtype: 'float64' })] });
    assertClose(gh!, [6, 12]);
    const unused = leaf([5]);
    expect(() => autograd.grad(x.sum(), [unused])).toThrow(
      /was not used to compute the outputs.*allowUnused/,
    );
    expect(autograd.grad(x.sum(), [unused], { allowUnused: true })[0]).toBeNull();
    // Second derivative of x^3 is 6x.
    const [d1] = autograd.grad(x.pow(3).sum(), [x], { createGraph: true });
    const [d2] = autograd.grad(d1!.sum(), [x]);
    assertClose(d2!, [6, 12]);
  });
});

describe('in-place ops', () => {
  it('refuse a leaf that requires grad outside noGrad, and work inside', () => {
    const w = leaf([1, 2]);
    expect(() => w.mul_(2)).toThrow(
      /mul_: a leaf tensor that requires grad is being used in an in-place operation.*noGrad/,
    );
    noGrad(() => w.mul_(2));
    assertClose(w, [2, 4]);
  });

  it('detect a change to a tensor that backward still needs (version counter)', () => {
    const x = leaf([1, 2]);
    const s = x.sigmoid();
    const y = s.sum();
    s.mul_(2);
    expect(() => y.backward()).toThrow(
      /SigmoidBackward: one of the tensors needed for gradient computation has been modified by an in-place operation.*version 1; expected version 0/,
    );
  });

  it('rebase history: gradients flow through in-place ops on non-leaves', () => {
    const x = leaf([1, 2]);
    const h = x.mul(1);
    h.mul_(3).add_(1);
    h.pow(2).sum().backward();
    // h = 3x + 1, d/dx h^2 = 2 h * 3
    assertClose(x.grad!, [24, 42]);
  });

  it('mutate through views and bump the shared version', () => {
    const x = tensor([1, 2, 3, 4]).float();
    const v = x.view(2, 2);
    v.add_(1);
    assertClose(x, [2, 3, 4, 5]);
    x.zero_();
    assertClose(v, [
      [0, 0],
      [0, 0],
    ]);
    x.fill_(7).clamp_(0, 5);
    assertClose(x, [5, 5, 5, 5]);
    x.copy_(tensor([1, 2]).float().expand(2, 2).reshape(4));
    assertClose(x, [1, 2, 1, 2]);
    expect(() => x.add_(tensor([1, 2, 3]).float())).toThrow(
      /cannot be broadcast|doesn't match the broadcast shape/,
    );
    expect(() => tensor([1, 2]).add_(0.5)).toThrow(
      /result type float32 can't be cast to the desired output type int32/,
    );
  });

  it('uniform_ and normal_ follow the seed', () => {
    manualSeed(3);
    const a = tensor([0, 0, 0]).float().uniform_(-1, 1);
    const b = tensor([0, 0, 0]).float().normal_(5, 0.1);
    manualSeed(3);
    assertClose(tensor([0, 0, 0]).float().uniform_(-1, 1), a, { atol: 0, rtol: 0 });
    assertClose(tensor([0, 0, 0]).float().normal_(5, 0.1), b, { atol: 0, rtol: 0 });
    expect(Array.from(a.dataSync()).every((v) => v >= -1 && v < 1)).toBe(true);
  });
});

describe('custom Function', () => {
  class Cube extends autograd.Function {
    static override forward(ctx: FunctionCtx, x: Tensor): Tensor {
      ctx.saveForBackward(x);
      return x.pow(3);
    }
    static override backward(ctx: FunctionCtx, g: Tensor): Tensor {
      const [x] = ctx.savedTensors;
      return g.mul(x!.pow(2).mul(3));
    }
  }
  class WrongCube extends autograd.Function {
    static override forward(_ctx: FunctionCtx, x: Tensor): Tensor {
      return x.pow(3);
    }
    static override backward(_ctx: FunctionCtx, g: Tensor): Tensor {
      return g.mul(3);
    }
  }
  class ScaleBy extends autograd.Function {
    static override forward(ctx: FunctionCtx, x: Tensor, k: number): Tensor {
      ctx.k = k;
      return x.mul(k);
    }
    static override backward(ctx: FunctionCtx, g: Tensor) {
      return [g.mul(ctx.k as number), null];
    }
  }

  it('records forward/backward, passes gradcheck, and gradcheck catches a wrong backward', () => {
    const x = leaf([1, 2]);
    const y = Cube.apply(x);
    expect(y.gradFn?.name).toBe('CubeBackward');
    y.sum().backward();
    assertClose(x.grad!, [3, 12]);
    expect(gradcheck((t) => Cube.apply(t), [f64([3])])).toBe(true);
    expect(() => gradcheck((t) => WrongCube.apply(t), [f64([3])])).toThrow(/gradcheck: gradient of input 0/);
    expect(gradcheck((t) => ScaleBy.apply(t, 2.5), [f64([2, 2])])).toBe(true);
  });

  it('checks saved tensors against in-place changes', () => {
    const x = leaf([1, 2]);
    const h = x.mul(1);
    const y = Cube.apply(h);
    h.add_(1);
    expect(() => y.sum().backward()).toThrow(/modified by an in-place operation/);
  });
});

describe('review fixes', () => {
  it('refuses an in-place op through a view of a tensor in the graph (the gradient would be wrong)', () => {
    const x = leaf([1, 2, 3]);
    const y = x.mul(1);
    expect(() => y.view(3, 1).mul_(2)).toThrow(
      /mul_: in-place operation on a view .* clone\(\) the view first/,
    );
    expect(() => x.view(3, 1).mul_(2)).toThrow(/in-place operation on a view/);
    // Without autograd in the picture, views can be changed in place.
    const plain = tensor([1, 2, 3]).float();
    plain.view(3, 1).mul_(2);
    assertClose(plain, [2, 4, 6]);
  });

  it('records an in-place op whose other operand requires grad, without a false version error', () => {
    const w = leaf([1, 2, 3]);
    const a = ones([3], { dtype: 'float64' });
    a.mul_(w);
    a.sum().backward();
    assertClose(w.grad!, [1, 1, 1]);
  });

  it('copy_ from a leaf that requires grad carries the gradient', () => {
    const w = leaf([1, 2, 3]);
    const b = ones([3], { dtype: 'float64' }).mul(0);
    b.copy_(w);
    b.mul(2).sum().backward();
    assertClose(w.grad!, [2, 2, 2]);
  });

  it('retainGrad and hooks follow a tensor through an in-place op', () => {
    const x = leaf([1, 2]);
    const y = x.mul(2);
    y.retainGrad();
    y.mul_(3);
    y.sum().backward();
    assertClose(y.grad!, [1, 1]);
    assertClose(x.grad!, [6, 6]);
  });

  it('cat of one tensor is a new tensor', () => {
    const a = tensor([1, 2]).float();
    const c = cat([a]);
    c.add_(1);
    assertClose(a, [1, 2]);
  });

  it('second derivatives through conv2d are refused with a clear error, and work through pad', () => {
    const x = f64([1, 1, 4, 4]);
    const w = f64([1, 1, 2, 2]);
    expect(() => autograd.grad(conv2d(x, w).pow(2).sum(), [x], { createGraph: true })).toThrow(
      /conv2d: second derivatives \(createGraph: true\) through conv2d are not supported/,
    );
    const v = leaf([1, 2]);
    const [d1] = autograd.grad(pad(v.pow(3), [1, 1]).sum(), [v], { createGraph: true });
    const [d2] = autograd.grad(d1!.sum(), [v]);
    assertClose(d2!, [6, 12]);
  });
});

describe('gradient storage', () => {
  it('never aliases: one gradient reaching two leaves, the caller gradient, and views stay separate', () => {
    const a = leaf([1, 2]);
    const b = leaf([3, 4]);
    a.add(b).sum().backward();
    a.grad!.mul_(10);
    assertClose(b.grad!, [1, 1]);
    const x = leaf([1, 2]);
    const g = tensor([5, 6], { dtype: 'float64' });
    x.add(0).backward(g);
    x.grad!.zero_();
    assertClose(g, [5, 6]);
    const w = leaf([1, 2, 3, 4]);
    const v = leaf([1, 2, 3, 4]);
    w.reshape(2, 2).add(v.reshape(2, 2)).sum().backward();
    w.grad!.mul_(3);
    assertClose(v.grad!, [1, 1, 1, 1]);
  });
});
