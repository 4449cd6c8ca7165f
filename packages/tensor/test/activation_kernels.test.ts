/**
 * Sigmoid in WebAssembly (a vectorized exp) against the TypeScript kernel, and the activation-gradient kernels
 * (SigmoidGrad, TanhGrad, ReluGrad) against the composite formulas they replace, in both paths. The wasm kernels
 * run on the module the backend loads (relaxed SIMD in Node, with fused multiply-adds in sigmoid) and on the plain
 * SIMD module (browsers without relaxed SIMD), whose arithmetic differs.
 */
import { describe, expect, it } from 'vitest';
import type { KernelFn, TensorInfo } from '../src/backend.js';
import { tsKernels } from '../src/backends/cpu/index.js';
import { simdWasm } from '../src/backends/cpu/wasm/kernels.generated.js';
import { wasmSigmoid, wasmSigmoidGrad } from '../src/backends/cpu/wasm/kernels.js';
import { loadWasmKernels, WasmArena, type WasmExports } from '../src/backends/cpu/wasm/module.js';
import { autograd, tensor } from '../src/index.js';
import * as K from '../src/kernel_names.js';

const arena = loadWasmKernels();

/** The plain-SIMD module beside the one loaded (null where the engine has no SIMD). */
function plainSimdArena(): WasmArena | null {
  const bytes = Uint8Array.from(atob(simdWasm), (c) => c.charCodeAt(0));
  if (!WebAssembly.validate(bytes)) return null;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  return new WasmArena(instance.exports as unknown as WasmExports, 'simd');
}
/** [module kind, arena] for each wasm module to test. */
const ARENAS: [string, WasmArena][] = [];
if (arena) ARENAS.push([arena.kind, arena]);
const plain = arena?.kind === 'simd' ? null : plainSimdArena();
if (plain) ARENAS.push(['simd', plain]);

function info(
  values: number[] | Float32Array | Float64Array,
  dtype: 'float32' | 'float64' = 'float32',
): TensorInfo {
  const handle = dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
  return { handle, shape: [handle.length], dtype };
}
const run = (kernel: KernelFn, inputs: TensorInfo[]) => kernel(inputs, {} as never, undefined as never);
const values = (t: TensorInfo) => Array.from(t.handle as Float32Array);

/** Seeded values over [-span, span], with the special cases first. */
function inputs(n: number, span: number, seed: number): Float32Array {
  const special = [
    0,
    -0,
    1000,
    -1000,
    87,
    -87,
    88,
    -88,
    100,
    -100,
    Infinity,
    -Infinity,
    Number.NaN,
    1e-8,
    -1e-8,
  ];
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = i < special.length ? special[i]! : (s / 2147483648) * 2 * span - span;
  }
  return out;
}

describe.each(ARENAS)('Sigmoid (wasm-simd, %s module)', (_kind, arena) => {
  const wasm = wasmSigmoid(arena, tsKernels[K.Sigmoid]!, 0);
  it.each([1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 1000, 4099])(
    'matches the TypeScript kernel within 3e-7 relative (n = %i)',
    (n) => {
      for (const span of [6, 30, 120]) {
        const x = info(inputs(n, span, n + span));
        const expected = values(run(tsKernels[K.Sigmoid]!, [x]));
        const actual = values(run(wasm, [x]));
        for (let i = 0; i < n; i++) {
          const e = expected[i]!;
          const a = actual[i]!;
          if (Number.isNaN(e)) expect(a, `x = ${(x.handle as Float32Array)[i]}`).toBeNaN();
          else
            expect(Math.abs(a - e), `x = ${(x.handle as Float32Array)[i]}`).toBeLessThanOrEqual(
              3e-7 * Math.abs(e) + 1.2e-38,
            );
        }
      }
    },
  );

  it('is exactly 0 and 1 at the extremes, and NaN for NaN', () => {
    const out = values(run(wasm, [info([-1000, 1000, -Infinity, Infinity, Number.NaN, 0])]));
    expect(out.slice(0, 5)).toEqual([0, 1, 0, 1, Number.NaN]);
    expect(out[5]).toBe(0.5);
  });

  it('sends float64 and small tensors to the TypeScript kernel', () => {
    const x = info([-2, 0.5, 3], 'float64');
    expect(run(wasm, [x]).handle).toBeInstanceOf(Float64Array);
    const small = wasmSigmoid(arena, tsKernels[K.Sigmoid]!);
    expect(values(run(small, [info([0.25])]))).toEqual(values(run(tsKernels[K.Sigmoid]!, [info([0.25])])));
  });
});

