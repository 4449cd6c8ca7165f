/**
 * Max and average pooling over NCHW images on the CPU, and their backprops. Output size floor((H + 2 pad - k) /
 * stride) + 1, as PyTorch without ceil_mode.
 */
import type { KernelFn, TensorInfo } from '../../backend.js';
import { allocate } from '../../dtype.js';
import type { AvgPool2DGradAttrs, Pool2DAttrs } from '../../kernel_names.js';
import { formatShape, type Shape } from '../../shape.js';
import type { FloatArray } from './matmul.js';

export interface PoolGeometry {
  /** N * C: pooling treats every channel of every image alike. */
  planes: number;
  height: number;
  width: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  outH: number;
  outW: number;
}

/** Validate a pooling's shape and attributes (shared with the WebAssembly kernels in wasm/). */
export function poolGeometry(op: string, xShape: Shape, attrs: Pool2DAttrs): PoolGeometry {
  if (xShape.length !== 4) throw new Error(`${op}: expected input [N, C, H, W], got ${formatShape(xShape)}`);
  const [kernelH, kernelW] = attrs.kernelSize;
  const [strideH, strideW] = attrs.stride;
  const [padH, padW] = attrs.padding;
  const ints = [kernelH, kernelW, strideH, strideW, padH, padW];
  if (!ints.every(Number.isInteger) || kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1) {
    throw new Error(
      `${op}: kernelSize and stride must be positive integers, got kernelSize [${attrs.kernelSize}] ` +
        `stride [${attrs.stride}]`,
    );
  }
  // PyTorch's rule: a window must never lie entirely in the padding.
  if (padH < 0 || padW < 0 || 2 * padH > kernelH || 2 * padW > kernelW) {
    throw new Error(
      `${op}: padding [${attrs.padding}] must be non-negative and at most half of kernelSize [${attrs.kernelSize}]`,
    );
  }
  const [n, c, height, width] = xShape as [number, number, number, number];
  const outH = Math.floor((height + 2 * padH - kernelH) / strideH) + 1;
  const outW = Math.floor((width + 2 * padW - kernelW) / strideW) + 1;
  if (outH < 1 || outW < 1) {
    throw new Error(
      `${op}: kernelSize [${attrs.kernelSize}] is larger than the padded input ${height + 2 * padH}x` +
        `${width + 2 * padW} (input ${formatShape(xShape)})`,
    );
  }
  return { planes: n * c, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW };
}

/**
 * The index in x of the first maximum of window (oh, ow) of the plane starting at `plane`; padded cells count as
 * -Infinity, so they never win. NaN wins (and propagates, as in PyTorch).
 */
function argmaxOfWindow(x: FloatArray, g: PoolGeometry, plane: number, oh: number, ow: number): number {
  const h0 = oh * g.strideH - g.padH;
  const w0 = ow * g.strideW - g.padW;
  const hLo = Math.max(h0, 0);
  const hHi = Math.min(h0 + g.kernelH, g.height);
  const wLo = Math.max(w0, 0);
  const wHi = Math.min(w0 + g.kernelW, g.width);
  let best = -1;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let h = hLo; h < hHi; h++) {
    const row = plane + h * g.width;
    for (let w = wLo; w < wHi; w++) {
      const v = x[row + w]!;
      // `!(v <= bestValue)` also takes NaN, which then is the answer (PyTorch propagates it); `best < 0` takes the
      // first cell of a window whose values are all -Infinity.
      if (!(v <= bestValue) || best < 0) {
        bestValue = v;
        best = row + w;
        if (Number.isNaN(v)) return best;
      }
    }
  }
  return best;
}

/**
 * MaxPool2D: x [N, C, H, W] -> [N, C, OH, OW], the maximum of each window (padding never wins).
 *
 * @example maxPool2d([x], { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] } as never, backend)
 */
export const maxPool2d: KernelFn = (inputs, attrs, _backend): TensorInfo => {
  const xInfo = inputs[0]!;
  const g = poolGeometry('maxPool2d', xInfo.shape, attrs as Pool2DAttrs);
  const x = xInfo.handle as FloatArray;
  const out = allocate(xInfo.dtype, g.planes * g.outH * g.outW) as FloatArray;
  const planeSize = g.height * g.width;
  let o = 0;
  for (let p = 0; p < g.planes; p++) {
    const plane = p * planeSize;
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) out[o++] = x[argmaxOfWindow(x, g, plane, oh, ow)]!;
    }
  }
  const [n, c] = xInfo.shape as [number, number];
  return { handle: out, shape: [n, c, g.outH, g.outW], dtype: xInfo.dtype };
};

/**
 * MaxPool2DGrad: inputs dy [N, C, OH, OW] and x [N, C, H, W] -> dx [N, C, H, W]; each window's gradient goes to the
 * first maximum of the window (overlapping windows add up).
 *
 * @example maxPool2dGrad([dy, x], { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] } as never, backend)
 */
