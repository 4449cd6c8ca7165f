/**
 * The CPU kernels with WebAssembly variants (BatchMatMul, Conv2D and its backprops, pooling, float32 arithmetic and
 * Sum) against naive float64 reference loops
 * written here, over odd sizes that cross the GEMM's tile and block edges, transposes, batch broadcasting, and
 * stride / padding / dilation / groups combinations, in float32 and float64. Every kernel here runs
 * twice: the TypeScript kernels and the WebAssembly SIMD kernels (with no small-size cutoff, so that every size
 * goes through wasm; float64 there takes the TypeScript path by design).
 */
import { describe, expect, it } from 'vitest';
import type { KernelFn, TensorInfo } from '../src/backend.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from '../src/backends/cpu/conv2d.js';
import { tsKernels } from '../src/backends/cpu/index.js';
import { batchMatMul, gemm } from '../src/backends/cpu/matmul.js';
import { avgPool2d, avgPool2dGrad, maxPool2d, maxPool2dGrad } from '../src/backends/cpu/pool.js';
import { sum } from '../src/backends/cpu/reduce.js';
import {
  binaryPlan,
  setConvWinograd,
  WASM_MIN_MACS,
  wasmAvgPool2dGrad,
  wasmBatchMatMul,
  wasmBinary,
  wasmConv2d,
  wasmConv2dBackpropFilter,
  wasmConv2dBackpropInput,
  wasmMaxPool2dGrad,
  wasmPool2d,
  wasmSum,
  winogradSetting,
} from '../src/backends/cpu/wasm/kernels.js';
import { loadThreadedWasmKernels, loadWasmKernels } from '../src/backends/cpu/wasm/module.js';
import type { DType } from '../src/dtype.js';
import * as K from '../src/kernel_names.js';
import { tidy } from '../src/scope.js';
import { fillFreeResident, recycle, setResidentHeap, takeResident } from '../src/storage_pool.js';
import { naiveBatchMatMul, rng, seededInfo } from './kernel_inputs.js';

type FloatDType = 'float32' | 'float64';
const DTYPES: FloatDType[] = ['float32', 'float64'];

/** One implementation of the heavy kernels. */
interface Implementation {
  name: string;
  batchMatMul: KernelFn;
  conv2d: KernelFn;
  conv2dBackpropInput: KernelFn;
  conv2dBackpropFilter: KernelFn;
  maxPool2d: KernelFn;
  maxPool2dGrad: KernelFn;
  avgPool2d: KernelFn;
  avgPool2dGrad: KernelFn;
  add: KernelFn;
  sub: KernelFn;
  mul: KernelFn;
  div: KernelFn;
  sum: KernelFn;
}

const arena = loadWasmKernels();
const IMPLEMENTATIONS: Implementation[] = [
  {
    name: 'ts',
    batchMatMul,
    conv2d,
    conv2dBackpropInput,
    conv2dBackpropFilter,
    maxPool2d,
    maxPool2dGrad,
    avgPool2d,
    avgPool2dGrad,
    add: tsKernels[K.Add]!,
    sub: tsKernels[K.Sub]!,
    mul: tsKernels[K.Mul]!,
    div: tsKernels[K.Div]!,
    sum,
  },
];
if (arena) {
  IMPLEMENTATIONS.push({
    name: 'wasm-simd',
    batchMatMul: wasmBatchMatMul(arena, batchMatMul, 0),
    conv2d: wasmConv2d(arena, conv2d),
    conv2dBackpropInput: wasmConv2dBackpropInput(arena, conv2dBackpropInput),
    conv2dBackpropFilter: wasmConv2dBackpropFilter(arena, conv2dBackpropFilter),
    maxPool2d: wasmPool2d(arena, maxPool2d, 'max'),
    maxPool2dGrad: wasmMaxPool2dGrad(arena, maxPool2dGrad),
    avgPool2d: wasmPool2d(arena, avgPool2d, 'avg'),
    avgPool2dGrad: wasmAvgPool2dGrad(arena, avgPool2dGrad),
    add: wasmBinary(arena, tsKernels[K.Add]!, 'add', 0),
    sub: wasmBinary(arena, tsKernels[K.Sub]!, 'sub', 0),
    mul: wasmBinary(arena, tsKernels[K.Mul]!, 'mul', 0),
    div: wasmBinary(arena, tsKernels[K.Div]!, 'div', 0),
    sum: wasmSum(arena, sum, 0),
  });
}

// The same wasm kernels over the threads build's shared memory, as they run on tensors made inside tidy: operands
// that live in wasm memory are read in place, and results are written straight into free resident blocks, which
// hold stale values (NaN here): every kernel must write every element of its result.
const shared = loadThreadedWasmKernels(false);
if (shared?.shared) {
  setResidentHeap(shared);
  const resident =
    (kernel: KernelFn): KernelFn =>
    (inputs, attrs, backend) =>
      tidy(() => {
        const moved = inputs.map((t) => {
          const values = t.handle as Float32Array;
          const block = t.dtype === 'float32' ? takeResident(values.length) : null;
          if (!block) return t;
          block.set(values);
          return { ...t, handle: block };
        });
        const first = kernel(moved, attrs, backend);
        recycle(first.handle, first.dtype); // its block goes back to the free list ...
        fillFreeResident(Number.NaN); // ... and every free block is stale
        const out = kernel(moved, attrs, backend);
        const values = out.handle as Float32Array;
        if (out.dtype === 'float32' && values.length >= 256)
          expect(shared.addressOf(values)).toBeGreaterThanOrEqual(0);
        return { ...out, handle: values.slice() };
      });
  IMPLEMENTATIONS.push({
    name: 'wasm-simd resident',
    batchMatMul: resident(wasmBatchMatMul(shared, batchMatMul, 0)),
    conv2d: resident(wasmConv2d(shared, conv2d)),
    conv2dBackpropInput: resident(wasmConv2dBackpropInput(shared, conv2dBackpropInput)),
    conv2dBackpropFilter: resident(wasmConv2dBackpropFilter(shared, conv2dBackpropFilter)),
    maxPool2d: resident(wasmPool2d(shared, maxPool2d, 'max')),
    maxPool2dGrad: resident(wasmMaxPool2dGrad(shared, maxPool2dGrad)),
    avgPool2d: resident(wasmPool2d(shared, avgPool2d, 'avg')),
    avgPool2dGrad: resident(wasmAvgPool2dGrad(shared, avgPool2dGrad)),
    add: resident(wasmBinary(shared, tsKernels[K.Add]!, 'add', 0)),
    sub: resident(wasmBinary(shared, tsKernels[K.Sub]!, 'sub', 0)),
    mul: resident(wasmBinary(shared, tsKernels[K.Mul]!, 'mul', 0)),
    div: resident(wasmBinary(shared, tsKernels[K.Div]!, 'div', 0)),
    sum: resident(wasmSum(shared, sum, 0)),
  });
}

