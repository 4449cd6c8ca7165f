/**
 * The fused layer ops (linear, the 2-D matmul, conv2d with its bias, broadcast bias adds): their backward passes hand
 * fresh kernel results to .grad (no Identity copy), stay independent of each other, and stay differentiable twice
 * under createGraph (checked against finite differences of the first gradient).
 */
import {
  autograd,
  conv2d,
  getBackend,
  type KernelImplementation,
  kernels,
  linear,
  manualSeed,
  matmul,
  randn,
  type Tensor,
} from '@nndl/tensor';
import { gradcheck } from '@nndl/tensor/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { f64 } from './helpers.js';

beforeEach(() => manualSeed(11));

/** How many times kernel `name` runs during `fn` on the default backend. */
function countCalls(name: string, fn: () => void): number {
  const table = getBackend().kernels;
  const original = table.get(name) as KernelImplementation;
  let calls = 0;
  table.set(name, {
    ...original,
    fn: ((...args: Parameters<KernelImplementation['fn']>) => {
      calls++;
      return original.fn(...args);
    }) as KernelImplementation['fn'],
  });
  try {
    fn();
  } finally {
    table.set(name, original);
  }
  return calls;
}

const leaf = (shape: number[]) => randn(shape).requiresGrad_(true);

describe('fused layer ops', () => {
  it.each([
    ['linear with bias', [4, 3], (x: Tensor, w: Tensor, b: Tensor) => linear(x, w, b)],
    ['linear on a 3-D input', [2, 2, 3], (x: Tensor, w: Tensor, b: Tensor) => linear(x, w, b)],
    ['matmul and a broadcast add', [4, 3], (x: Tensor, w: Tensor, b: Tensor) => matmul(x, w).add(b)],
  ] as const)('%s: gradients go to .grad without a copy', (name, xShape, f) => {
    const x = leaf([...xShape]);
    const w = name.startsWith('matmul') ? leaf([3, 5]) : leaf([5, 3]);
    const b = leaf([5]);
    const identities = countCalls(kernels.Identity, () => f(x, w, b).sigmoid().sum().backward());
    expect(identities).toBe(0);
    expect(x.grad?.shape).toEqual(xShape);
    expect(w.grad?.shape).toEqual(w.shape);
    expect(b.grad?.shape).toEqual([5]);
  });

  it('conv2d with bias: gradients without a copy, bias gradient = sum of dy over N, H, W', () => {
    const x = leaf([2, 3, 6, 6]);
    const w = leaf([4, 3, 3, 3]);
    const b = leaf([4]);
    const identities = countCalls(kernels.Identity, () =>
      conv2d(x, w, b, { padding: 1 }).pow(2).sum().backward(),
    );
    expect(identities).toBe(0);
    // d/dy sum(y^2) = 2 y
    const dy = conv2d(x, w, b, { padding: 1 }).detach().mul(2);
    const expected = Array.from(dy.sum([0, 2, 3]).dataSync());
    Array.from(b.grad!.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 3);
    });
  });

  it('gradients that reach two leaves stay independent', () => {
    const x = leaf([2, 3]);
    const p = leaf([3]);
    const q = leaf([3]);
    x.add(p).add(q).sum().backward();
    p.grad!.add_(1);
    expect(Array.from(q.grad!.dataSync())).toEqual([2, 2, 2]);
    expect(Array.from(p.grad!.dataSync())).toEqual([3, 3, 3]);
  });

  it('matches finite differences (float64), with and without a bias, 1-D and 3-D inputs', () => {
    gradcheck((x, w, b) => linear(x, w, b).tanh(), [f64([4, 3]), f64([2, 3]), f64([2])]);
    gradcheck((x, w) => linear(x, w), [f64([3]), f64([2, 3])]);
    gradcheck((a, b) => matmul(a, b).sigmoid(), [f64([3, 4]), f64([4, 2])]);
    gradcheck((x, w, b) => conv2d(x, w, b, { stride: 2 }), [f64([2, 2, 5, 5]), f64([3, 2, 3, 3]), f64([3])]);
  });

  it('second derivatives through linear and the 2-D matmul (createGraph) match finite differences', () => {
    // h(inputs) = a function of the first gradient, differentiated again: needs the backward of linear and of the 2-D
    // matmul to be differentiable themselves.
    const cases: [string, (...t: Tensor[]) => Tensor, Tensor[]][] = [
      [
        'linear',
        (x, w, b) => {
          const [gx] = autograd.grad([linear(x!, w!, b).sigmoid().pow(2).sum()], [x!], { createGraph: true });
          return gx!.sum();
        },
        [f64([3, 4]), f64([2, 4]), f64([2])],
      ],
      [
        'matmul',
        (a, b) => {
          const [ga] = autograd.grad([matmul(a!, b!).tanh().sum()], [a!], { createGraph: true });
          return ga!.pow(2).sum();
        },
        [f64([2, 3]), f64([3, 2])],
      ],
    ];
    for (const [name, h, inputs] of cases) {
      const analytic = autograd.grad([h(...inputs)], inputs, { allowUnused: true });
      const eps = 1e-6;
      inputs.forEach((input, j) => {
        const values = input.dataSync() as Float64Array;
        for (let k = 0; k < values.length; k++) {
          const original = values[k]!;
          values[k] = original + eps;
          const plus = h(...inputs).item();
          values[k] = original - eps;
          const minus = h(...inputs).item();
          values[k] = original;
          const numeric = (plus - minus) / (2 * eps);
          const a = analytic[j] ? analytic[j]!.dataSync()[k]! : 0;
          expect(Math.abs(a - numeric), `${name}: input ${j}, element ${k}`).toBeLessThan(
            1e-5 + 1e-3 * Math.abs(numeric),
          );
        }
      });
    }
  });

  it('a conv bias alone still differentiates twice (the convolution itself refuses)', () => {
    const x = randn([1, 1, 4, 4], { dtype: 'float64' });
    const w = randn([2, 1, 3, 3], { dtype: 'float64' });
    const b = f64([2]);
    const [gb] = autograd.grad([conv2d(x, w, b).pow(2).sum()], [b], { createGraph: true });
    const [gb2] = autograd.grad([gb!.sum()], [b]);
    // d/db sum_(n,h,w) 2 (y + b) = 2 * (number of output cells per channel) = 2 * 4.
    expect(Array.from(gb2!.dataSync())).toEqual([8, 8]);
  });
});
