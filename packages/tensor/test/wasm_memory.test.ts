/**
 * The WebAssembly kernels' memory stays bounded over a long training run: operands pass through an arena that every
 * kernel call resets, so the module's memory grows to the largest single call's operands during the first step and
 * never again. Also: the start-up choice of kernels ('auto', 'wasm', 'ts', NNDL_CPU_KERNELS).
 */
import {
  conv2d,
  getBackend,
  linear,
  logSoftmax,
  manualSeed,
  maxPool2d,
  noGrad,
  randn,
  tensor,
} from '@nndl/tensor';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/backends/cpu/index.js';
import { loadWasmKernels } from '../src/backends/cpu/wasm/module.js';
import * as K from '../src/kernel_names.js';

// The arena of the backend that runs (the threads build in Node, also with one thread; else the plain module).
const arena = (getBackend('cpu') as unknown as { arena: ReturnType<typeof loadWasmKernels> }).arena;
// The browser conformance run (Chromium, default backend 'webgl') imports this file too: no `process` there.
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;

describe.runIf(arena !== null && env !== undefined && env.NNDL_CPU_KERNELS !== 'ts')(
  'wasm kernel memory',
  () => {
    it('does not grow over 300 training steps of a conv net (conv, pool, linear, backward, SGD)', () => {
      manualSeed(0);
      const w1 = randn([8, 1, 5, 5]).mul(0.2).requiresGrad_();
      const w2 = randn([10, 8 * 12 * 12])
        .mul(0.05)
        .requiresGrad_();
      const params = [w1, w2];
      const labels = tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], { dtype: 'int32' });
      const step = () => {
        const x = randn([10, 1, 28, 28]);
        const h = maxPool2d(conv2d(x, w1).sigmoid(), [2, 2]).flatten(1);
        const loss = logSoftmax(linear(h, w2), 1).gather(1, labels.unsqueeze(1)).mean().neg();
        loss.backward();
        noGrad(() => {
          for (const p of params) {
            p.sub_(p.grad!.mul(0.1));
            p.grad = null;
          }
        });
        return loss.item();
      };
      expect(getBackend('cpu').kernels.get(K.Conv2D)?.variant).toBe('wasm-simd');
      const before = arena!.memoryBytes();
      for (let i = 0; i < 5; i++) step();
      const after5 = arena!.memoryBytes();
      let last = 0;
      for (let i = 0; i < 300; i++) last = step();
      expect(Number.isFinite(last)).toBe(true);
      expect(arena!.memoryBytes()).toBe(after5);
      // The largest call here (the first layer's filter gradient) needs well under 2 MiB of scratch: at most that
      // much growth from where the module started (4 MiB for the threads build).
      expect(arena!.memoryBytes() - before).toBeLessThan(2 * 1024 * 1024);
    });
  },
);

describe('choosing the CPU kernels at start-up', () => {
  it("'ts' registers only TypeScript kernels; 'auto' and 'wasm' the wasm-simd variants where SIMD validates", () => {
    const ts = createCpuBackend({ kernels: 'ts' });
    expect(ts.kernels.get(K.BatchMatMul)?.variant).toBe('ts');
    expect(ts.kernels.get(K.Conv2D)?.variant).toBe('ts');
    const auto = createCpuBackend({ kernels: 'auto' });
    const simd = loadWasmKernels() !== null;
    const expected = simd ? 'wasm-simd' : 'ts';
    for (const name of [
      K.BatchMatMul,
      K.Conv2D,
      K.Conv2DBackpropInput,
      K.Conv2DBackpropFilter,
      K.MaxPool2D,
      K.Sigmoid,
      K.Add,
      K.Sum,
    ]) {
      expect(auto.kernels.get(name)?.variant, name).toBe(expected);
    }
    // Other elementwise kernels stay TypeScript (no wasm variant yet).
    expect(auto.kernels.get(K.Exp)?.variant).toBe('ts');
    if (simd)
      expect(createCpuBackend({ kernels: 'wasm' }).kernels.get(K.MaxPool2DGrad)?.variant).toBe('wasm-simd');
  });

  it('both kernel sets give the same float32 results within tolerance through the public API', () => {
    const wasm = createCpuBackend({ kernels: 'auto' });
    const ts = createCpuBackend({ kernels: 'ts' });
    manualSeed(1);
    const a = randn([3, 37, 45]);
    const b = randn([3, 45, 29]);
    const info = (t: typeof a) => ({ handle: t.dataSync(), shape: t.shape, dtype: t.dtype });
    const attrs = { transposeA: false, transposeB: false } as never;
    const x = wasm.kernels.get(K.BatchMatMul)!.fn([info(a), info(b)], attrs, wasm).handle as Float32Array;
    const y = ts.kernels.get(K.BatchMatMul)!.fn([info(a), info(b)], attrs, ts).handle as Float32Array;
    expect(x.length).toBe(y.length);
    for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThan(1e-4);
  });

  it.runIf(env !== undefined)('rejects an unknown NNDL_CPU_KERNELS value, naming it', () => {
    const saved = env!.NNDL_CPU_KERNELS;
    env!.NNDL_CPU_KERNELS = 'fast';
    try {
      expect(() => createCpuBackend()).toThrow(/NNDL_CPU_KERNELS must be 'auto', 'wasm' or 'ts', got 'fast'/);
    } finally {
      if (saved === undefined) delete env!.NNDL_CPU_KERNELS;
      else env!.NNDL_CPU_KERNELS = saved;
    }
  });
});