// ---- helpers -----------------------------------------------------------------------------------------------------
const random = rng(12345);

/** Uniform values in [-1, 1), already rounded to `dtype` so that the float64 reference sees the same inputs. */
function randomInfo(shape: number[], dtype: FloatDType): TensorInfo {
  return seededInfo(shape, random, dtype);
}

function data(info: TensorInfo): Float64Array {
  return Float64Array.from(info.handle as Float32Array | Float64Array);
}

function run(kernel: KernelFn, inputs: TensorInfo[], attrs: object): TensorInfo {
  return kernel(inputs, attrs as never, undefined as never);
}

/** Every element within rtol * (1 + max |expected|): float32 results come from float64 sums rounded a few times. */
function expectClose(
  actual: TensorInfo,
  expected: Float64Array,
  expectedShape: number[],
  dtype: DType,
  what: string,
  rtol = dtype === 'float32' ? 2e-6 : 1e-13,
) {
  expect(actual.shape, what).toEqual(expectedShape);
  expect(actual.dtype, what).toBe(dtype);
  const got = actual.handle as Float32Array | Float64Array;
  expect(got instanceof (dtype === 'float32' ? Float32Array : Float64Array), what).toBe(true);
  expect(got.length, what).toBe(expected.length);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  const tol = rtol * scale;
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(got[i]! - expected[i]!);
    if (!(err <= worst)) {
      worst = err;
      worstAt = i;
    }
  }
  if (!(worst <= tol)) {
    throw new Error(
      `${what}: element ${worstAt} is ${got[worstAt]}, expected ${expected[worstAt]} (tol ${tol})`,
    );
  }
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

// ---- naive references (float64) -------------------------------------------------------------------------------
interface ConvCase {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  kh: number;
  kw: number;
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

function convOut(cs: ConvCase): [number, number] {
  const oh = Math.floor((cs.h + 2 * cs.padding[0] - cs.dilation[0] * (cs.kh - 1) - 1) / cs.stride[0]) + 1;
  const ow = Math.floor((cs.w + 2 * cs.padding[1] - cs.dilation[1] * (cs.kw - 1) - 1) / cs.stride[1]) + 1;
  return [oh, ow];
}

/**
 * Visit every (image, out channel, out pixel, in channel, tap) that touches a real input cell: the one loop nest
 * from which forward and both backprops are read off.
 */
function forEachConvTerm(cs: ConvCase, visit: (xi: number, wi: number, yi: number) => void): void {
  const [oh, ow] = convOut(cs);
  const cg = cs.c / cs.groups;
  const og = cs.o / cs.groups;
  for (let n = 0; n < cs.n; n++) {
    for (let o = 0; o < cs.o; o++) {
      const g = Math.floor(o / og);
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++) {
          const yi = ((n * cs.o + o) * oh + y) * ow + x;
          for (let ci = 0; ci < cg; ci++) {
            const c = g * cg + ci;
            for (let i = 0; i < cs.kh; i++) {
              const hh = y * cs.stride[0] - cs.padding[0] + i * cs.dilation[0];
              if (hh < 0 || hh >= cs.h) continue;
              for (let j = 0; j < cs.kw; j++) {
                const ww = x * cs.stride[1] - cs.padding[1] + j * cs.dilation[1];
                if (ww < 0 || ww >= cs.w) continue;
                visit(((n * cs.c + c) * cs.h + hh) * cs.w + ww, ((o * cg + ci) * cs.kh + i) * cs.kw + j, yi);
              }
            }
          }
        }
      }
    }
  }
}

function naiveConv(cs: ConvCase, x: Float64Array, w: Float64Array): Float64Array {
  const [oh, ow] = convOut(cs);
  const y = new Float64Array(cs.n * cs.o * oh * ow);
  forEachConvTerm(cs, (xi, wi, yi) => {
    y[yi] = y[yi]! + x[xi]! * w[wi]!;
  });
  return y;
}

function naiveConvBackpropInput(cs: ConvCase, dy: Float64Array, w: Float64Array): Float64Array {
  const dx = new Float64Array(cs.n * cs.c * cs.h * cs.w);
  forEachConvTerm(cs, (xi, wi, yi) => {
    dx[xi] = dx[xi]! + dy[yi]! * w[wi]!;
  });
  return dx;
}

function naiveConvBackpropFilter(cs: ConvCase, x: Float64Array, dy: Float64Array): Float64Array {
  const dw = new Float64Array(cs.o * (cs.c / cs.groups) * cs.kh * cs.kw);
  forEachConvTerm(cs, (xi, wi, yi) => {
    dw[wi] = dw[wi]! + x[xi]! * dy[yi]!;
  });
  return dw;
}

interface PoolCase {
  n: number;
  c: number;
  h: number;
  w: number;
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number];
}

function poolOut(pc: PoolCase): [number, number] {
  return [
    Math.floor((pc.h + 2 * pc.padding[0] - pc.kernelSize[0]) / pc.stride[0]) + 1,
    Math.floor((pc.w + 2 * pc.padding[1] - pc.kernelSize[1]) / pc.stride[1]) + 1,
  ];
}

/** For each output cell, the input indices of its window in row-major order (padding left out). */
function poolWindows(pc: PoolCase): number[][] {
  const [oh, ow] = poolOut(pc);
  const windows: number[][] = [];
  for (let p = 0; p < pc.n * pc.c; p++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const cells: number[] = [];
        for (let i = 0; i < pc.kernelSize[0]; i++) {
          const hh = y * pc.stride[0] - pc.padding[0] + i;
          if (hh < 0 || hh >= pc.h) continue;
          for (let j = 0; j < pc.kernelSize[1]; j++) {
            const ww = x * pc.stride[1] - pc.padding[1] + j;
            if (ww >= 0 && ww < pc.w) cells.push((p * pc.h + hh) * pc.w + ww);
          }
        }
        windows.push(cells);
      }
    }
  }
  return windows;
}

