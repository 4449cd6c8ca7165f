/**
 * Where should CPU tensor storage live? This measures what the answer turns on: each WebAssembly kernel as the CPU
 * backend runs it (operands copied from JavaScript typed arrays into wasm memory, the result copied out into a new
 * Float32Array) against the same kernel on operands already resident in wasm memory (what storage in wasm memory
 * would cost at best), beside the TypeScript kernel. Shapes: Nielsen's MLP products at mini-batch 10, square
 * products, and the two conv layers of network3 (forward + both backprops).
 *
 *   pnpm --filter @nndl/tensor exec tsx scripts/wasm_storage_bench.ts
 */
import type { KernelFn, TensorInfo } from '../src/backend.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from '../src/backends/cpu/conv2d.js';
import { batchMatMul } from '../src/backends/cpu/matmul.js';
import { maxPool2d, maxPool2dGrad } from '../src/backends/cpu/pool.js';
import {
  wasmBatchMatMul,
  wasmConv2d,
  wasmConv2dBackpropFilter,
  wasmConv2dBackpropInput,
  wasmMaxPool2dGrad,
  wasmPool2d,
} from '../src/backends/cpu/wasm/kernels.js';
import { loadWasmKernels } from '../src/backends/cpu/wasm/module.js';

const arena = loadWasmKernels();
if (!arena) throw new Error('wasm_storage_bench: this engine cannot run the WebAssembly SIMD kernels');

function random(size: number): Float32Array {
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = Math.random() - 0.5;
  return values;
}

function info(shape: number[]): TensorInfo {
  return { handle: random(shape.reduce((a, b) => a * b, 1)), shape, dtype: 'float32' };
}

/** Median microseconds per call over 7 repeats of ~50 ms each (after calibration, which also warms up). */
function time(fn: () => void): number {
  let iterations = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    if (performance.now() - start > 50) break;
    iterations *= 2;
  }
  const samples: number[] = [];
  for (let r = 0; r < 7; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    samples.push(((performance.now() - start) / iterations) * 1000);
  }
  return samples.sort((a, b) => a - b)[3]!;
}

const rows: string[][] = [['case', 'ts us', 'wasm+copies us', 'wasm resident us', 'copies share']];
function row(name: string, ts: number, copies: number, resident: number): void {
  const share = `${Math.round((100 * (copies - resident)) / copies)}%`;
  rows.push([name, ts.toFixed(1), copies.toFixed(1), resident.toFixed(1), share]);
}

const call = (kernel: KernelFn, inputs: TensorInfo[], attrs: object) =>
  kernel(inputs, attrs as never, null as never);
const wasm = arena.exports;

// ---- matmul: [m, k] x [k, n] (B transposed where the MLP's forward has it) ----------------------------------------
const matmulWasm = wasmBatchMatMul(arena, batchMatMul, 0);
for (const [m, n, k, transposeB, label] of [
  [10, 30, 784, true, 'MLP fwd  10x784 @ (30x784)^T'],
  [30, 784, 10, false, 'MLP dW1  (10x30)^T @ 10x784'],
  [10, 10, 30, true, 'MLP fwd2 10x30 @ (10x30)^T'],
  [64, 64, 64, false, '64^3'],
  [256, 256, 256, false, '256^3'],
] as [number, number, number, boolean, string][]) {
  const transposeA = label.startsWith('MLP dW1');
  const a = info(transposeA ? [1, k, m] : [1, m, k]);
  const b = info(transposeB ? [1, n, k] : [1, k, n]);
  const attrs = { transposeA, transposeB };
  const ts = time(() => call(batchMatMul, [a, b], attrs));
  const copies = time(() => call(matmulWasm, [a, b], attrs));
  arena.reset();
  const pa = arena.copyIn(a.handle as Float32Array, m * k);
  const pb = arena.copyIn(b.handle as Float32Array, k * n);
  const pc = arena.alloc(m * n);
  const [ars, acs] = transposeA ? [1, m] : [k, 1];
  const [brs, bcs] = transposeB ? [1, k] : [n, 1];
  const resident = time(() => wasm.sgemm(m, n, k, pa, ars, acs, pb, brs, bcs, pc, n, false));
  arena.reset();
  row(label, ts, copies, resident);
}