describe('activation-gradient kernels', () => {
  const composite: Record<string, (y: number, dy: number) => number> = {
    [K.SigmoidGrad]: (y, dy) => dy * (y * (1 - y)),
    [K.TanhGrad]: (y, dy) => dy * (1 - y * y),
    [K.ReluGrad]: (y, dy) => (y > 0 ? dy : 0 * dy),
  };
  const impls: [string, string, KernelFn][] = K.ACTIVATION_GRAD_KERNELS.map((name) => [
    'ts',
    name,
    tsKernels[name]!,
  ]);
  for (const [kind, arena] of ARENAS) {
    impls.push([`wasm-simd (${kind})`, K.SigmoidGrad, wasmSigmoidGrad(arena, tsKernels[K.SigmoidGrad]!, 0)]);
  }

  it.each(impls)("%s %s: dy f'(y) in one pass, rounded once (float32 and float64)", (_impl, name, kernel) => {
    for (const n of [1, 4, 7, 1001]) {
      const y = inputs(n, 1, n);
      y[0] = -0.5; // ReluGrad's zero branch
      const dy = inputs(n, 3, n + 7);
      for (const dtype of ['float32', 'float64'] as const) {
        const yi = info(y, dtype);
        const dyi = info(dy, dtype);
        const out = run(kernel, [yi, dyi]);
        expect(out.dtype).toBe(dtype);
        expect(out.shape).toEqual([n]);
        const round = dtype === 'float32' ? Math.fround : (v: number) => v;
        const expected = Array.from(yi.handle as Float64Array, (v, i) =>
          round(composite[name]!(v, (dyi.handle as Float64Array)[i]!)),
        );
        expect(values(out)).toEqual(expected);
      }
    }
  });

  it.each(impls)('%s %s: refuses y and dy of different shapes, naming both', (_impl, name, kernel) => {
    expect(() => run(kernel, [info([1, 2, 3]), info([1, 2])])).toThrow(
      new RegExp(
        `${name}: expected the output y and its gradient dy to have one shape and dtype.*\\[3\\].*\\[2\\]`,
      ),
    );
  });
});

describe('activation backward passes', () => {
  it('give the same first derivatives as the composite formulas', () => {
    const x = tensor([-3, -0.5, 0, 0.25, 2], { dtype: 'float64', requiresGrad: true });
    for (const [f, d] of [
      [(t: typeof x) => t.sigmoid(), (v: number) => (1 / (1 + Math.exp(-v))) * (1 - 1 / (1 + Math.exp(-v)))],
      [(t: typeof x) => t.tanh(), (v: number) => 1 - Math.tanh(v) ** 2],
      [(t: typeof x) => t.relu(), (v: number) => (v > 0 ? 1 : 0)],
    ] as const) {
      const [g] = autograd.grad([f(x).sum()], [x]);
      const expected = Array.from(x.dataSync(), d);
      for (const [i, v] of Array.from(g!.dataSync()).entries()) expect(v).toBeCloseTo(expected[i]!, 12);
    }
  });

  it('take a gradient of another dtype from a hook (the composite formula promotes)', () => {
    const x = tensor([-1, 0.5, 2], { requiresGrad: true });
    const y = x.sigmoid();
    y.registerHook((g) => g.double());
    y.sum().backward();
    const s = Array.from(x.dataSync(), (v) => 1 / (1 + Math.exp(-v)));
    for (const [i, v] of Array.from(x.grad!.dataSync()).entries())
      expect(v).toBeCloseTo(s[i]! * (1 - s[i]!), 6);
  });

  it("stay differentiable with createGraph: sigmoid'' = s (1 - s) (1 - 2 s)", () => {
    const x = tensor([-2, -0.5, 0.3, 1.5], { dtype: 'float64', requiresGrad: true });
    const [g] = autograd.grad([x.sigmoid().sum()], [x], { createGraph: true });
    const [g2] = autograd.grad([g!.sum()], [x]);
    Array.from(x.dataSync()).forEach((v, i) => {
      const s = 1 / (1 + Math.exp(-v));
      expect(g2!.dataSync()[i]).toBeCloseTo(s * (1 - s) * (1 - 2 * s), 12);
    });
  });
});