// ---- matmul --------------------------------------------------------------------------------------------------------
describe.each(IMPLEMENTATIONS)('BatchMatMul ($name)', (impl) => {
  const sizes = [1, 3, 7, 17, 65, 130];
  const transposes: [boolean, boolean][] = [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ];

  for (const dtype of DTYPES) {
    for (const [transposeA, transposeB] of transposes) {
      it(`${dtype} transposeA=${transposeA} transposeB=${transposeB}: all sizes in {${sizes}}^3`, () => {
        for (const m of sizes) {
          for (const n of sizes) {
            for (const k of sizes) {
              const a = randomInfo(transposeA ? [1, k, m] : [1, m, k], dtype);
              const b = randomInfo(transposeB ? [1, n, k] : [1, k, n], dtype);
              const ref = naiveBatchMatMul(
                data(a),
                [...a.shape],
                data(b),
                [...b.shape],
                transposeA,
                transposeB,
              );
              const out = run(impl.batchMatMul, [a, b], { transposeA, transposeB });
              expectClose(out, ref.out, ref.shape, dtype, `m=${m} n=${n} k=${k}`);
            }
          }
        }
      });
    }

    it(`${dtype}: sizes crossing the block edges (KC, MC) and the small-path threshold`, () => {
      const cases: [number, number, number][] = [
        [260, 9, 300],
        [5, 6, 513],
        [129, 131, 257],
        [33, 32, 32],
        [32, 32, 32],
        [2, 200, 100],
        [200, 2, 100],
        [64, 64, 1],
      ];
      for (const [m, n, k] of cases) {
        for (const [transposeA, transposeB] of transposes) {
          const a = randomInfo(transposeA ? [1, k, m] : [1, m, k], dtype);
          const b = randomInfo(transposeB ? [1, n, k] : [1, k, n], dtype);
          const ref = naiveBatchMatMul(data(a), [...a.shape], data(b), [...b.shape], transposeA, transposeB);
          const out = run(impl.batchMatMul, [a, b], { transposeA, transposeB });
          expectClose(
            out,
            ref.out,
            ref.shape,
            dtype,
            `m=${m} n=${n} k=${k} tA=${transposeA} tB=${transposeB}`,
          );
        }
      }
    });

    it(`${dtype}: batches, broadcast batch of 1 on either side, and transposes`, () => {
      const batchPairs: [number, number][] = [
        [3, 3],
        [4, 1],
        [1, 4],
        [1, 1],
      ];
      for (const [ba, bb] of batchPairs) {
        for (const [m, n, k] of [
          [5, 7, 3],
          [40, 36, 50],
        ] as [number, number, number][]) {
          for (const [transposeA, transposeB] of transposes) {
            const a = randomInfo(transposeA ? [ba, k, m] : [ba, m, k], dtype);
            const b = randomInfo(transposeB ? [bb, n, k] : [bb, k, n], dtype);
            const ref = naiveBatchMatMul(
              data(a),
              [...a.shape],
              data(b),
              [...b.shape],
              transposeA,
              transposeB,
            );
            const out = run(impl.batchMatMul, [a, b], { transposeA, transposeB });
            expectClose(out, ref.out, ref.shape, dtype, `batches ${ba},${bb} m=${m} n=${n} k=${k}`);
          }
        }
      }
    });
  }

  it('handles empty dimensions (k = 0 gives zeros, m = 0 an empty result)', () => {
    const out = run(impl.batchMatMul, [randomInfo([2, 3, 0], 'float32'), randomInfo([2, 0, 4], 'float32')], {
      transposeA: false,
      transposeB: false,
    });
    expectClose(out, new Float64Array(24), [2, 3, 4], 'float32', 'k=0');
    const empty = run(
      impl.batchMatMul,
      [randomInfo([1, 0, 3], 'float64'), randomInfo([1, 3, 4], 'float64')],
      {
        transposeA: false,
        transposeB: false,
      },
    );
    expect(empty.shape).toEqual([1, 0, 4]);
  });

  it('never mutates its inputs', () => {
    const a = randomInfo([2, 70, 80], 'float32');
    const b = randomInfo([1, 80, 90], 'float32');
    const a0 = data(a);
    const b0 = data(b);
    run(impl.batchMatMul, [a, b], { transposeA: false, transposeB: false });
    expect(data(a)).toEqual(a0);
    expect(data(b)).toEqual(b0);
  });

  it('throws naming matmul and both shapes when the operands do not align', () => {
    const attrs = { transposeA: false, transposeB: false };
    expect(() =>
      run(impl.batchMatMul, [randomInfo([1, 2, 3], 'float32'), randomInfo([1, 4, 5], 'float32')], attrs),
    ).toThrow(/matmul: shapes \[1, 2, 3\] and \[1, 4, 5\] do not align: 3 != 4/);
    expect(() =>
      run(impl.batchMatMul, [randomInfo([2, 2, 3], 'float32'), randomInfo([3, 3, 5], 'float32')], attrs),
    ).toThrow(/matmul.*\[2, 2, 3\].*\[3, 3, 5\]/);
    expect(() =>
      run(impl.batchMatMul, [randomInfo([2, 3], 'float32'), randomInfo([3, 5], 'float32')], attrs),
    ).toThrow(/matmul.*3-D/);
  });
});

describe.runIf(arena !== null)('BatchMatMul (wasm-simd with its small-size cutoff)', () => {
  it(`runs products under ${WASM_MIN_MACS} multiply-adds in TypeScript, larger ones in wasm, with equal results`, () => {
    const kernel = wasmBatchMatMul(arena!, batchMatMul);
    for (const [m, n, k] of [
      [8, 1, 3],
      [4, 4, 4],
      [8, 8, 8],
      [10, 10, 30],
      [10, 30, 784],
    ] as [number, number, number][]) {
      const a = randomInfo([1, m, k], 'float32');
      const b = randomInfo([1, n, k], 'float32');
      const ref = naiveBatchMatMul(data(a), [1, m, k], data(b), [1, n, k], false, true);
      const attrs = { transposeA: false, transposeB: true };
      expectClose(run(kernel, [a, b], attrs), ref.out, ref.shape, 'float32', `m=${m} n=${n} k=${k}`);
    }
  });
});

describe('gemm (strided, internal)', () => {
  it('accumulates into C at an offset with a leading dimension, for both the small and the blocked path', () => {
    for (const [m, n, k] of [
      [3, 4, 5],
      [6, 7, 5],
      [9, 10, 11],
      [70, 90, 80],
      [5, 300, 1],
    ] as [number, number, number][]) {
      const ldc = n + 3;
      const a = Float64Array.from({ length: m * k }, () => random() - 0.5);
      const b = Float64Array.from({ length: k * n }, () => random() - 0.5);
      const c = Float64Array.from({ length: 2 + m * ldc }, () => random() - 0.5);
      const expected = c.slice();
      const ref = naiveBatchMatMul(a, [1, m, k], b, [1, k, n], false, false).out;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) expected[2 + i * ldc + j]! += ref[i * n + j]!;
      gemm(m, n, k, a, 0, k, 1, b, 0, n, 1, c, 2, ldc, true);
      for (let i = 0; i < c.length; i++) expect(Math.abs(c[i]! - expected[i]!)).toBeLessThan(1e-12);
    }
  });
});

