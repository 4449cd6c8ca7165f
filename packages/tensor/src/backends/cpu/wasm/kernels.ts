/**
 * The CPU backend's WebAssembly SIMD kernels: BatchMatMul, Conv2D and its two backprops, max and average pooling
 * and their backprops, in float32. Each copies its
 * operands into the module's arena, runs the AssemblyScript kernel (assembly/), and copies the result out into a
 * new Float32Array, which becomes the output tensor's storage. Validation and error messages are the TypeScript
 * kernels' own; other dtypes (float64 for gradient checks), products too small to pay for the copies, and calls
 * whose operands do not fit in wasm memory run the TypeScript kernel.
 */
import type { KernelFn, TensorInfo } from '../../../backend.js';
import type {
  AvgPool2DGradAttrs,
  BatchMatMulAttrs,
  Conv2DAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  Pool2DAttrs,
} from '../../../kernel_names.js';
import { type ConvGeometry, checkDy, geometry } from '../conv2d.js';
import { matmulGeometry } from '../matmul.js';
import { checkPoolDy, type PoolGeometry, poolGeometry } from '../pool.js';
import type { WasmArena } from './module.js';

/**
 * Products with fewer multiply-adds than this run in TypeScript: below it, the fixed cost of a wasm call (arena,
 * two copies in, one out) exceeds what SIMD saves. Measured (process CPU time, median of 9): 4x4x4 takes 0.08 us in
 * TypeScript and 0.19 us in wasm; at 8x8x8 (512) wasm wins, 0.48 against 0.56 us; at 10x30x10 (the second layer of
 * Nielsen's MLP) 1.0 against 2.6 us.
 */
export const WASM_MIN_MACS = 512;

/** Run `body` on the arena; a call whose operands cannot fit in wasm memory (RangeError on grow) runs `fallback`. */
function withArena(arena: WasmArena, body: () => TensorInfo, fallback: () => TensorInfo): TensorInfo {
  arena.reset();
  try {
    return body();
  } catch (error) {
    if (error instanceof RangeError) return fallback();
    throw error;
  } finally {
    arena.reset();
  }
}

/**
 * BatchMatMul in wasm (float32); the same contract as matmul.ts's `batchMatMul`. Products under `minMacs`
 * multiply-adds run `tsKernel` (tests pass 0 to send every size through wasm).
 */
export function wasmBatchMatMul(arena: WasmArena, tsKernel: KernelFn, minMacs = WASM_MIN_MACS): KernelFn {
  const wasm = arena.exports;
  return (inputs, attrs, backend) => {
    const aInfo = inputs[0]!;
    const bInfo = inputs[1]!;
    if (aInfo.dtype !== 'float32' || bInfo.dtype !== 'float32') return tsKernel(inputs, attrs, backend);
    const g = matmulGeometry(inputs, attrs as BatchMatMulAttrs);
    const { batch, batchA, batchB, m, n, k, transposeA, transposeB } = g;
    if (batch * m * n * k < minMacs) return tsKernel(inputs, attrs, backend);
    return withArena(
      arena,
      () => {
        const a = arena.copyIn(aInfo.handle as Float32Array, batchA * m * k);
        const b = arena.copyIn(bInfo.handle as Float32Array, batchB * k * n);
        const c = arena.alloc(batch * m * n);
        const aRowStride = transposeA ? 1 : k;
        const aColStride = transposeA ? m : 1;
        const bRowStride = transposeB ? 1 : n;
        const bColStride = transposeB ? k : 1;
        if (batchB === 1 && !transposeA) {
          // One shared right operand and row-major A: the batch folds into the rows of one larger product.
          wasm.sgemm(batch * m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, n, false);
        } else {
          const aBatchBytes = batchA === 1 ? 0 : m * k * 4;
          const bBatchBytes = batchB === 1 ? 0 : k * n * 4;
          for (let i = 0; i < batch; i++) {
            wasm.sgemm(
              m,
              n,
              k,
              a + i * aBatchBytes,
              aRowStride,
              aColStride,
              b + i * bBatchBytes,
              bRowStride,
              bColStride,
              c + i * m * n * 4,
              n,
              false,
            );
          }
        }
        return { handle: arena.copyOut(c, batch * m * n), shape: [batch, m, n], dtype: 'float32' };
      },
      () => tsKernel(inputs, attrs, backend),
    );
  };
}

