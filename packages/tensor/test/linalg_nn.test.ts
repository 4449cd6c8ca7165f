import {
  avgPool2d,
  conv2d,
  linear,
  logSoftmax,
  manualSeed,
  matmul,
  maxPool2d,
  randn,
  softmax,
  tensor,
} from '@nndl/tensor';
import { assertClose, gradcheck } from '@nndl/tensor/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { f64 } from './helpers.js';

beforeEach(() => manualSeed(5));

describe('matmul', () => {
  it('multiplies matrices, vectors and batches like torch.matmul', () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]).float();
    const b = tensor([
      [5, 6],
      [7, 8],
    ]).float();
    assertClose(a.matmul(b), [
      [19, 22],
      [43, 50],
    ]);
    assertClose(a.mm(b.t()), [
      [17, 23],
      [39, 53],
    ]);
    const v = tensor([1, 1]).float();
    assertClose(a.matmul(v), [3, 7]);
    assertClose(v.matmul(a), [4, 6]);
    expect(v.dot(v).item()).toBe(2);
    expect(matmul(randn([5, 3, 4]), randn([4, 2])).shape).toEqual([5, 3, 2]);
    expect(matmul(randn([2, 1, 3, 4]), randn([5, 4, 2])).shape).toEqual([2, 5, 3, 2]);
    expect(randn([4, 2, 3]).bmm(randn([4, 3, 5])).shape).toEqual([4, 2, 5]);
  });

  it('errors name the op and both shapes', () => {
    expect(() => randn([2, 3]).matmul(randn([4, 5]))).toThrow(
      'matmul: shapes [2, 3] and [4, 5] do not align: 3 != 4',
    );
    expect(() => randn([2, 3]).mm(randn([3]))).toThrow(/mm: expected 2-D tensors/);
    expect(() => linear(randn([2, 3]), randn([4, 5]))).toThrow(
      /linear: input shape \[2, 3\] does not match weight \[4, 5\]/,
    );
  });

  it('gradients', () => {
    gradcheck((a, b) => a.matmul(b), [f64([3, 4]), f64([4, 2])]);
    gradcheck((a, b) => a.matmul(b), [f64([4]), f64([4, 2])]);
    gradcheck((a, b) => a.matmul(b), [f64([3, 4]), f64([4])]);
    gradcheck((a, b) => a.matmul(b), [f64([4]), f64([4])]);
    gradcheck((a, b) => a.matmul(b), [f64([2, 3, 4]), f64([4, 2])]);
    gradcheck((a, b) => a.matmul(b), [f64([2, 1, 3, 4]), f64([3, 4, 2])]);
    gradcheck((x, w, b) => linear(x, w, b), [f64([5, 3]), f64([2, 3]), f64([2])]);
    gradcheck((x, w) => linear(x, w), [f64([2, 4, 3]), f64([2, 3])]);
  });
});

describe('softmax and logSoftmax', () => {
  it('values sum to one and stay finite for +-1000', () => {
    const x = tensor([
      [1000, 0, -1000],
      [1, 2, 3],
    ]).float();
    const s = softmax(x, 1);
    assertClose(s.sum(1), [1, 1]);
    assertClose(s.select(0, 0), [1, 0, 0]);
    const ls = logSoftmax(x, -1);
    assertClose(ls.select(0, 0), [0, -1000, -2000]);
    expect(Array.from(ls.dataSync()).every(Number.isFinite)).toBe(true);
    const e = [1, 2, 3].map(Math.exp);
    const z = e.reduce((p, q) => p + q, 0);
    assertClose(
      s.select(0, 1),
      e.map((v) => v / z),
    );
  });
  it('gradients along each dim', () => {
    for (const dim of [0, 1, -1]) {
      gradcheck((x) => softmax(x, dim), [f64([3, 4])]);
      gradcheck((x) => logSoftmax(x, dim), [f64([3, 4])]);
    }
    gradcheck((x) => softmax(x, 1), [f64([2, 3, 2])]);
  });
});