// ---- conv2d ------------------------------------------------------------------------------------------------------
/**
 * 5x5 filters, stride 1, at least 8 input channels per group: the wasm forward pass takes Winograd's F(2x2, 5x5)
 * (assembly/winograd.ts). Odd output sizes (tiles cut by the edge), padding, tiles of one panel spread over rows and
 * images, groups, and a last panel with fewer than eight tiles.
 */
const winograd = (n: number, c: number, h: number, w: number, o: number, padding: number[], groups: number) =>
  ({ n, c, h, w, o, kh: 5, kw: 5, stride: [1, 1], padding, dilation: [1, 1], groups }) as ConvCase;
/** Whether the wasm kernels take the Winograd path for this case (assembly/conv.ts, useWinograd). */
function takesWinograd(cs: ConvCase): boolean {
  const [oh, ow] = convOut(cs);
  return (
    cs.kh === 5 &&
    cs.kw === 5 &&
    cs.stride.every((s) => s === 1) &&
    cs.dilation.every((d) => d === 1) &&
    cs.c / cs.groups >= 8 &&
    oh >= 4 &&
    ow >= 4
  );
}
const winogradCases: ConvCase[] = [
  winograd(3, 8, 9, 14, 6, [2, 1], 1),
  winograd(2, 16, 10, 11, 10, [2, 2], 2),
  winograd(1, 9, 8, 8, 5, [0, 0], 1),
  winograd(2, 12, 20, 21, 7, [0, 3], 1),
  // 130 channels: the forward's channel sum in blocks of 64, 64 and 2.
  winograd(1, 130, 9, 9, 6, [0, 0], 1),
];

const convCases: ConvCase[] = [
  ...winogradCases,
  {
    n: 1,
    c: 1,
    h: 5,
    w: 5,
    o: 1,
    kh: 3,
    kw: 3,
    stride: [1, 1],
    padding: [0, 0],
    dilation: [1, 1],
    groups: 1,
  },
  {
    n: 2,
    c: 3,
    h: 7,
    w: 9,
    o: 4,
    kh: 3,
    kw: 2,
    stride: [1, 1],
    padding: [1, 0],
    dilation: [1, 1],
    groups: 1,
  },
  {
    n: 2,
    c: 1,
    h: 28,
    w: 28,
    o: 20,
    kh: 5,
    kw: 5,
    stride: [1, 1],
    padding: [0, 0],
    dilation: [1, 1],
    groups: 1,
  },
  {
    n: 2,
    c: 20,
    h: 12,
    w: 12,
    o: 40,
    kh: 5,
    kw: 5,
    stride: [1, 1],
    padding: [0, 0],
    dilation: [1, 1],
    groups: 1,
  },
  {
    n: 3,
    c: 4,
    h: 17,
    w: 13,
    o: 6,
    kh: 3,
    kw: 3,
    stride: [2, 3],
    padding: [1, 2],
    dilation: [1, 1],
    groups: 1,
  },
  {
    n: 1,
    c: 3,
    h: 11,
    w: 10,
    o: 5,
    kh: 3,
    kw: 3,
    stride: [1, 2],
    padding: [2, 1],
    dilation: [2, 3],
    groups: 1,
  },
  {
    n: 2,
    c: 4,
    h: 9,
    w: 9,
    o: 6,
    kh: 3,
    kw: 3,
    stride: [1, 1],
    padding: [1, 1],
    dilation: [1, 1],
    groups: 2,
  },
  {
    n: 2,
    c: 6,
    h: 8,
    w: 7,
    o: 6,
    kh: 3,
    kw: 3,
    stride: [2, 2],
    padding: [1, 1],
    dilation: [1, 1],
    groups: 6,
  },
  {
    n: 1,
    c: 6,
    h: 10,
    w: 10,
    o: 9,
    kh: 2,
    kw: 4,
    stride: [3, 1],
    padding: [1, 2],
    dilation: [2, 1],
    groups: 3,
  },
  {
    n: 2,
    c: 8,
    h: 6,
    w: 5,
    o: 12,
    kh: 1,
    kw: 1,
    stride: [1, 1],
    padding: [0, 0],
    dilation: [1, 1],
    groups: 1,
  },
  {
    n: 2,
    c: 8,
    h: 6,
    w: 5,
    o: 4,
    kh: 1,
    kw: 1,
    stride: [1, 1],
    padding: [0, 0],
    dilation: [1, 1],
    groups: 2,
  },
  {
    n: 1,
    c: 2,
    h: 7,
    w: 7,
    o: 3,
    kh: 1,
    kw: 1,
    stride: [2, 2],
    padding: [1, 1],
    dilation: [1, 1],
    groups: 1,
  },
  {
    n: 1,
    c: 2,
    h: 3,
    w: 4,
    o: 2,
    kh: 5,
    kw: 5,
    stride: [1, 1],
    padding: [2, 2],
    dilation: [1, 1],
    groups: 1,
  },
  {
    n: 1,
    c: 1,
    h: 1,
    w: 1,
    o: 1,
    kh: 1,
    kw: 1,
    stride: [1, 1],
    padding: [0, 0],
    dilation: [1, 1],
    groups: 1,
  },
  // 600 filter taps: the WebAssembly forward splits the depth into two packed blocks; the filter gradient packs the
  // three images into one depth block.
  {
    n: 3,
    c: 24,
    h: 9,
    w: 11,
    o: 6,
    kh: 5,
    kw: 5,
    stride: [1, 1],
    padding: [2, 1],
    dilation: [1, 1],
    groups: 1,
  },
  {
    n: 1,
    c: 16,
    h: 17,
    w: 15,
    o: 33,
    kh: 3,
    kw: 3,
    stride: [1, 1],
    padding: [1, 1],
    dilation: [1, 1],
    groups: 1,
  },
];

function convName(cs: ConvCase): string {
  return (
    `x [${cs.n},${cs.c},${cs.h},${cs.w}] w [${cs.o},${cs.c / cs.groups},${cs.kh},${cs.kw}] stride ${cs.stride} ` +
    `pad ${cs.padding} dil ${cs.dilation} groups ${cs.groups}`
  );
}

