/**
 * add_ / sub_ with a scale (x += alpha y, what optimizers run): the backend's one-pass in-place update (wasm SIMD for
 * large float32 tensors on the CPU, within an ulp; a loop otherwise, exactly double arithmetic rounded once), and
 * everything the general in-place op guarantees still holds.
 */
import { getBackend, noGrad, randn, tensor, zeros } from '@nndl/tensor';
import { describe, expect, it } from 'vitest';

/** x + alpha y computed as JavaScript does (double), rounded to the dtype. */
function expected(x: ArrayLike<number>, y: ArrayLike<number>, alpha: number, f32: boolean): number[] {
  return Array.from(x, (v, i) => (f32 ? Math.fround(v + alpha * y[i]!) : v + alpha * y[i]!));
}

/** The backends of the CPU test projects have the fast path; the fallback project's backend has none. */
const fastPath = getBackend().addScaledInPlace !== undefined;

function expectUpdate(
  actual: ArrayLike<number>,
  wanted: number[],
  exact: boolean,
  alpha: number,
  y: ArrayLike<number>,
): void {
  if (fastPath && exact) expect(Array.from(actual)).toEqual(wanted);
  // The general op and the wasm path round alpha y to float32 before the add: an ulp or two.
  else {
    for (const [i, v] of Array.from(actual).entries()) {
      const bound = 2.4e-7 * (Math.abs(wanted[i]!) + Math.abs(alpha * y[i]!)) + 1e-30;
      expect(Math.abs(v - wanted[i]!)).toBeLessThanOrEqual(bound);
    }
  }
}

describe('add_ and sub_ with a scale', () => {
  it.each([
    [7, 'float32'],
    [2047, 'float32'],
    [2048, 'float32'],
    [23_533, 'float32'],
    [5000, 'float64'],
  ] as const)('n = %i, %s: one rounding of x + alpha y, in place', (n, dtype) => {
    const x = randn([n], { dtype });
    const y = randn([n], { dtype });
    const before = Array.from(x.dataSync());
    const storage = x.dataSync();
    const version = x._version.value;
    x.add_(y, -3.1);
    if (fastPath) expect(x.dataSync()).toBe(storage); // the same storage, updated
    expect(x._version.value).toBe(version + 1);
    // The loop (small float32, float64) computes in double: exact. The wasm path (float32 from 2048) in float32.
    const exact = dtype === 'float64' || n < 2048;
    expectUpdate(
      x.dataSync(),
      expected(before, y.dataSync(), -3.1, dtype === 'float32'),
      exact,
      -3.1,
      y.dataSync(),
    );
    const again = Array.from(x.dataSync());
    x.sub_(y, 0.5);
    expectUpdate(
      x.dataSync(),
      expected(again, y.dataSync(), -0.5, dtype === 'float32'),
      exact,
      -0.5,
      y.dataSync(),
    );
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

  it('refuses a tensor that was saved for backward and then updated', () => {
    const x = randn([4096], { requiresGrad: true });
    const s = x.sigmoid(); // saves its output
    noGrad(() => s.add_(randn([4096]), 1));
    expect(() => s.sum().backward()).toThrow(/modified by an in-place operation/);
  });
});