function setGeometry(arena: WasmArena, g: ConvGeometry): void {
  arena.exports.setConvGeometry(
    g.batch,
    g.inChannels,
    g.height,
    g.width,
    g.outChannels,
    g.kernelH,
    g.kernelW,
    g.strideH,
    g.strideW,
    g.padH,
    g.padW,
    g.dilationH,
    g.dilationW,
    g.groups,
  );
}

/** The im2col scratch of one image and group (none for a pointwise convolution, which uses its input directly). */
function colScratch(arena: WasmArena, g: ConvGeometry): number {
  return g.pointwise ? 0 : arena.alloc(g.colRows * g.colCols);
}

/** Conv2D in wasm (float32); the same contract as conv2d.ts's `conv2d`. */
export function wasmConv2d(arena: WasmArena, tsKernel: KernelFn): KernelFn {
  return (inputs, attrs, backend) => {
    const xInfo = inputs[0]!;
    const wInfo = inputs[1]!;
    if (xInfo.dtype !== 'float32' || wInfo.dtype !== 'float32') return tsKernel(inputs, attrs, backend);
    const g = geometry('conv2d', xInfo.shape, wInfo.shape, attrs as Conv2DAttrs);
    return withArena(
      arena,
      () => {
        const x = arena.copyIn(xInfo.handle as Float32Array, g.batch * g.inChannels * g.height * g.width);
        const w = arena.copyIn(wInfo.handle as Float32Array, g.outChannels * g.colRows);
        const outSize = g.batch * g.outChannels * g.colCols;
        const out = arena.alloc(outSize);
        const col = colScratch(arena, g);
        setGeometry(arena, g);
        arena.exports.conv2dForward(x, w, out, col);
        const shape = [g.batch, g.outChannels, g.outH, g.outW];
        return { handle: arena.copyOut(out, outSize), shape, dtype: 'float32' };
      },
      () => tsKernel(inputs, attrs, backend),
    );
  };
}

/** Conv2DBackpropInput in wasm (float32); the same contract as conv2d.ts's `conv2dBackpropInput`. */
export function wasmConv2dBackpropInput(arena: WasmArena, tsKernel: KernelFn): KernelFn {
  return (inputs, attrs, backend) => {
    const dyInfo = inputs[0]!;
    const wInfo = inputs[1]!;
    if (dyInfo.dtype !== 'float32' || wInfo.dtype !== 'float32') return tsKernel(inputs, attrs, backend);
    const a = attrs as Conv2DBackpropInputAttrs;
    const g = geometry('conv2dBackpropInput', a.inputShape, wInfo.shape, a);
    checkDy('conv2dBackpropInput', dyInfo.shape, g);
    return withArena(
      arena,
      () => {
        const dy = arena.copyIn(dyInfo.handle as Float32Array, g.batch * g.outChannels * g.colCols);
        const w = arena.copyIn(wInfo.handle as Float32Array, g.outChannels * g.colRows);
        const dxSize = g.batch * g.inChannels * g.height * g.width;
        const dx = arena.alloc(dxSize);
        const col = colScratch(arena, g);
        setGeometry(arena, g);
        arena.exports.conv2dBackpropInput(dy, w, dx, col);
        const shape = [g.batch, g.inChannels, g.height, g.width];
        return { handle: arena.copyOut(dx, dxSize), shape, dtype: 'float32' };
      },
      () => tsKernel(inputs, attrs, backend),
    );
  };
}

/** Conv2DBackpropFilter in wasm (float32); the same contract as conv2d.ts's `conv2dBackpropFilter`. */
export function wasmConv2dBackpropFilter(arena: WasmArena, tsKernel: KernelFn): KernelFn {
  return (inputs, attrs, backend) => {
    const xInfo = inputs[0]!;
    const dyInfo = inputs[1]!;
    if (xInfo.dtype !== 'float32' || dyInfo.dtype !== 'float32') return tsKernel(inputs, attrs, backend);
    const a = attrs as Conv2DBackpropFilterAttrs;
    const g = geometry('conv2dBackpropFilter', xInfo.shape, a.filterShape, a);
    checkDy('conv2dBackpropFilter', dyInfo.shape, g);
    return withArena(
      arena,
      () => {
        const x = arena.copyIn(xInfo.handle as Float32Array, g.batch * g.inChannels * g.height * g.width);
        const dy = arena.copyIn(dyInfo.handle as Float32Array, g.batch * g.outChannels * g.colCols);
        const dwSize = g.outChannels * g.colRows;
        const dw = arena.alloc(dwSize);
        const col = colScratch(arena, g);
        setGeometry(arena, g);
        arena.exports.conv2dBackpropFilter(x, dy, dw, col);
        const shape = [g.outChannels, g.groupIn, g.kernelH, g.kernelW];
        return { handle: arena.copyOut(dw, dwSize), shape, dtype: 'float32' };
      },
      () => tsKernel(inputs, attrs, backend),
    );
  };
}

