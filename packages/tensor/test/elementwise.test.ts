import { add, manualSeed, maximum, minimum, tensor, where } from '@nndl/tensor';
import { assertClose, gradcheck } from '@nndl/tensor/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { f64 } from './helpers.js';

beforeEach(() => manualSeed(7));

describe('elementwise forward values', () => {
  it('computes unary ops', () => {
    const x = tensor([-2, -0.5, 0, 0.5, 2]);
    assertClose(x.neg(), [2, 0.5, -0, -0.5, -2]);
    assertClose(x.exp(), [-2, -0.5, 0, 0.5, 2].map(Math.exp));
    assertClose(x.abs(), [2, 0.5, 0, 0.5, 2]);
    assertClose(
      x.sigmoid(),
      [-2, -0.5, 0, 0.5, 2].map((v) => 1 / (1 + Math.exp(-v))),
    );
    assertClose(x.tanh(), [-2, -0.5, 0, 0.5, 2].map(Math.tanh));
    assertClose(x.relu(), [0, 0, 0, 0.5, 2]);
    assertClose(x.clamp(-1, 1), [-1, -0.5, 0, 0.5, 1]);
    assertClose(x.clamp(null, 0), [-2, -0.5, 0, 0, 0]);
    assertClose(x.leakyRelu(0.1), [-0.2, -0.05, 0, 0.5, 2]);
    assertClose(tensor([1, 4, 9]).sqrt(), [1, 2, 3]);
    assertClose(tensor([1, Math.E]).log(), [0, 1]);
  });

  it('keeps sigmoid finite and exact at the extremes', () => {
    assertClose(tensor([-1000, 1000]).sigmoid(), [0, 1], { atol: 0 });
    expect(Array.from(tensor([-1000, 1000]).sigmoid().dataSync()).every(Number.isFinite)).toBe(true);
  });

  it('broadcasts like NumPy and PyTorch', () => {
    const a = tensor([[1], [2], [3]]).float(); // [3, 1]
    const b = tensor([10, 20]).float(); // [2]
    expect(a.add(b).shape).toEqual([3, 2]);
    assertClose(a.add(b), [
      [11, 21],
      [12, 22],
      [13, 23],
    ]);
    assertClose(a.mul(2), [[2], [4], [6]]);
    assertClose(add(1, b), [11, 21]);
    const c = tensor([[[1, 2]], [[3, 4]]]).float(); // [2, 1, 2]
    expect(c.sub(a).shape).toEqual([2, 3, 2]);
    assertClose(c.sub(a).select(1, 2), [
      [-2, -1],
      [0, 1],
    ]);
  });

  it('names the op and both shapes when broadcasting fails', () => {
    expect(() => tensor([1, 2, 3]).add(tensor([1, 2]))).toThrow(
      /add: shapes \[3\] and \[2\] cannot be broadcast/,
    );
    expect(() => tensor([[1, 2]]).mul(tensor([[1], [2], [3]]).reshape(1, 3))).toThrow(
      /mul: shapes \[1, 2\] and \[1, 3\]/,
    );
  });

  it('promotes dtypes as PyTorch', () => {
    expect(tensor([1, 2]).dtype).toBe('int32');
    expect(tensor([1, 2]).add(1).dtype).toBe('int32');
    expect(tensor([1, 2]).add(0.5).dtype).toBe('float32');
    expect(tensor([1, 2]).div(2).dtype).toBe('float32');
    assertClose(tensor([1, 2]).div(2), [0.5, 1]);
    expect(tensor([1, 2], { dtype: 'float64' }).add(tensor([1, 2])).dtype).toBe('float64');
    expect(tensor([true, false]).add(1).dtype).toBe('int32');
  });

  it('compares into bool tensors and selects with where', () => {
    const x = tensor([1, 2, 3]);
    expect(x.gt(1).dtype).toBe('bool');
    expect(x.gt(1).toArray()).toEqual([false, true, true]);
    expect(x.eq(2).toArray()).toEqual([false, true, false]);
    expect(x.ne(2).toArray()).toEqual([true, false, true]);
    expect(x.le(2).toArray()).toEqual([true, true, false]);
    expect(x.ge(2).toArray()).toEqual([false, true, true]);
    expect(x.lt(2).toArray()).toEqual([true, false, false]);
    expect(x.gt(1).logicalAnd(x.lt(3)).toArray()).toEqual([false, true, false]);
    expect(x.gt(2).logicalOr(x.lt(2)).toArray()).toEqual([true, false, true]);
    expect(x.gt(1).logicalNot().toArray()).toEqual([true, false, false]);
    assertClose(where(x.gt(1), x, 0), [0, 2, 3]);
  });

  it('propagates NaN through maximum, minimum and clamp', () => {
    const x = tensor([Number.NaN, 1]);
    expect(Number.isNaN(maximum(x, tensor([0, 0])).dataSync()[0]!)).toBe(true);
    expect(Number.isNaN(minimum(x, tensor([0, 0])).dataSync()[0]!)).toBe(true);
    expect(Number.isNaN(x.clamp(0, 0.5).dataSync()[0]!)).toBe(true);
  });

  it('computes pow with tensor and scalar exponents', () => {
    assertClose(tensor([1, 2, 3]).float().pow(2), [1, 4, 9]);
    assertClose(tensor([4, 9]).float().pow(0.5), [2, 3]);
    assertClose(
      tensor([2, 3])
        .float()
        .pow(tensor([3, 2]).float()),
      [8, 9],
    );
  });
});