describe.each(IMPLEMENTATIONS)('Conv2D and its backprops ($name)', (impl) => {
  for (const dtype of DTYPES) {
    for (const cs of convCases) {
      it(`${dtype} ${convName(cs)}`, () => {
        const { stride, padding, dilation, groups } = cs;
        const attrs = { stride, padding, dilation, groups };
        const [oh, ow] = convOut(cs);
        const xShape = [cs.n, cs.c, cs.h, cs.w];
        const wShape = [cs.o, cs.c / cs.groups, cs.kh, cs.kw];
        const yShape = [cs.n, cs.o, oh, ow];
        const x = randomInfo(xShape, dtype);
        const w = randomInfo(wShape, dtype);
        const dy = randomInfo(yShape, dtype);
        const x0 = data(x);
        const w0 = data(w);
        const dy0 = data(dy);

        // Winograd's forward pass and filter gradient round their transforms' coefficients (up to 5/2 and 16): within
        // 1e-5 of the largest magnitude rather than 2e-6 (docs/benchmarks.md, `winograd.ts`).
        const rtol = impl.name !== 'ts' && dtype === 'float32' && takesWinograd(cs) ? 1e-5 : undefined;
        const y = run(impl.conv2d, [x, w], attrs);
        expectClose(y, naiveConv(cs, x0, w0), yShape, dtype, 'conv2d', rtol);
        const dx = run(impl.conv2dBackpropInput, [dy, w], { ...attrs, inputShape: xShape });
        expectClose(dx, naiveConvBackpropInput(cs, dy0, w0), xShape, dtype, 'conv2dBackpropInput');
        const dw = run(impl.conv2dBackpropFilter, [x, dy], { ...attrs, filterShape: wShape });
        expectClose(dw, naiveConvBackpropFilter(cs, x0, dy0), wShape, dtype, 'conv2dBackpropFilter', rtol);

        // Adjoint identities: <conv(x, w), dy> = <x, dx> = <w, dw>.
        const lhs = dot(data(y), dy0);
        const tol = (dtype === 'float32' ? 1e-4 : 1e-10) * Math.max(1, Math.sqrt(dy0.length));
        expect(Math.abs(lhs - dot(x0, data(dx)))).toBeLessThan(tol);
        expect(Math.abs(lhs - dot(w0, data(dw)))).toBeLessThan(tol);

        // Inputs untouched.
        expect(data(x)).toEqual(x0);
        expect(data(w)).toEqual(w0);
        expect(data(dy)).toEqual(dy0);
      });
    }
  }

  if (impl.name !== 'ts') {
    it('setConvWinograd and NNDL_CONV_WINOGRAD refuse values other than booleans and 0 / 1, naming them', () => {
      expect(() => setConvWinograd('false' as never)).toThrow(
        /setConvWinograd: expected true or false, got "false"/,
      );
      expect(winogradSetting(undefined)).toBe(true);
      expect(winogradSetting('1')).toBe(true);
      expect(winogradSetting('0')).toBe(false);
      expect(() => winogradSetting('off')).toThrow(
        /NNDL_CONV_WINOGRAD must be '0' \(off\) or '1'.*got 'off'/,
      );
    });

    it('Winograd stays off where its transforms would take over 4 MiB of scratch (256 channels in, 64 out)', () => {
      const cs = winograd(1, 256, 8, 8, 64, [0, 0], 1);
      const attrs = { stride: cs.stride, padding: cs.padding, dilation: cs.dilation, groups: cs.groups };
      const x = randomInfo([cs.n, cs.c, cs.h, cs.w], 'float32');
      const w = randomInfo([cs.o, cs.c, 5, 5], 'float32');
      const previous = setConvWinograd(true);
      try {
        const on = data(run(impl.conv2d, [x, w], attrs));
        setConvWinograd(false);
        expect(data(run(impl.conv2d, [x, w], attrs))).toEqual(on);
      } finally {
        setConvWinograd(previous);
      }
    });

    it('the forward pass and the filter gradient agree with Winograd on and off (float32)', () => {
      for (const cs of winogradCases) {
        const { stride, padding, dilation, groups } = cs;
        const attrs = { stride, padding, dilation, groups };
        const [oh, ow] = convOut(cs);
        const yShape = [cs.n, cs.o, oh, ow];
        const wShape = [cs.o, cs.c / cs.groups, cs.kh, cs.kw];
        const x = randomInfo([cs.n, cs.c, cs.h, cs.w], 'float32');
        const w = randomInfo(wShape, 'float32');
        const dy = randomInfo(yShape, 'float32');
        const expectedY = naiveConv(cs, data(x), data(w));
        const expectedDw = naiveConvBackpropFilter(cs, data(x), data(dy));
        const filterAttrs = { ...attrs, filterShape: wShape };
        const previous = setConvWinograd(false);
        try {
          const direct = run(impl.conv2d, [x, w], attrs);
          expectClose(direct, expectedY, yShape, 'float32', `direct ${convName(cs)}`);
          const directDw = run(impl.conv2dBackpropFilter, [x, dy], filterAttrs);
          expectClose(directDw, expectedDw, wShape, 'float32', `direct dw ${convName(cs)}`);
          expect(setConvWinograd(true)).toBe(false);
          const winograd = run(impl.conv2d, [x, w], attrs);
          expectClose(winograd, expectedY, yShape, 'float32', `winograd ${convName(cs)}`, 1e-5);
          const winogradDw = run(impl.conv2dBackpropFilter, [x, dy], filterAttrs);
          expectClose(winogradDw, expectedDw, wShape, 'float32', `winograd dw ${convName(cs)}`, 1e-5);
          // Different arithmetic: the two agree closely but not bit for bit.
          expect(data(winograd)).not.toEqual(data(direct));
          expect(data(winogradDw)).not.toEqual(data(directDw));
        } finally {
          setConvWinograd(previous);
        }
      }
    });
  }

  it('throws naming conv2d and the shapes on bad channels, groups or sizes', () => {
    const attrs = { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
    const x = randomInfo([1, 3, 8, 8], 'float32');
    expect(() => run(impl.conv2d, [x, randomInfo([4, 2, 3, 3], 'float32')], attrs)).toThrow(
      /conv2d: filter \[4, 2, 3, 3\] expects 2 input channels.*\[1, 3, 8, 8\] has 3/,
    );
    expect(() => run(impl.conv2d, [x, randomInfo([4, 1, 3, 3], 'float32')], { ...attrs, groups: 2 })).toThrow(
      /conv2d: .*divisible by groups/,
    );
    expect(() => run(impl.conv2d, [x, randomInfo([4, 3, 9, 9], 'float32')], attrs)).toThrow(
      /conv2d: .*larger/,
    );
    expect(() => run(impl.conv2d, [x, randomInfo([4, 3, 3], 'float32')], attrs)).toThrow(
      /conv2d: .*\[4, 3, 3\]/,
    );
    expect(() =>
      run(
        impl.conv2dBackpropInput,
        [randomInfo([1, 4, 5, 5], 'float32'), randomInfo([4, 3, 3, 3], 'float32')],
        {
          ...attrs,
          inputShape: [1, 3, 8, 8],
        },
      ),
    ).toThrow(/conv2dBackpropInput: dy has shape \[1, 4, 5, 5\], expected \[1, 4, 6, 6\]/);
    expect(() =>
      run(impl.conv2d, [x, randomInfo([4, 3, 3, 3], 'float32')], { ...attrs, stride: [0, 1] }),
    ).toThrow(/conv2d: stride/);
  });
});

// ---- pooling -------------------------------------------------------------------------------------------------------
const poolCases: PoolCase[] = [
  { n: 2, c: 3, h: 24, w: 24, kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] },
  { n: 1, c: 2, h: 7, w: 9, kernelSize: [3, 3], stride: [2, 2], padding: [1, 1] },
  { n: 2, c: 1, h: 5, w: 6, kernelSize: [3, 2], stride: [1, 1], padding: [1, 0] },
  { n: 1, c: 4, h: 17, w: 13, kernelSize: [4, 3], stride: [3, 2], padding: [2, 1] },
  { n: 1, c: 1, h: 1, w: 1, kernelSize: [1, 1], stride: [1, 1], padding: [0, 0] },
  { n: 3, c: 2, h: 8, w: 8, kernelSize: [2, 2], stride: [1, 1], padding: [1, 1] },
];

