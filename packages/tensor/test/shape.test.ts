import { cat, manualSeed, pad, stack, tensor } from '@nndl/tensor';
import { assertClose, gradcheck } from '@nndl/tensor/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { f64 } from './helpers.js';

beforeEach(() => manualSeed(3));

const x23 = () =>
  tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]).float();

describe('shape ops: values', () => {
  it('reshape/view share storage and infer -1', () => {
    const x = x23();
    const v = x.view(3, 2);
    expect(v.shape).toEqual([3, 2]);
    expect(x.reshape(-1).shape).toEqual([6]);
    expect(x.reshape([1, -1, 2]).shape).toEqual([1, 3, 2]);
    v.fill_(0);
    expect(x.sum().item()).toBe(0);
    expect(() => x.reshape(4, 2)).toThrow(/reshape: shape \[4, 2\] is invalid for input of size 6/);
    expect(() => x.reshape(-1, -1)).toThrow(/only one dimension can be inferred/);
  });

  it('flatten, squeeze, unsqueeze', () => {
    const x = tensor([[[1], [2]]]).float(); // [1, 2, 1]
    expect(x.squeeze().shape).toEqual([2]);
    expect(x.squeeze(0).shape).toEqual([2, 1]);
    expect(x.squeeze(1).shape).toEqual([1, 2, 1]);
    expect(x.unsqueeze(-1).shape).toEqual([1, 2, 1, 1]);
    expect(x.flatten().shape).toEqual([2]);
    expect(
      tensor([
        [
          [1, 2],
          [3, 4],
        ],
      ]).flatten(1).shape,
    ).toEqual([1, 4]);
  });

  it('transpose, permute, t', () => {
    assertClose(x23().t(), [
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    const y = tensor([
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [7, 8],
      ],
    ]).float();
    assertClose(y.permute(2, 0, 1), [
      [
        [1, 3],
        [5, 7],
      ],
      [
        [2, 4],
        [6, 8],
      ],
    ]);
    assertClose(y.transpose(0, 2).transpose(0, 2), y);
    expect(() => y.permute(0, 1)).toThrow(/permute: number of dims 2 doesn't match/);
  });

  it('expand, expandAs, repeat', () => {
    const c = tensor([[1], [2]]).float();
    assertClose(c.expand(2, 3), [
      [1, 1, 1],
      [2, 2, 2],
    ]);
    assertClose(c.expand(-1, 2), [
      [1, 1],
      [2, 2],
    ]);
    expect(c.expand(4, 2, 3).shape).toEqual([4, 2, 3]);
    expect(c.expandAs(x23()).shape).toEqual([2, 3]);
    expect(() => x23().expand(3, 3)).toThrow(
      /expand: the expanded size of the tensor \(3\) must match the existing size \(2\)/,
    );
    assertClose(tensor([1, 2]).float().repeat(2, 2), [
      [1, 2, 1, 2],
      [1, 2, 1, 2],
    ]);
  });

  it('cat, stack, split, chunk, unbind', () => {
    const a = x23();
    assertClose(cat([a, a], 0).shape, [4, 3]);
    assertClose(cat([a, a.mul(10)], 1), [
      [1, 2, 3, 10, 20, 30],
      [4, 5, 6, 40, 50, 60],
    ]);
    expect(stack([a, a]).shape).toEqual([2, 2, 3]);
    expect(stack([a, a], -1).shape).toEqual([2, 3, 2]);
    expect(a.split(2, 1).map((t) => t.shape)).toEqual([
      [2, 2],
      [2, 1],
    ]);
    expect(a.split([1, 2], 1).map((t) => t.shape)).toEqual([
      [2, 1],
      [2, 2],
    ]);
    expect(
      tensor([1, 2, 3, 4, 5])
        .chunk(2)
        .map((t) => t.toArray()),
    ).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(a.unbind(1).map((t) => t.toArray())).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(() => cat([a, tensor([1, 2]).float()])).toThrow(
      /cat: sizes of tensors must match except in dimension 0/,
    );
    expect(() => stack([a, a.t()])).toThrow(
      /stack: expects each tensor to be equal size, but got \[2, 3\] at entry 0 and \[3, 2\]/,
    );
    expect(() => a.split([1, 1], 1)).toThrow(/split sizes \[1, 1\] sum to 2, but dimension 1 has size 3/);
  });

  it('narrow, slice with steps and negatives, select', () => {
    const r = tensor([0, 1, 2, 3, 4, 5, 6]);
    expect(r.narrow(0, 2, 3).toArray()).toEqual([2, 3, 4]);
    expect(r.slice(0, 1, null, 2).toArray()).toEqual([1, 3, 5]);
    expect(r.slice(0, -3).toArray()).toEqual([4, 5, 6]);
    expect(r.slice(0, 2, -2).toArray()).toEqual([2, 3, 4]);
    expect(r.slice(0, 10).toArray()).toEqual([]);
    assertClose(x23().select(1, -1), [3, 6]);
    assertClose(x23().select(0, 1), [4, 5, 6]);
    expect(() => r.narrow(0, 5, 3)).toThrow(
      /narrow: start \(5\) \+ length \(3\) exceeds dimension size \(7\)/,
    );
    expect(() => x23().select(0, 2)).toThrow(/select: index 2 is out of range for dimension 0 with size 2/);
  });

  it('pad, clone, detach, contiguous', () => {
    assertClose(pad(tensor([[1, 2]]).float(), [1, 1, 1, 0]), [
      [0, 0, 0, 0],
      [0, 1, 2, 0],
    ]);
    assertClose(pad(tensor([1]).float(), [2, 0], -1), [-1, -1, 1]);
    const a = x23();
    const c = a.clone();
    c.fill_(0);
    expect(a.sum().item()).toBe(21);
    const d = a.detach();
    expect(d.handle).toBe(a.handle);
    expect(a.contiguous()).toBe(a);
  });
});

describe('shape ops: gradients', () => {
  const cases: [string, number[], (x: ReturnType<typeof f64>) => ReturnType<typeof f64>][] = [
    ['reshape', [2, 3], (x) => x.reshape(3, 2).mul(x.reshape(3, 2))],
    ['flatten', [2, 3, 2], (x) => x.flatten(1).pow(2)],
    ['squeeze/unsqueeze', [2, 1, 3], (x) => x.squeeze(1).unsqueeze(0).exp()],
    ['transpose', [2, 3, 4], (x) => x.transpose(0, 2).mul(x.transpose(0, 2))],
    ['permute', [2, 3, 4], (x) => x.permute(1, 2, 0).sin()],
    ['t', [2, 3], (x) => x.t().exp()],
    ['expand', [2, 1], (x) => x.expand(3, 2, 4).sin()],
    ['repeat', [2, 3], (x) => x.repeat(2, 1, 3).sin()],
    ['narrow', [4, 3], (x) => x.narrow(0, 1, 2).exp()],
    ['slice step', [7, 2], (x) => x.slice(0, 1, null, 3).exp()],
    ['select', [3, 4], (x) => x.select(1, -1).exp()],
    ['split', [5, 2], (x) => x.split(2)[1]!.exp()],
    ['chunk', [6, 2], (x) => x.chunk(3, 0)[2]!.exp()],
    ['pad', [2, 3], (x) => pad(x, [1, 2, 0, 1], 0.5).sin()],
    ['clone', [3], (x) => x.clone().mul(x)],
  ];
  for (const [name, shape, fn] of cases) {
    it(name, () => {
      expect(gradcheck(fn, [f64(shape)])).toBe(true);
    });
  }
  it('cat and stack', () => {
    gradcheck((a, b) => cat([a, b], 1).sin(), [f64([2, 3]), f64([2, 1])]);
    gradcheck((a, b) => stack([a, b], 1).sin(), [f64([2, 3]), f64([2, 3])]);
    gradcheck((a, b) => cat([a, b], -1).exp(), [f64([2, 2]), f64([2, 3])]);
  });
});