// ---- network3's conv layers at mini-batch 10: forward + input gradient + filter gradient, then max pooling ---------
for (const [c, h, o] of [
  [1, 28, 20],
  [20, 12, 40],
] as [number, number, number][]) {
  const n = 10;
  const out = h - 4;
  const x = info([n, c, h, h]);
  const w = info([o, c, 5, 5]);
  const dy = info([n, o, out, out]);
  const attrs = { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
  const kernels = (f: KernelFn, bi: KernelFn, bf: KernelFn) => () => {
    call(f, [x, w], attrs);
    call(bi, [dy, w], { ...attrs, inputShape: x.shape });
    call(bf, [x, dy], { ...attrs, filterShape: w.shape });
  };
  const ts = time(kernels(conv2d, conv2dBackpropInput, conv2dBackpropFilter));
  const copies = time(
    kernels(
      wasmConv2d(arena, conv2d),
      wasmConv2dBackpropInput(arena, conv2dBackpropInput),
      wasmConv2dBackpropFilter(arena, conv2dBackpropFilter),
    ),
  );
  arena.reset();
  const px = arena.copyIn(x.handle as Float32Array, n * c * h * h);
  const pw = arena.copyIn(w.handle as Float32Array, o * c * 25);
  const pdy = arena.copyIn(dy.handle as Float32Array, n * o * out * out);
  const py = arena.alloc(n * o * out * out);
  const pdx = arena.alloc(n * c * h * h);
  const pdw = arena.alloc(o * c * 25);
  wasm.setConvGeometry(n, c, h, h, o, 5, 5, 1, 1, 0, 0, 1, 1, 1, 1);
  // The kernels' scratch (packed operands, the input gradient's columns), sized by the module for this geometry.
  const col = arena.alloc(Math.ceil(wasm.convScratchBytes() / 4));
  const resident = time(() => {
    wasm.conv2dForward(px, pw, py, col);
    wasm.conv2dBackpropInput(pdy, pw, pdx, col);
    wasm.conv2dBackpropFilter(px, pdy, pdw, col);
  });
  arena.reset();
  row(`conv ${o}x5x5 on ${n}x${c}x${h}x${h} fwd+bwd`, ts, copies, resident);

  const pool = { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] };
  const y = info([n, o, out, out]);
  const dp = info([n, o, out / 2, out / 2]);
  const tsPool = time(() => {
    call(maxPool2d, [y], pool);
    call(maxPool2dGrad, [dp, y], pool);
  });
  const [wasmPool, wasmPoolGrad] = [
    wasmPool2d(arena, maxPool2d, 'max'),
    wasmMaxPool2dGrad(arena, maxPool2dGrad),
  ];
  const copiesPool = time(() => {
    call(wasmPool, [y], pool);
    call(wasmPoolGrad, [dp, y], pool);
  });
  const size = n * o * out * out;
  arena.reset();
  const pyIn = arena.copyIn(y.handle as Float32Array, size);
  const pdp = arena.copyIn(dp.handle as Float32Array, size / 4);
  const pOut = arena.alloc(size / 4);
  const pGrad = arena.alloc(size);
  wasm.setPoolGeometry(n * o, out, out, 2, 2, 2, 2, 0, 0, out / 2, out / 2);
  const residentPool = time(() => {
    wasm.maxPool2d(pyIn, pOut);
    wasm.maxPool2dGrad(pdp, pyIn, pGrad);
  });
  arena.reset();
  row(`maxpool 2x2 on ${n}x${o}x${out}x${out} fwd+bwd`, tsPool, copiesPool, residentPool);
}

const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
console.log(`wasm module: ${arena.kind}`);
for (const [i, r] of rows.entries()) {
  console.log(r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