function poolName(pc: PoolCase): string {
  return `x [${pc.n},${pc.c},${pc.h},${pc.w}] kernel ${pc.kernelSize} stride ${pc.stride} pad ${pc.padding}`;
}

describe.each(IMPLEMENTATIONS)('pooling ($name)', (impl) => {
  for (const dtype of DTYPES) {
    for (const pc of poolCases) {
      it(`${dtype} ${poolName(pc)}`, () => {
        const { kernelSize, stride, padding } = pc;
        const attrs = { kernelSize, stride, padding };
        const [oh, ow] = poolOut(pc);
        const xShape = [pc.n, pc.c, pc.h, pc.w];
        const yShape = [pc.n, pc.c, oh, ow];
        const x = randomInfo(xShape, dtype);
        // Ties: round half the values to a coarse grid so that windows hold equal maxima.
        const xs = x.handle as Float32Array | Float64Array;
        for (let i = 0; i < xs.length; i += 2) xs[i] = Math.round(xs[i]! * 2) / 2;
        const dy = randomInfo(yShape, dtype);
        const x0 = data(x);
        const dy0 = data(dy);
        const windows = poolWindows(pc);
        const area = kernelSize[0] * kernelSize[1];

        const maxRef = new Float64Array(windows.length);
        const maxGradRef = new Float64Array(x0.length);
        const avgRef = new Float64Array(windows.length);
        const avgGradRef = new Float64Array(x0.length);
        windows.forEach((cells, o) => {
          let arg = cells[0]!;
          for (const i of cells) if (x0[i]! > x0[arg]!) arg = i;
          maxRef[o] = x0[arg]!;
          maxGradRef[arg]! += dy0[o]!;
          let s = 0;
          for (const i of cells) {
            s += x0[i]!;
            avgGradRef[i]! += dy0[o]! / area;
          }
          avgRef[o] = s / area;
        });

        expectClose(run(impl.maxPool2d, [x], attrs), maxRef, yShape, dtype, 'maxPool2d');
        expectClose(run(impl.maxPool2dGrad, [dy, x], attrs), maxGradRef, xShape, dtype, 'maxPool2dGrad');
        expectClose(run(impl.avgPool2d, [x], attrs), avgRef, yShape, dtype, 'avgPool2d');
        expectClose(
          run(impl.avgPool2dGrad, [dy], { ...attrs, inputShape: xShape }),
          avgGradRef,
          xShape,
          dtype,
          'avgPool2dGrad',
        );
        expect(data(x)).toEqual(x0);
        expect(data(dy)).toEqual(dy0);
      });
    }
  }

  it('max pooling: padding never wins over -Infinity, the first maximum takes the gradient, NaN propagates', () => {
    const attrs = { kernelSize: [2, 2], stride: [2, 2], padding: [1, 1] };
    const x: TensorInfo = {
      handle: new Float32Array([-Infinity, -Infinity, -Infinity, 5]),
      shape: [1, 1, 2, 2],
      dtype: 'float32',
    };
    const y = run(impl.maxPool2d, [x], attrs);
    expect([...(y.handle as Float32Array)]).toEqual([-Infinity, -Infinity, -Infinity, 5]);
    for (const dtype of DTYPES) {
      const make = (values: number[]) => (dtype === 'float32' ? Float32Array : Float64Array).from(values);
      const ties: TensorInfo = { handle: make([1, 1, 1, 1]), shape: [1, 1, 2, 2], dtype };
      const dy: TensorInfo = { handle: make([3]), shape: [1, 1, 1, 1], dtype };
      const dx = run(impl.maxPool2dGrad, [dy, ties], { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] });
      expect([...(dx.handle as Float64Array)], dtype).toEqual([3, 0, 0, 0]);
      const nan: TensorInfo = { handle: make([1, Number.NaN, 7, Number.NaN]), shape: [1, 1, 2, 2], dtype };
      const yn = run(impl.maxPool2d, [nan], { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] });
      expect(Number.isNaN((yn.handle as Float64Array)[0]), dtype).toBe(true);
    }
  });

  it('max pooling, four 2x2 windows at once (the wasm SIMD path): first maximum, NaN wins, -0 before 0', () => {
    for (const dtype of DTYPES) {
      const make = (values: number[]) => (dtype === 'float32' ? Float32Array : Float64Array).from(values);
      const x: TensorInfo = {
        handle: make([1, 1, 5, Number.NaN, 3, 2, -0, 0, 1, 2, 7, 1, 3, 3, 0, -0]),
        shape: [1, 1, 2, 8],
        dtype,
      };
      const attrs = { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] };
      const y = [...(run(impl.maxPool2d, [x], attrs).handle as Float64Array)];
      expect(y, dtype).toEqual([2, Number.NaN, 3, -0]);
      expect(Object.is(y[3], -0), dtype).toBe(true);
      const dy: TensorInfo = { handle: make([1, 2, 3, 4]), shape: [1, 1, 1, 4], dtype };
      const dx = [...(run(impl.maxPool2dGrad, [dy, x], attrs).handle as Float64Array)];
      expect(dx, dtype).toEqual([0, 0, 0, 2, 3, 0, 4, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    }
  });

  it('avg pooling counts padded cells in the divisor (count_include_pad=True)', () => {
    const x: TensorInfo = { handle: new Float32Array([4, 4, 4, 4]), shape: [1, 1, 2, 2], dtype: 'float32' };
    const y = run(impl.avgPool2d, [x], { kernelSize: [2, 2], stride: [2, 2], padding: [1, 1] });
    expect([...(y.handle as Float32Array)]).toEqual([1, 1, 1, 1]);
  });

  it('throws naming the op on bad padding or a window larger than the input', () => {
    const x = randomInfo([1, 1, 4, 4], 'float32');
    expect(() => run(impl.maxPool2d, [x], { kernelSize: [2, 2], stride: [2, 2], padding: [2, 0] })).toThrow(
      /maxPool2d: padding \[2,0\] must be .* at most half/,
    );
    expect(() => run(impl.avgPool2d, [x], { kernelSize: [5, 5], stride: [1, 1], padding: [0, 0] })).toThrow(
      /avgPool2d: kernelSize \[5,5\] is larger/,
    );
    expect(() =>
      run(impl.avgPool2d, [randomInfo([4, 4], 'float32')], {
        kernelSize: [2, 2],
        stride: [2, 2],
        padding: [0, 0],
      }),
    ).toThrow(/avgPool2d: expected input \[N, C, H, W\], got \[4, 4\]/);
  });
});

