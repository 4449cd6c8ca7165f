import { Generator, zeros } from '@nndl/tensor';
import { describe, expect, it } from 'vitest';
import { init, Linear, Sequential, Sigmoid } from '../src/index.js';

const stats = (values: ArrayLike<number>) => {
  const v = Array.from(values);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std, min: Math.min(...v), max: Math.max(...v) };
};

describe('nn.init', () => {
  it('calculateGain as PyTorch', () => {
    expect(init.calculateGain('sigmoid')).toBe(1);
    expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3);
    expect(init.calculateGain('relu')).toBeCloseTo(Math.SQRT2);
    expect(init.calculateGain('leakyRelu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3));
    expect(init.calculateFanInAndFanOut(zeros([20, 1, 5, 5]))).toEqual([25, 500]);
  });

  it('constant, zeros, ones, uniform, normal', () => {
    const t = zeros([100, 100]);
    expect(stats(init.ones_(t).dataSync()).mean).toBe(1);
    expect(stats(init.constant_(t, 0.5).dataSync()).max).toBe(0.5);
    const u = stats(init.uniform_(t, -2, 2, new Generator(1)).dataSync());
    expect(u.min).toBeGreaterThanOrEqual(-2);
    expect(u.max).toBeLessThan(2);
    const n = stats(init.normal_(t, 3, 0.5, new Generator(1)).dataSync());
    expect(n.mean).toBeCloseTo(3, 1);
    expect(n.std).toBeCloseTo(0.5, 1);
  });

  it('xavier and kaiming spreads', () => {
    const w = zeros([200, 300]);
    expect(stats(init.xavierNormal_(w, { generator: new Generator(2) }).dataSync()).std).toBeCloseTo(
      Math.sqrt(2 / 500),
      2,
    );
    const xu = stats(init.xavierUniform_(w, { gain: 2 }).dataSync());
    expect(xu.max).toBeLessThanOrEqual(2 * Math.sqrt(6 / 500));
    expect(stats(init.kaimingNormal_(w, { nonlinearity: 'relu' }).dataSync()).std).toBeCloseTo(
      Math.sqrt(2 / 300),
      2,
    );
    const ku = stats(init.kaimingUniform_(w, { mode: 'fanOut', nonlinearity: 'relu' }).dataSync());
    expect(ku.max).toBeLessThanOrEqual(Math.sqrt(2 / 200) * Math.sqrt(3));
    expect(ku.std).toBeCloseTo(Math.sqrt(2 / 200), 2);
  });

  it("Nielsen's 'default' and 'large' schemes", () => {
    const net = new Sequential(new Linear(400, 300), new Sigmoid(), new Linear(300, 10));
    init.nielsenInit_(net, 'default', new Generator(4));
    const [w0, b0] = net.parameters();
    expect(stats(w0!.dataSync()).std).toBeCloseTo(1 / Math.sqrt(400), 2);
    expect(stats(b0!.dataSync()).std).toBeGreaterThan(0.8);
    init.nielsenInit_(net, 'large', new Generator(4));
    expect(stats(w0!.dataSync()).std).toBeCloseTo(1, 1);
    expect(() => init.nielsenInit_(net, 'huge' as never)).toThrow(/unknown scheme/);
  });
});