export const maxPool2dGrad: KernelFn = (inputs, attrs, _backend): TensorInfo => {
  const dyInfo = inputs[0]!;
  const xInfo = inputs[1]!;
  const g = poolGeometry('maxPool2dGrad', xInfo.shape, attrs as Pool2DAttrs);
  checkPoolDy('maxPool2dGrad', dyInfo.shape, xInfo.shape, g);
  const x = xInfo.handle as FloatArray;
  const dy = dyInfo.handle as FloatArray;
  const dx = allocate(dyInfo.dtype, g.planes * g.height * g.width) as FloatArray;
  const planeSize = g.height * g.width;
  let o = 0;
  for (let p = 0; p < g.planes; p++) {
    const plane = p * planeSize;
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const i = argmaxOfWindow(x, g, plane, oh, ow);
        dx[i] = dx[i]! + dy[o++]!;
      }
    }
  }
  return { handle: dx, shape: xInfo.shape.slice(), dtype: dyInfo.dtype };
};

/**
 * AvgPool2D: x [N, C, H, W] -> [N, C, OH, OW], the mean of each window with padded cells counted as zeros
 * (count_include_pad=True: the divisor is always kh * kw).
 *
 * @example avgPool2d([x], { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] } as never, backend)
 */
export const avgPool2d: KernelFn = (inputs, attrs, _backend): TensorInfo => {
  const xInfo = inputs[0]!;
  const g = poolGeometry('avgPool2d', xInfo.shape, attrs as Pool2DAttrs);
  const x = xInfo.handle as FloatArray;
  const out = allocate(xInfo.dtype, g.planes * g.outH * g.outW) as FloatArray;
  const scale = 1 / (g.kernelH * g.kernelW);
  const planeSize = g.height * g.width;
  let o = 0;
  for (let p = 0; p < g.planes; p++) {
    const plane = p * planeSize;
    for (let oh = 0; oh < g.outH; oh++) {
      const h0 = oh * g.strideH - g.padH;
      const hLo = Math.max(h0, 0);
      const hHi = Math.min(h0 + g.kernelH, g.height);
      for (let ow = 0; ow < g.outW; ow++) {
        const w0 = ow * g.strideW - g.padW;
        const wLo = Math.max(w0, 0);
        const wHi = Math.min(w0 + g.kernelW, g.width);
        let s = 0;
        for (let h = hLo; h < hHi; h++) {
          const row = plane + h * g.width;
          for (let w = wLo; w < wHi; w++) s += x[row + w]!;
        }
        out[o++] = s * scale;
      }
    }
  }
  const [n, c] = xInfo.shape as [number, number];
  return { handle: out, shape: [n, c, g.outH, g.outW], dtype: xInfo.dtype };
};

/**
 * AvgPool2DGrad: dy [N, C, OH, OW] -> dx of `inputShape`; each window spreads dy / (kh * kw) over its cells in the
 * input (padded cells absorb their share).
 *
 * @example avgPool2dGrad([dy], { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0], inputShape } as never, backend)
 */
export const avgPool2dGrad: KernelFn = (inputs, attrs, _backend): TensorInfo => {
  const dyInfo = inputs[0]!;
  const a = attrs as AvgPool2DGradAttrs;
  const g = poolGeometry('avgPool2dGrad', a.inputShape, a);
  checkPoolDy('avgPool2dGrad', dyInfo.shape, a.inputShape, g);
  const dy = dyInfo.handle as FloatArray;
  const dx = allocate(dyInfo.dtype, g.planes * g.height * g.width) as FloatArray;
  const scale = 1 / (g.kernelH * g.kernelW);
  const planeSize = g.height * g.width;
  let o = 0;
  for (let p = 0; p < g.planes; p++) {
    const plane = p * planeSize;
    for (let oh = 0; oh < g.outH; oh++) {
      const h0 = oh * g.strideH - g.padH;
      const hLo = Math.max(h0, 0);
      const hHi = Math.min(h0 + g.kernelH, g.height);
      for (let ow = 0; ow < g.outW; ow++) {
        const w0 = ow * g.strideW - g.padW;
        const wLo = Math.max(w0, 0);
        const wHi = Math.min(w0 + g.kernelW, g.width);
        const v = dy[o++]! * scale;
        for (let h = hLo; h < hHi; h++) {
          const row = plane + h * g.width;
          for (let w = wLo; w < wHi; w++) dx[row + w] = dx[row + w]! + v;
        }
      }
    }
  }
  return { handle: dx, shape: a.inputShape.slice(), dtype: dyInfo.dtype };
};

/** Check that dy has the pooling's output shape. */
export function checkPoolDy(op: string, dyShape: Shape, xShape: Shape, g: PoolGeometry): void {
  const expected = [xShape[0]!, xShape[1]!, g.outH, g.outW];
  if (dyShape.length !== 4 || expected.some((d, i) => dyShape[i] !== d)) {
    throw new Error(`${op}: dy has shape ${formatShape(dyShape)}, expected ${formatShape(expected)}`);
  }
}