// ---- arithmetic ----------------------------------------------------------------------------------------------------
const ARITHMETIC: ['add' | 'sub' | 'mul' | 'div', (a: number, b: number) => number][] = [
  ['add', (a, b) => a + b],
  ['sub', (a, b) => a - b],
  ['mul', (a, b) => a * b],
  ['div', (a, b) => a / b],
];

/** The same values (toEqual's sense: -0 is not 0, NaN equals NaN), reporting the first difference only. */
function expectSameValues(got: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(got[i], expected[i])) expect(got[i], `${what}: element ${i}`).toEqual(expected[i]);
  }
}

/** a op b with NumPy broadcasting, each result computed in double and rounded to `dtype` once. */
function naiveBinary(
  a: TensorInfo,
  b: TensorInfo,
  f: (a: number, b: number) => number,
): { out: number[]; shape: number[] } {
  const rank = Math.max(a.shape.length, b.shape.length);
  const pad = (s: readonly number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const as = pad(a.shape);
  const bs = pad(b.shape);
  const shape = as.map((d, i) => (d === 1 ? bs[i]! : d));
  const size = shape.reduce((p, d) => p * d, 1);
  const round = a.dtype === 'float32' ? Math.fround : (v: number) => v;
  const out: number[] = [];
  for (let flat = 0; flat < size; flat++) {
    let rest = flat;
    let ia = 0;
    let ib = 0;
    let sa = 1;
    let sb = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const i = rest % shape[d]!;
      rest = Math.floor(rest / shape[d]!);
      if (as[d] !== 1) ia += i * sa;
      if (bs[d] !== 1) ib += i * sb;
      sa *= as[d]!;
      sb *= bs[d]!;
    }
    out.push(round(f((a.handle as Float32Array)[ia]!, (b.handle as Float32Array)[ib]!)));
  }
  return { out, shape };
}

/** Operand shapes: one shape; a per-channel operand on either side (with inner runs of 1, 2, 5, 144); a scalar. */
const BINARY_SHAPES: [number[], number[]][] = [
  [[7], [7]],
  [
    [3, 5],
    [3, 5],
  ],
  [
    [2, 3, 4, 5],
    [2, 3, 4, 5],
  ],
  [[4099], [4099]],
  [[1, 100], [100]],
  [
    [10, 20, 12, 12],
    [1, 20, 1, 1],
  ],
  [
    [1, 20, 1, 1],
    [10, 20, 12, 12],
  ],
  [
    [2, 3, 4, 5],
    [1, 3, 1, 1],
  ],
  [
    [2, 3, 5],
    [3, 1],
  ],
  [
    [4, 3, 2],
    [1, 3, 1],
  ],
  [
    [3, 1],
    [3, 6],
  ],
  [[10, 100], [100]],
  [[7], [5, 7]],
  [
    [1, 40, 1, 1],
    [10, 40, 4, 4],
  ],
  [[13], [1]],
  [[], [2, 3]],
  [
    [2, 3, 6],
    [1, 1, 1],
  ],
  [[0, 3], [3]],
  // Broadcasts of other kinds (the TypeScript loop in the wasm variant too).
  [
    [4, 1],
    [1, 5],
  ],
  [
    [2, 3, 4],
    [2, 1, 4],
  ],
  [
    [3, 4],
    [4, 3, 1],
  ],
];

describe.each(IMPLEMENTATIONS)('Add, Sub, Mul, RealDiv ($name)', (impl) => {
  for (const [op, f] of ARITHMETIC) {
    for (const dtype of DTYPES) {
      it(`${op} ${dtype}: the same bits as double arithmetic rounded once, for every broadcast`, () => {
        for (const [aShape, bShape] of BINARY_SHAPES) {
          const a = randomInfo(aShape, dtype);
          const b = randomInfo(bShape, dtype);
          const ref = naiveBinary(a, b, f);
          const out = run(impl[op], [a, b], {});
          const what = `[${aShape}] ${op} [${bShape}]`;
          expect(out.shape, what).toEqual(ref.shape);
          expect(out.dtype, what).toBe(dtype);
          expect(out.handle, what).toBeInstanceOf(dtype === 'float32' ? Float32Array : Float64Array);
          expectSameValues(out.handle as Float32Array, ref.out, what);
        }
      });
    }

    it(`${op}: NaN, infinities, signed zeros and division by zero as in JavaScript`, () => {
      const specials = [Number.NaN, Infinity, -Infinity, 0, -0, 1, -1, 3.5e38, 1e-45];
      const av: number[] = [];
      const bv: number[] = [];
      for (const x of specials) {
        for (const y of specials) {
          av.push(x);
          bv.push(y);
        }
      }
      const a: TensorInfo = { handle: Float32Array.from(av), shape: [av.length], dtype: 'float32' };
      const b: TensorInfo = { handle: Float32Array.from(bv), shape: [bv.length], dtype: 'float32' };
      const got = Array.from(run(impl[op], [a, b], {}).handle as Float32Array);
      // toEqual tells -0 from 0 and takes NaN as equal to NaN.
      expect(got).toEqual(naiveBinary(a, b, f).out);
      const bias: TensorInfo = {
        handle: Float32Array.from(specials),
        shape: [1, specials.length, 1],
        dtype: 'float32',
      };
      const x = { ...a, shape: [specials.length, specials.length, 1] };
      for (const [left, right] of [
        [x, bias],
        [bias, x],
      ] as const) {
        const out = Array.from(run(impl[op], [left, right], {}).handle as Float32Array);
        expect(out).toEqual(naiveBinary(left, right, f).out);
      }
    });
  }

  it('throws naming the op and both shapes when the shapes do not broadcast', () => {
    const a = randomInfo([3], 'float32');
    const b = randomInfo([2], 'float32');
    expect(() => run(impl.add, [a, b], {})).toThrow(/add: shapes \[3\] and \[2\] cannot be broadcast/);
    expect(() => run(impl.div, [a, b], {})).toThrow(/div: shapes \[3\] and \[2\] cannot be broadcast/);
  });

  it('never mutates its inputs', () => {
    for (const [aShape, bShape] of [
      [
        [10, 20, 12, 12],
        [1, 20, 1, 1],
      ],
      [
        [1, 20, 1, 1],
        [10, 20, 12, 12],
      ],
      [[50], [50]],
    ]) {
      const a = randomInfo(aShape!, 'float32');
      const b = randomInfo(bShape!, 'float32');
      const a0 = data(a);
      const b0 = data(b);
      run(impl.sub, [a, b], {});
      expect(data(a)).toEqual(a0);
      expect(data(b)).toEqual(b0);
    }
  });
});