describe('elementwise gradients (float64 central differences)', () => {
  const unary: [string, (x: ReturnType<typeof f64>) => ReturnType<typeof f64>, boolean?][] = [
    ['neg', (x) => x.neg()],
    ['exp', (x) => x.exp()],
    ['log', (x) => x.log(), true],
    ['sqrt', (x) => x.sqrt(), true],
    ['rsqrt', (x) => x.rsqrt(), true],
    ['reciprocal', (x) => x.reciprocal(), true],
    ['square', (x) => x.square()],
    ['abs', (x) => x.abs()],
    ['sigmoid', (x) => x.sigmoid()],
    ['tanh', (x) => x.tanh()],
    ['relu', (x) => x.relu()],
    ['leakyRelu', (x) => x.leakyRelu(0.2)],
    ['sin', (x) => x.sin()],
    ['cos', (x) => x.cos()],
    ['clamp', (x) => x.clamp(-0.5, 0.5)],
    ['clamp min only', (x) => x.clamp(0.1)],
    ['pow 3', (x) => x.pow(3)],
    ['pow 0.5', (x) => x.pow(0.5), true],
    ['to float64 (identity cast)', (x) => x.to('float64').mul(2)],
  ];
  for (const [name, fn, positive] of unary) {
    it(name, () => {
      expect(gradcheck(fn, [f64([2, 3], { positive })])).toBe(true);
      expect(gradcheck(fn, [f64([], { positive })])).toBe(true);
    });
  }

  const binaryShapes: [number[], number[]][] = [
    [
      [2, 3],
      [2, 3],
    ],
    [[2, 3], [3]],
    [
      [2, 1],
      [1, 3],
    ],
    [[3], []],
    [
      [4, 1, 3],
      [2, 1],
    ],
    [[1], [2, 2]],
  ];
  const binary: [
    string,
    (a: ReturnType<typeof f64>, b: ReturnType<typeof f64>) => ReturnType<typeof f64>,
    boolean?,
  ][] = [
    ['add', (a, b) => a.add(b)],
    ['add alpha', (a, b) => a.add(b, 0.5)],
    ['sub', (a, b) => a.sub(b)],
    ['mul', (a, b) => a.mul(b)],
    ['div', (a, b) => a.div(b), true],
    ['pow', (a, b) => a.pow(b), true],
    ['maximum', (a, b) => a.maximum(b)],
    ['minimum', (a, b) => a.minimum(b)],
    ['where', (a, b) => where(a.gt(0.3), a, b)],
  ];
  for (const [name, fn, positive] of binary) {
    it(`${name} with broadcasting`, () => {
      for (const [sa, sb] of binaryShapes) {
        expect(gradcheck(fn, [f64(sa, { positive }), f64(sb, { positive })])).toBe(true);
      }
    });
  }

  it('scalar operands on either side', () => {
    gradcheck((x) => x.mul(3).add(1).div(2).sub(0.5), [f64([3])]);
    gradcheck((x) => add(2, x).pow(2), [f64([3])]);
  });

  it('splits the gradient evenly at ties of maximum', () => {
    const a = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const b = tensor([1, 1], { dtype: 'float64', requiresGrad: true });
    maximum(a, b).sum().backward();
    assertClose(a.grad!, [0.5, 1]);
    assertClose(b.grad!, [0.5, 0]);
  });
});