function setPoolGeometry(arena: WasmArena, g: PoolGeometry): void {
  arena.exports.setPoolGeometry(
    g.planes,
    g.height,
    g.width,
    g.kernelH,
    g.kernelW,
    g.strideH,
    g.strideW,
    g.padH,
    g.padW,
    g.outH,
    g.outW,
  );
}

/** MaxPool2D or AvgPool2D in wasm (float32); the same contracts as pool.ts's kernels. */
export function wasmPool2d(arena: WasmArena, tsKernel: KernelFn, kind: 'max' | 'avg'): KernelFn {
  const op = kind === 'max' ? 'maxPool2d' : 'avgPool2d';
  return (inputs, attrs, backend) => {
    const xInfo = inputs[0]!;
    if (xInfo.dtype !== 'float32') return tsKernel(inputs, attrs, backend);
    const g = poolGeometry(op, xInfo.shape, attrs as Pool2DAttrs);
    return withArena(
      arena,
      () => {
        const x = arena.copyIn(xInfo.handle as Float32Array, g.planes * g.height * g.width);
        const outSize = g.planes * g.outH * g.outW;
        const out = arena.alloc(outSize);
        setPoolGeometry(arena, g);
        if (kind === 'max') arena.exports.maxPool2d(x, out);
        else arena.exports.avgPool2d(x, out);
        const shape = [xInfo.shape[0]!, xInfo.shape[1]!, g.outH, g.outW];
        return { handle: arena.copyOut(out, outSize), shape, dtype: 'float32' };
      },
      () => tsKernel(inputs, attrs, backend),
    );
  };
}

/** MaxPool2DGrad (inputs dy, x) in wasm (float32); the same contract as pool.ts's `maxPool2dGrad`. */
export function wasmMaxPool2dGrad(arena: WasmArena, tsKernel: KernelFn): KernelFn {
  return (inputs, attrs, backend) => {
    const dyInfo = inputs[0]!;
    const xInfo = inputs[1]!;
    if (dyInfo.dtype !== 'float32' || xInfo.dtype !== 'float32') return tsKernel(inputs, attrs, backend);
    const g = poolGeometry('maxPool2dGrad', xInfo.shape, attrs as Pool2DAttrs);
    checkPoolDy('maxPool2dGrad', dyInfo.shape, xInfo.shape, g);
    return withArena(
      arena,
      () => {
        const size = g.planes * g.height * g.width;
        const dy = arena.copyIn(dyInfo.handle as Float32Array, g.planes * g.outH * g.outW);
        const x = arena.copyIn(xInfo.handle as Float32Array, size);
        const dx = arena.alloc(size);
        setPoolGeometry(arena, g);
        arena.exports.maxPool2dGrad(dy, x, dx);
        return { handle: arena.copyOut(dx, size), shape: xInfo.shape.slice(), dtype: 'float32' };
      },
      () => tsKernel(inputs, attrs, backend),
    );
  };
}

/** AvgPool2DGrad (input dy) in wasm (float32); the same contract as pool.ts's `avgPool2dGrad`. */
export function wasmAvgPool2dGrad(arena: WasmArena, tsKernel: KernelFn): KernelFn {
  return (inputs, attrs, backend) => {
    const dyInfo = inputs[0]!;
    if (dyInfo.dtype !== 'float32') return tsKernel(inputs, attrs, backend);
    const a = attrs as AvgPool2DGradAttrs;
    const g = poolGeometry('avgPool2dGrad', a.inputShape, a);
    checkPoolDy('avgPool2dGrad', dyInfo.shape, a.inputShape, g);
    return withArena(
      arena,
      () => {
        const size = g.planes * g.height * g.width;
        const dy = arena.copyIn(dyInfo.handle as Float32Array, g.planes * g.outH * g.outW);
        const dx = arena.alloc(size);
        setPoolGeometry(arena, g);
        arena.exports.avgPool2dGrad(dy, dx);
        return { handle: arena.copyOut(dx, size), shape: a.inputShape.slice(), dtype: 'float32' };
      },
      () => tsKernel(inputs, attrs, backend),
    );
  };
}