describe('binaryPlan (the broadcasts the wasm arithmetic takes)', () => {
  it('maps one shape, per-channel operands and scalars onto [outer, channels, inner], others to null', () => {
    expect(binaryPlan([2, 3], [2, 3], 'add')).toEqual([1, 1, 6, 0, [2, 3]]);
    expect(binaryPlan([10, 20, 12, 12], [1, 20, 1, 1], 'add')).toEqual([10, 20, 144, 1, [10, 20, 12, 12]]);
    expect(binaryPlan([20, 1, 1], [10, 20, 12, 12], 'add')).toEqual([10, 20, 144, 2, [10, 20, 12, 12]]);
    expect(binaryPlan([10, 100], [100], 'add')).toEqual([10, 100, 1, 1, [10, 100]]);
    expect(binaryPlan([3, 1], [3, 6], 'mul')).toEqual([1, 3, 6, 2, [3, 6]]);
    expect(binaryPlan([5, 5], [], 'mul')).toEqual([1, 1, 25, 1, [5, 5]]);
    expect(binaryPlan([1, 100], [100], 'add')).toEqual([1, 1, 100, 0, [1, 100]]);
    expect(binaryPlan([4, 1], [1, 5], 'add')).toBeNull();
    expect(binaryPlan([2, 3, 4], [2, 1, 4], 'add')).toBeNull();
    expect(() => binaryPlan([3], [2], 'sub')).toThrow(/sub: shapes \[3\] and \[2\] cannot be broadcast/);
  });
});

// ---- Sum -----------------------------------------------------------------------------------------------------------
/** Sum over `axes` in double (the exact order does not matter at the tolerance used). */
function naiveSum(x: TensorInfo, axes: number[], keepDims: boolean): { out: Float64Array; shape: number[] } {
  const shape = x.shape;
  const keptShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Float64Array(keptShape.reduce((p, d) => p * d, 1));
  const values = x.handle as Float32Array;
  for (let flat = 0; flat < values.length; flat++) {
    let rest = flat;
    let target = 0;
    let stride = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const i = rest % shape[d]!;
      rest = Math.floor(rest / shape[d]!);
      if (!axes.includes(d)) target += i * stride;
      stride *= keptShape[d]!;
    }
    out[target]! += values[flat]!;
  }
  return { out, shape: keepDims ? keptShape : shape.filter((_, i) => !axes.includes(i)) };
}

const SUM_CASES: [number[], number[]][] = [
  [
    [10, 20, 12, 12],
    [0, 2, 3],
  ],
  [
    [10, 40, 4, 4],
    [0, 2, 3],
  ],
  [
    [2, 3, 4, 5],
    [0, 2, 3],
  ],
  [[2, 3, 4, 5], [1]],
  [[2, 3, 4, 5], [3]],
  [[2, 3, 4, 5], [0]],
  [
    [2, 3, 4, 5],
    [1, 2],
  ],
  [
    [2, 3, 4, 5],
    [0, 1, 2, 3],
  ],
  [[10, 100], [0]],
  [[10, 100], [1]],
  [[7], [0]],
  [
    [3, 7, 9],
    [0, 2],
  ],
  [[1000, 3], [0]],
  [[3, 1001], [1]],
  [[0, 3], [0]],
  [[3, 0], [1]],
];

describe.each(IMPLEMENTATIONS)('Sum ($name)', (impl) => {
  for (const dtype of DTYPES) {
    it(`${dtype}: over adjacent and separate axes, with and without keepDims`, () => {
      for (const [shape, axes] of SUM_CASES) {
        for (const keepDims of [false, true]) {
          const x = randomInfo(shape, dtype);
          const ref = naiveSum(x, axes, keepDims);
          const out = run(impl.sum, [x], { axes, keepDims });
          expectClose(out, ref.out, ref.shape, dtype, `sum [${shape}] over [${axes}] keepDims ${keepDims}`);
        }
      }
    });
  }

  it("gives the TypeScript kernel's result (the same bits where a pass adds whole rows), and the same every time", () => {
    for (const [shape, axes] of SUM_CASES) {
      const x = randomInfo(shape, 'float32');
      const attrs = { axes, keepDims: false };
      const expected = Array.from(run(sum, [x], attrs).handle as Float32Array);
      const got = Array.from(run(impl.sum, [x], attrs).handle as Float32Array);
      expect(Array.from(run(impl.sum, [x], attrs).handle as Float32Array)).toEqual(got);
      if (axes[axes.length - 1] !== shape.length - 1) {
        // No pass over contiguous runs: the TypeScript order.
        expectSameValues(got, expected, `[${shape}] over [${axes}]`);
      } else {
        for (const [i, e] of expected.entries()) {
          expect(Math.abs(got[i]! - e), `[${shape}] over [${axes}]`).toBeLessThanOrEqual(
            Math.abs(e) * 2 ** -23,
          );
        }
      }
    }
  });

  it('keeps NaN and infinities, and sums -0 to +0 as the TypeScript kernel does', () => {
    const make = (values: number[], shape: number[]): TensorInfo => ({
      handle: Float32Array.from(values),
      shape,
      dtype: 'float32',
    });
    const x = make([1, Number.NaN, 2, 3, Infinity, 4, -0, -0, -0, -Infinity, Infinity, 5], [2, 2, 3]);
    for (const axes of [[0], [1], [2], [0, 2], [0, 1, 2]]) {
      const attrs = { axes, keepDims: false };
      expect(Array.from(run(impl.sum, [x], attrs).handle as Float32Array), `[${axes}]`).toEqual(
        Array.from(run(sum, [x], attrs).handle as Float32Array),
      );
    }
    const zeros = make(new Array(24).fill(-0), [2, 3, 4]);
    for (const axes of [[0], [2], [0, 2]]) {
      const got = Array.from(run(impl.sum, [zeros], { axes, keepDims: false }).handle as Float32Array);
      expect(got.every((v) => Object.is(v, 0))).toBe(true);
    }
  });
});
