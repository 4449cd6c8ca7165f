import {
  type Backend,
  getBackend,
  kernels,
  listBackends,
  registerBackend,
  setDefaultBackend,
  type TypedArray,
  tensor,
} from '@nndl/tensor';
import { assertClose } from '@nndl/tensor/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** A backend with its own storage and only the Add kernel, to exercise devices and the CPU fallback. */
function makeSparseBackend(name: string): Backend {
  const cpu = getBackend('cpu');
  return {
    name,
    kernels: new Map([[kernels.Add, { variant: 'test', fn: cpu.kernels.get(kernels.Add)!.fn }]]),
    write: (values: TypedArray) => values.slice(),
    read: async (h: unknown) => h as TypedArray,
    readSync: (h: unknown) => h as TypedArray,
    assign: (t: unknown, v: unknown) => (t as TypedArray).set(v as TypedArray),
    dispose: () => undefined,
    memory: () => ({ numHandles: 0, numBytes: 0 }),
  };
}

afterEach(() => setDefaultBackend('cpu'));

describe('backend registry', () => {
  it('lists the CPU backend and names the registered ones when asked for an unknown one', () => {
    expect(listBackends()).toContain('cpu');
    expect(() => getBackend('nope')).toThrow(
      /Unknown backend 'nope'. Registered backends: cpu.*import '@nndl\/tensor\/webgl'/,
    );
    expect(() => setDefaultBackend('nope')).toThrow(/Unknown backend/);
  });

  it('moves tensors between devices; gradients flow back to the source device', () => {
    registerBackend('sparse', () => makeSparseBackend('sparse'));
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.to('sparse');
    expect(y.device).toBe('sparse');
    expect(y.to('sparse')).toBe(y);
    y.mul(3).sum().backward();
    expect(x.grad!.device).toBe('cpu');
    assertClose(x.grad!, [3, 3]);
    expect(() => x.add(y)).toThrow(/expected all tensors on the same device, got 'cpu' and 'sparse'/);
  });

  it('runs a missing kernel on the CPU with one warning per kernel', () => {
    registerBackend('sparse2', () => makeSparseBackend('sparse2'));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    setDefaultBackend('sparse2');
    const a = tensor([1, 2, 3]).float();
    assertClose(a.add(a), [2, 4, 6]);
    assertClose(a.mul(a), [1, 4, 9]);
    assertClose(a.mul(a).exp().log(), [1, 4, 9]);
    expect(a.mul(a).device).toBe('sparse2');
    const messages = warn.mock.calls.map((c) => String(c[0]));
    expect(messages.filter((m) => m.includes("'Mul'"))).toHaveLength(1);
    expect(messages.some((m) => m.includes("'Add'"))).toBe(false);
    expect(messages[0]).toMatch(/kernel '.*' is not implemented on backend 'sparse2'; running it on the CPU/);
    warn.mockRestore();
  });
});
