import { logsumexp, manualSeed, tensor } from '@nndl/tensor';
import { assertClose, gradcheck } from '@nndl/tensor/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { f64 } from './helpers.js';

beforeEach(() => manualSeed(11));

const m = () =>
  tensor([
    [1, 5, 3],
    [4, 2, 6],
  ]).float();

describe('reductions: values', () => {
  it('sum and mean over all, a dim, dims, keepdim and negative dims', () => {
    expect(m().sum().item()).toBe(21);
    assertClose(m().sum(0), [5, 7, 9]);
    assertClose(m().sum(1), [9, 12]);
    assertClose(m().sum(-1, true), [[9], [12]]);
    expect(m().sum(-1, true).shape).toEqual([2, 1]);
    assertClose(m().sum([0, 1]), 21);
    assertClose(m().mean(0), [2.5, 3.5, 4.5]);
    expect(m().mean().item()).toBe(3.5);
    const x = tensor([
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [7, 8],
      ],
    ]).float(); // [2, 2, 2]
    assertClose(x.sum([0, 2]), [14, 22]);
    assertClose(x.sum([0, 2], true), [[[14], [22]]]);
    expect(tensor([1, 2, 3]).sum().dtype).toBe('int32');
    expect(tensor([true, true, false]).sum().item()).toBe(2);
  });

  it('max and min with values and indices', () => {
    expect(m().max().item()).toBe(6);
    expect(m().min().item()).toBe(1);
    const [values, indices] = m().max(1);
    assertClose(values, [5, 6]);
    expect(indices.toArray()).toEqual([1, 2]);
    const r = m().min(0, true);
    assertClose(r.values, [[1, 2, 3]]);
    expect(r.indices.toArray()).toEqual([[0, 1, 0]]);
  });

  it('argmax and argmin, first occurrence on ties', () => {
    expect(m().argmax().item()).toBe(5);
    expect(m().argmax(1).toArray()).toEqual([1, 2]);
    expect(m().argmin(0).toArray()).toEqual([0, 1, 0]);
    expect(tensor([3, 7, 7, 1]).argmax().item()).toBe(1);
    expect(m().argmax(1, true).shape).toEqual([2, 1]);
  });

  it('var and std with and without correction', () => {
    const x = tensor([1, 2, 3, 4]).float();
    expect(x.var().item()).toBeCloseTo(5 / 3, 6);
    expect(x.var(null, { correction: 0 }).item()).toBeCloseTo(1.25, 6);
    expect(x.std(null, { unbiased: false }).item()).toBeCloseTo(Math.sqrt(1.25), 6);
    assertClose(m().var(1), [4, 4]);
    expect(m().std(0, { keepdim: true }).shape).toEqual([1, 3]);
  });

  it('logsumexp is stable for large values', () => {
    assertClose(logsumexp(tensor([1000, 1000]), 0), 1000 + Math.log(2));
    assertClose(logsumexp(tensor([[-1000, -1000]]), 1), [-1000 + Math.log(2)]);
    assertClose(logsumexp(tensor([0, Math.log(2)]), 0), Math.log(3));
  });

  it('all and any', () => {
    expect(tensor([1, 1]).all().item()).toBe(1);
    expect(tensor([1, 0]).all().item()).toBe(0);
    expect(tensor([0, 1]).any().item()).toBe(1);
    expect(tensor([0, 0]).any().item()).toBe(0);
  });

  it('rejects bad dims with the op name', () => {
    expect(() => m().sum(2)).toThrow(
      /sum: dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)/,
    );
    expect(() => m().argmax(-3)).toThrow(/argmax: dimension out of range/);
    expect(() => tensor([1, 2]).mean()).toThrow(/mean: expected a floating-point tensor/);
  });
});

describe('reductions: gradients', () => {
  const cases: [string, (x: ReturnType<typeof f64>) => ReturnType<typeof f64>][] = [
    ['sum', (x) => x.sum()],
    ['sum dim', (x) => x.sum(1)],
    ['sum negative dim keepdim', (x) => x.sum(-1, true)],
    ['sum dims', (x) => x.sum([0, 2])],
    ['mean', (x) => x.mean()],
    ['mean dim keepdim', (x) => x.mean(0, true)],
    ['max', (x) => x.max()],
    ['min', (x) => x.min()],
    ['max dim', (x) => x.max(1).values],
    ['min dim keepdim', (x) => x.min(-1, true).values],
    ['var', (x) => x.var()],
    ['var dim', (x) => x.var(1, { keepdim: true })],
    ['std dims', (x) => x.std([0, 1])],
    ['logsumexp', (x) => logsumexp(x, 1)],
    ['logsumexp keepdim multi', (x) => logsumexp(x, [0, 2], true)],
  ];
  for (const [name, fn] of cases) {
    it(name, () => {
      expect(gradcheck(fn, [f64([2, 3, 4])])).toBe(true);
    });
  }
  it('size-1 dimensions', () => {
    gradcheck((x) => x.sum(1), [f64([3, 1, 2])]);
    gradcheck((x) => x.max(1).values, [f64([3, 1, 2])]);
    gradcheck((x) => x.mean(), [f64([1])]);
  });
});
