/**
 * add_ / sub_ with a scale (x += alpha y, what optimizers run): the backend's one-pass in-place update (wasm SIMD for
 * large float32 tensors on the CPU, a loop otherwise) computes in the dtype's arithmetic, so every path (loop, wasm,
 * the general op) gives the same bits, and everything the general in-place op guarantees still holds.
 */
import { getBackend, noGrad, randn, tensor, zeros } from '@nndl/tensor';
import { describe, expect, it } from 'vitest';

/**
 * x + alpha y in the dtype's arithmetic: float64 in double; float32 as PyTorch computes it, alpha and the product
 * rounded to float32, then the sum.
 */
function expected(x: ArrayLike<number>, y: ArrayLike<number>, alpha: number, f32: boolean): number[] {
  const a = Math.fround(alpha);
  return Array.from(x, (v, i) => (f32 ? Math.fround(v + Math.fround(a * y[i]!)) : v + alpha * y[i]!));
}

/** The backends of the CPU test projects have the fast path; the fallback project's backend has none. */
const fastPath = getBackend().addScaledInPlace !== undefined;

describe('add_ and sub_ with a scale', () => {
  it.each([
    [7, 'float32'],
    [2047, 'float32'],
    [2048, 'float32'],
    [23_533, 'float32'],
    [5000, 'float64'],
  ] as const)("n = %i, %s: x + alpha y in the dtype's arithmetic, in place", (n, dtype) => {
    const x = randn([n], { dtype });
    const y = randn([n], { dtype });
    const before = Array.from(x.dataSync());
    const storage = x.dataSync();
    const version = x._version.value;
    x.add_(y, -3.1);
    if (fastPath) expect(x.dataSync()).toBe(storage); // the same storage, updated
    expect(x._version.value).toBe(version + 1);
    // The same bits on every path: the loop (under 2,048 floats, and float64), wasm (float32 from 2,048), and the
    // general op (the fallback backend): a result never depends on the tensor's size.
    expect(Array.from(x.dataSync())).toEqual(expected(before, y.dataSync(), -3.1, dtype === 'float32'));
    const again = Array.from(x.dataSync());
    x.sub_(y, 0.5);
    expect(Array.from(x.dataSync())).toEqual(expected(again, y.dataSync(), -0.5, dtype === 'float32'));
  });

  it('keeps NaN and infinities', () => {
    const x = tensor(Array.from({ length: 4096 }, (_, i) => (i === 5 ? Number.NaN : i === 9 ? Infinity : 1)));
    x.add_(tensor(new Array(4096).fill(2)), 0.5);
    const v = x.dataSync();
    expect(v[5]).toBeNaN();
    expect(v[9]).toBe(Infinity);
    expect(v[0]).toBe(2);
  });

  it('broadcasts, promotes and takes numbers through the general op', () => {
    const x = zeros([2, 3]);
    x.add_(tensor([1, 2, 3]), 2);
    expect(Array.from(x.dataSync())).toEqual([2, 4, 6, 2, 4, 6]);
    x.sub_(1, 3);
    expect(Array.from(x.dataSync())).toEqual([-1, 1, 3, -1, 1, 3]);
  });

  it('is recorded by autograd when an operand requires grad, and refuses a leaf that requires grad', () => {
    const w = randn([3], { requiresGrad: true });
    const y = randn([3], { requiresGrad: true });
    const z = w.mul(1);
    z.add_(y, 2);
    z.sum().backward();
    expect(Array.from(y.grad!.dataSync())).toEqual([2, 2, 2]);
    expect(Array.from(w.grad!.dataSync())).toEqual([1, 1, 1]);
    expect(() => w.add_(y, 1)).toThrow(
      /leaf tensor that requires grad is being used in an in-place operation/,
    );
    noGrad(() => w.add_(y.detach(), 1)); // what an optimizer does
  });

  it('gives one result whatever the size (cancellation included): 0.1 - 0.1 is 0 at 2,047 and at 2,048 floats', () => {
    for (const n of [2047, 2048]) {
      const x = zeros([n]).add(0.1);
      x.add_(zeros([n]).add(1), -0.1);
      expect(x.dataSync()[0]).toBe(0);
    }
  });

  it('refuses a view of a tensor in the graph, as the other in-place ops do', () => {
    const w = tensor([1, 1, 1, 1], { requiresGrad: true });
    const v = noGrad(() => w.reshape([4, 1]));
    expect(() => v.add_(zeros([4, 1]).add(1), 2)).toThrow(/in-place operation on a view/);
    expect(Array.from(w.dataSync())).toEqual([1, 1, 1, 1]);
  });

  it('refuses a tensor that was saved for backward and then updated', () => {
    const x = randn([4096], { requiresGrad: true });
    const s = x.sigmoid(); // saves its output
    noGrad(() => s.add_(randn([4096]), 1));
    expect(() => s.sum().backward()).toThrow(/modified by an in-place operation/);
  });
});
