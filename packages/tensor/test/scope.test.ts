import { dispose, keep, tensor, tidy } from '@nndl/tensor';
import { describe, expect, it } from 'vitest';

describe('tidy, keep and dispose', () => {
  it('disposes what a scope created except what it returns or keeps', () => {
    const x = tensor([1, 2, 3]).float();
    let inner: ReturnType<typeof tensor> | null = null;
    let kept: ReturnType<typeof tensor> | null = null;
    const out = tidy(() => {
      inner = x.mul(2);
      kept = keep(x.add(1));
      return { y: inner.add(1) };
    });
    expect(inner!.isDisposed).toBe(true);
    expect(kept!.isDisposed).toBe(false);
    expect(out.y.isDisposed).toBe(false);
    expect(x.isDisposed).toBe(false);
    expect(out.y.toArray()).toEqual([3, 5, 7]);
    expect(() => inner!.add(1)).toThrow(/add|Add.*used after dispose\(\)/);
  });

  it('nested scopes hand survivors to the outer scope', () => {
    let middle: ReturnType<typeof tensor> | null = null;
    const result = tidy(() => {
      middle = tidy(() => tensor([1]).float().mul(3));
      return middle.add(1);
    });
    expect(middle!.isDisposed).toBe(true);
    expect(result.item()).toBe(4);
  });

  it('a view keeps shared storage alive until every view is disposed', () => {
    let freed = 0;
    const x = tensor([1, 2, 3, 4]).float();
    const backend = x._backend;
    const original = backend.dispose.bind(backend);
    backend.dispose = (h) => {
      freed++;
      original(h);
    };
    try {
      const v = x.view(2, 2);
      x.dispose();
      expect(freed).toBe(0);
      expect(v.sum().item()).toBe(10);
      dispose([v]);
      expect(freed).toBe(1);
    } finally {
      backend.dispose = original;
    }
  });
});