describe('conv2d', () => {
  it('matches a hand-computed cross-correlation', () => {
    const x = tensor([
      [
        [
          [1, 2, 3],
          [4, 5, 6],
          [7, 8, 9],
        ],
      ],
    ]).float();
    const w = tensor([
      [
        [
          [1, 0],
          [0, -1],
        ],
      ],
    ]).float();
    assertClose(conv2d(x, w), [
      [
        [
          [-4, -4],
          [-4, -4],
        ],
      ],
    ]);
    assertClose(conv2d(x, w, tensor([10]).float()), [
      [
        [
          [6, 6],
          [6, 6],
        ],
      ],
    ]);
    const same = conv2d(
      x,
      tensor([
        [
          [
            [0, 0, 0],
            [0, 1, 0],
            [0, 0, 0],
          ],
        ],
      ]).float(),
      null,
      { padding: 1 },
    );
    assertClose(same, x);
    expect(conv2d(randn([2, 4, 9, 9]), randn([6, 2, 3, 3]), null, { stride: 2, groups: 2 }).shape).toEqual([
      2, 6, 4, 4,
    ]);
    expect(conv2d(randn([3, 8, 8]), randn([2, 3, 3, 3])).shape).toEqual([2, 6, 6]);
  });
  it('errors say what was expected', () => {
    expect(() => conv2d(randn([1, 3, 8, 8]), randn([2, 4, 3, 3]))).toThrow(
      /conv2d: input \[1, 3, 8, 8\] has 3 channels, but weight \[2, 4, 3, 3\] expects 4/,
    );
    expect(() => conv2d(randn([1, 1, 2, 2]), randn([1, 1, 3, 3]))).toThrow(/conv2d: the kernel 3x3/);
    expect(() => conv2d(randn([1, 4, 5, 5]), randn([3, 2, 3, 3]), null, { groups: 2 })).toThrow(
      /groups \(2\) must divide/,
    );
  });
  it('gradients with stride, padding, dilation and groups', () => {
    gradcheck((x, w, b) => conv2d(x, w, b), [f64([2, 2, 5, 5]), f64([3, 2, 3, 3]), f64([3])]);
    gradcheck(
      (x, w) => conv2d(x, w, null, { stride: 2, padding: 1 }),
      [f64([1, 2, 6, 5]), f64([2, 2, 3, 2])],
    );
    gradcheck(
      (x, w) => conv2d(x, w, null, { dilation: 2, padding: [2, 1] }),
      [f64([1, 1, 7, 7]), f64([2, 1, 3, 3])],
    );
    gradcheck((x, w) => conv2d(x, w, null, { groups: 2 }), [f64([1, 4, 4, 4]), f64([4, 2, 2, 2])]);
  });
});

describe('pooling', () => {
  it('max and average pooling values', () => {
    const x = tensor([
      [
        [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
          [9, 10, 11, 12],
          [13, 14, 15, 16],
        ],
      ],
    ]).float();
    assertClose(maxPool2d(x, 2), [
      [
        [
          [6, 8],
          [14, 16],
        ],
      ],
    ]);
    assertClose(avgPool2d(x, 2), [
      [
        [
          [3.5, 5.5],
          [11.5, 13.5],
        ],
      ],
    ]);
    assertClose(maxPool2d(x, 3, { stride: 1 }), [
      [
        [
          [11, 12],
          [15, 16],
        ],
      ],
    ]);
    // Padded cells count in the divisor (count_include_pad).
    assertClose(avgPool2d(tensor([[[[4]]]]).float(), 2, { padding: 1, stride: 1 }).select(3, 0), [[[1, 1]]]);
  });
  it('gradients', () => {
    gradcheck((x) => maxPool2d(x, 2), [f64([2, 2, 4, 6])]);
    gradcheck((x) => maxPool2d(x, 3, { stride: 2, padding: 1 }), [f64([1, 2, 7, 7])]);
    gradcheck((x) => avgPool2d(x, 2), [f64([2, 2, 4, 6])]);
    gradcheck((x) => avgPool2d(x, [3, 2], { stride: [2, 1], padding: [1, 1] }), [f64([1, 1, 6, 5])]);
  });
});
