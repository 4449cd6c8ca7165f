import { Generator, manualSeed, randn, type Tensor, tensor } from '@nndl/tensor';
import { assertClose, gradcheck } from '@nndl/tensor/testing';
import { describe, expect, it } from 'vitest';
import {
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  F,
  Flatten,
  Identity,
  LeakyReLU,
  Linear,
  LogSoftmax,
  MaxPool2d,
  type Module,
  ReLU,
  Sigmoid,
  Softmax,
  Tanh,
} from '../src/index.js';

const f64 = { dtype: 'float64' as const };

/** gradcheck of a layer with respect to its input and all its parameters. */
function checkLayer(layer: Module, x: Tensor): void {
  gradcheck((input) => layer.call(input), [x, ...layer.parameters()]);
}

describe('layers: shapes and gradients (float64)', () => {
  it('Linear', () => {
    const fc = new Linear(4, 3, f64);
    expect(fc.call(randn([5, 4], f64)).shape).toEqual([5, 3]);
    expect(fc.call(randn([2, 5, 4], f64)).shape).toEqual([2, 5, 3]);
    checkLayer(fc, randn([2, 4], { ...f64, requiresGrad: true }));
    expect(new Linear(4, 3, { bias: false }).parameters()).toHaveLength(1);
  });

  it('Linear default init is U(-1/sqrt(in), 1/sqrt(in)) for weight and bias', () => {
    const fc = new Linear(100, 50, { generator: new Generator(3) });
    const bound = 1 / Math.sqrt(100);
    for (const p of [fc.weight, fc.bias!]) {
      const v = Array.from(p.dataSync());
      expect(Math.max(...v)).toBeLessThanOrEqual(bound);
      expect(Math.min(...v)).toBeGreaterThanOrEqual(-bound);
      expect(Math.max(...v)).toBeGreaterThan(0.9 * bound);
    }
  });

  it('Conv2d', () => {
    const conv = new Conv2d(2, 3, 3, { ...f64, padding: 1, stride: 2 });
    expect(conv.call(randn([2, 2, 7, 7], f64)).shape).toEqual([2, 3, 4, 4]);
    expect(new Conv2d(1, 20, 5).call(randn([1, 1, 28, 28])).shape).toEqual([1, 20, 24, 24]);
    checkLayer(new Conv2d(2, 2, 2, f64), randn([1, 2, 4, 4], { ...f64, requiresGrad: true }));
    expect(conv.toString()).toBe('Conv2d(2, 3, kernelSize=[3,3], stride=[2,2], padding=[1,1])');
  });

  it('MaxPool2d and AvgPool2d', () => {
    const x = randn([1, 2, 6, 6], { ...f64, requiresGrad: true });
    expect(new MaxPool2d(2).call(x).shape).toEqual([1, 2, 3, 3]);
    expect(new MaxPool2d(3, { stride: 2, padding: 1 }).call(x).shape).toEqual([1, 2, 3, 3]);
    expect(new AvgPool2d(2).call(x).shape).toEqual([1, 2, 3, 3]);
    checkLayer(new MaxPool2d(2), x);
    checkLayer(new AvgPool2d(2), x);
    assertClose(
      new AvgPool2d(2).call(
        tensor(
          [
            [
              [
                [1, 2],
                [3, 4],
              ],
            ],
          ],
          f64,
        ),
      ),
      [[[[2.5]]]],
    );
  });

  it('activations, Softmax, LogSoftmax, Flatten, Identity', () => {
    const x = randn([3, 4], { ...f64, requiresGrad: true });
    for (const layer of [
      new Sigmoid(),
      new Tanh(),
      new ReLU(),
      new LeakyReLU(0.2),
      new Softmax(1),
      new LogSoftmax(1),
    ]) {
      expect(layer.call(x).shape).toEqual([3, 4]);
      checkLayer(layer, x);
    }
    assertClose(new LeakyReLU(0.2).call(tensor([-1, 2], f64)), [-0.2, 2]);
    assertClose(new Softmax(1).call(x).sum(1), [1, 1, 1]);
    expect(new Flatten().call(randn([10, 40, 4, 4])).shape).toEqual([10, 640]);
    expect(new Identity().call(x)).toBe(x);
  });

  it('BatchNorm1d: batch statistics in training, running statistics in eval', () => {
    const bn = new BatchNorm1d(3, f64);
    const x = randn([8, 3], f64).mul(2).add(5);
    const y = bn.call(x);
    assertClose(y.mean(0), [0, 0, 0], { atol: 1e-12 });
    assertClose(y.var(0, { unbiased: false } as never), [1, 1, 1], { atol: 1e-3 });
    // running = 0.9 * initial + 0.1 * batch statistic (unbiased variance)
    assertClose(bn.runningMean!, x.mean(0).mul(0.1), { atol: 1e-12 });
    const unbiased = x.sub(x.mean(0, true)).square().sum(0).div(7);
    assertClose(bn.runningVar!, unbiased.mul(0.1).add(0.9), { atol: 1e-12 });
    expect(bn.numBatchesTracked!.item()).toBe(1);
    bn.eval();
    const z = bn.call(x);
    const expected = x.sub(bn.runningMean!).div(bn.runningVar!.add(1e-5).sqrt());
    assertClose(z, expected, { atol: 1e-12 });
    expect(bn.numBatchesTracked!.item()).toBe(1);
    bn.train();
    checkLayer(bn, randn([4, 3], { ...f64, requiresGrad: true }));
    bn.eval();
    checkLayer(bn, randn([4, 3], { ...f64, requiresGrad: true }));
    expect(() => bn.call(randn([2, 3, 4, 4], f64))).toThrow(/2D or 3D/);
  });

  it('BatchNorm2d normalizes per channel over N, H, W', () => {
    const bn = new BatchNorm2d(2, f64);
    const x = randn([3, 2, 4, 4], f64).mul(3).add(1);
    const y = bn.call(x);
    assertClose(y.mean([0, 2, 3]), [0, 0], { atol: 1e-12 });
    expect(y.shape).toEqual([3, 2, 4, 4]);
    checkLayer(bn, randn([2, 2, 3, 3], { ...f64, requiresGrad: true }));
    const noAffine = new BatchNorm2d(2, { affine: false, trackRunningStats: false });
    expect(noAffine.parameters()).toHaveLength(0);
    expect(noAffine.buffers()).toHaveLength(0);
    noAffine.eval();
    assertClose(noAffine.call(x.float()).mean([0, 2, 3]), [0, 0], { atol: 1e-5 });
  });

  it('Dropout: inverted, seeded, identity in eval', () => {
    manualSeed(0);
    const drop = new Dropout(0.25, { generator: new Generator(5) });
    const x = randn([100, 100]).abs().add(1);
    const y = drop.call(x).dataSync();
    const xs = x.dataSync();
    let zeros = 0;
    for (let i = 0; i < y.length; i++) {
      if (y[i] === 0) zeros++;
      else expect(Math.abs(y[i]! - xs[i]! / 0.75)).toBeLessThan(1e-5);
    }
    expect(zeros / y.length).toBeGreaterThan(0.22);
    expect(zeros / y.length).toBeLessThan(0.28);
    const again = new Dropout(0.25, { generator: new Generator(5) }).call(x);
    assertClose(again, Array.from(y), { atol: 0, rtol: 0 });
    drop.eval();
    expect(drop.call(x)).toBe(x);
    const xg = randn([3, 4], { ...f64, requiresGrad: true });
    gradcheck((input) => F.dropout(input, 0.5, true, new Generator(7)), [xg]);
    expect(() => new Dropout(1.5)).toThrow('dropout probability has to be between 0 and 1, but got 1.5');
  });
});
