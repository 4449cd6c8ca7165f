import {
  arange,
  asTensor,
  eye,
  full,
  getDefaultBackendName,
  linspace,
  manualSeed,
  ones,
  onesLike,
  rand,
  randint,
  randn,
  randnLike,
  randperm,
  tensor,
  zeros,
  zerosLike,
} from '@nndl/tensor';
import { assertClose } from '@nndl/tensor/testing';
import { describe, expect, it } from 'vitest';

describe('creation', () => {
  it('tensor() infers shapes and dtypes from nested arrays, typed arrays and scalars', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('int32');
    expect(t.ndim).toBe(2);
    expect(t.numel()).toBe(6);
    expect(t.size()).toEqual([2, 3]);
    expect(t.size(-1)).toBe(3);
    expect(t.device).toBe(getDefaultBackendName());
    expect(tensor([1.5]).dtype).toBe('float32');
    expect(tensor([true]).dtype).toBe('bool');
    expect(tensor(3.5).shape).toEqual([]);
    expect(tensor(3.5).item()).toBe(3.5);
    expect(tensor(new Float64Array([1, 2])).dtype).toBe('float64');
    expect(tensor(new Uint8Array([1, 255])).toArray()).toEqual([1, 255]);
    expect(tensor([[1, 2]], { dtype: 'float64' }).dtype).toBe('float64');
    expect(tensor([]).shape).toEqual([0]);
    expect(() => tensor([[1, 2], [3]])).toThrow(
      /ragged nested array: expected a sequence of length 2 at \[1\], got length 1/,
    );
    expect(tensor([1, 2], { requiresGrad: true }).dtype).toBe('float32');
    expect(() => tensor([1, 2], { dtype: 'int32', requiresGrad: true })).toThrow(
      /only floating-point tensors can require gradients/,
    );
  });

  it('asTensor wraps a typed array without copying', () => {
    const values = new Float32Array([1, 2, 3, 4]);
    const t = asTensor(values, [2, 2]);
    expect(t.dataSync()).toBe(values);
    expect(() => asTensor(values, [3])).toThrow(/asTensor: shape \[3\] needs 3 values, the array has 4/);
  });

  it('filled tensors and ranges', () => {
    assertClose(zeros([2, 2]), [
      [0, 0],
      [0, 0],
    ]);
    assertClose(ones(3), [1, 1, 1]);
    assertClose(full([2], 7), [7, 7]);
    assertClose(eye(2, 3), [
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    assertClose(linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
    expect(zerosLike(tensor([1, 2])).dtype).toBe('int32');
    expect(onesLike(randn([2, 3])).shape).toEqual([2, 3]);
    expect(() => zeros([2, -1])).toThrow(/invalid shape \[2, -1\]/);
    expect(() => arange(0, 5, -1)).toThrow(/upper bound and step sign are inconsistent/);
  });

  it('random functions are reproducible by seed and have the right distribution', () => {
    manualSeed(123);
    const a = [rand([5]), randn([5]), randint(0, 10, [5]), randperm(6), randnLike(zeros([2]))];
    manualSeed(123);
    const b = [rand([5]), randn([5]), randint(0, 10, [5]), randperm(6), randnLike(zeros([2]))];
    for (let i = 0; i < a.length; i++) assertClose(a[i]!, b[i]!, { atol: 0, rtol: 0 });
    expect([...randperm(6).dataSync()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    manualSeed(1);
    const big = randn([20000]);
    expect(Math.abs(big.mean().item())).toBeLessThan(0.03);
    expect(Math.abs(big.std().item() - 1)).toBeLessThan(0.03);
    const u = rand([20000]);
    expect(Math.abs(u.mean().item() - 0.5)).toBeLessThan(0.01);
    const r = randint(3, 6, [1000]);
    expect(r.min().item()).toBe(3);
    expect(r.max().item()).toBe(5);
  });
});

describe('reading and printing', () => {
  it('toArray, data, dataSync, item', async () => {
    const t = tensor([
      [1, 2],
      [3, 4],
    ]).float();
    expect(t.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(Array.from(await t.data())).toEqual([1, 2, 3, 4]);
    expect(() => t.item()).toThrow(
      /a tensor with 4 elements \(shape \[2, 2\]\) cannot be converted to a number/,
    );
  });

  it('toString prints like PyTorch', () => {
    const cpu = (v: Parameters<typeof tensor>[0], o: Parameters<typeof tensor>[1] = {}) =>
      tensor(v, { ...o, device: 'cpu' });
    expect(String(cpu([1.5, 2, -3]))).toBe('tensor([ 1.5000,  2.0000, -3.0000])');
    expect(
      String(
        cpu([
          [1, 2],
          [3, 4],
        ]).float(),
      ),
    ).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(String(cpu([1, 2]))).toBe('tensor([1, 2])');
    expect(String(cpu([true, false]))).toBe('tensor([ True, False])');
    expect(String(cpu(2.5))).toBe('tensor(2.5000)');
    expect(String(cpu([1.5], { requiresGrad: true }))).toBe('tensor([1.5000], requires_grad=True)');
    expect(String(cpu([1.5], { requiresGrad: true }).mul(2))).toBe('tensor([3.], grad_fn=<MulBackward>)');
    expect(String(cpu([1.5], { dtype: 'float64' }))).toBe('tensor([1.5000], dtype=float64)');
    expect(String(cpu([1e-5, 1]))).toBe('tensor([1.0000e-05, 1.0000e+00])');
    expect(String(arange(2000, undefined, 1, { device: 'cpu' }).float())).toMatch(
      /^tensor\(\[ {3}0\., {4}1\., {4}2\., \.\.\., 1997\., 1998\., 1999\.\]\)$/,
    );
  });
});
