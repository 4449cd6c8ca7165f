/**
 * 2-D convolution on the CPU (NCHW, filters [O, C / groups, kh, kw], as in PyTorch) and its two backprops, as
 * im2col / col2im around the blocked GEMM of matmul.ts.
 */
import type { KernelFn, TensorInfo } from '../../backend.js';
import { allocate, type DType } from '../../dtype.js';
import type { Conv2DAttrs, Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs } from '../../kernel_names.js';
import { formatShape, type Shape } from '../../shape.js';
import { type FloatArray, gemm } from './matmul.js';

/** Everything the three kernels need to know about one convolution, validated once. */
export interface ConvGeometry {
  batch: number;
  inChannels: number;
  height: number;
  width: number;
  outChannels: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilationH: number;
  dilationW: number;
  groups: number;
  outH: number;
  outW: number;
  /** Input channels per group. */
  groupIn: number;
  /** Output channels per group. */
  groupOut: number;
  /** Rows of the im2col matrix: groupIn * kernelH * kernelW. */
  colRows: number;
  /** Columns of the im2col matrix: outH * outW. */
  colCols: number;
  /** A 1x1 kernel with stride 1 and no padding: the input already is its im2col matrix. */
  pointwise: boolean;
}

function checkPair(op: string, name: string, value: readonly number[], min: number): void {
  if (value.length !== 2 || !value.every((v) => Number.isInteger(v) && v >= min)) {
    throw new Error(`${op}: ${name} must be two integers >= ${min}, got [${value.join(', ')}]`);
  }
}

/** Validate one convolution's shapes and attributes (shared with the WebAssembly kernels in wasm/). */
export function geometry(op: string, xShape: Shape, wShape: Shape, attrs: Conv2DAttrs): ConvGeometry {
  if (xShape.length !== 4 || wShape.length !== 4) {
    throw new Error(
      `${op}: expected input [N, C, H, W] and filter [O, C / groups, kh, kw], got ${formatShape(xShape)} and ` +
        `${formatShape(wShape)}`,
    );
  }
  checkPair(op, 'stride', attrs.stride, 1);
  checkPair(op, 'padding', attrs.padding, 0);
  checkPair(op, 'dilation', attrs.dilation, 1);
  const groups = attrs.groups;
  if (!Number.isInteger(groups) || groups < 1)
    throw new Error(`${op}: groups must be a positive integer, got ${groups}`);
  const [batch, inChannels, height, width] = xShape as [number, number, number, number];
  const [outChannels, groupIn, kernelH, kernelW] = wShape as [number, number, number, number];
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new Error(
      `${op}: input channels (${inChannels}) and output channels (${outChannels}) must be divisible by groups ` +
        `(${groups}); input ${formatShape(xShape)}, filter ${formatShape(wShape)}`,
    );
  }
  if (groupIn !== inChannels / groups) {
    throw new Error(
      `${op}: filter ${formatShape(wShape)} expects ${groupIn * groups} input channels (${groupIn} per group, ` +
        `groups=${groups}), but input ${formatShape(xShape)} has ${inChannels}`,
    );
  }
  const [strideH, strideW] = attrs.stride;
  const [padH, padW] = attrs.padding;
  const [dilationH, dilationW] = attrs.dilation;
  const outH = Math.floor((height + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH) + 1;
  const outW = Math.floor((width + 2 * padW - dilationW * (kernelW - 1) - 1) / strideW) + 1;
  if (kernelH < 1 || kernelW < 1 || outH < 1 || outW < 1) {
    throw new Error(
      `${op}: kernel size ${kernelH}x${kernelW} (dilation ${dilationH}x${dilationW}) is larger than the padded ` +
        `input ${height + 2 * padH}x${width + 2 * padW}; input ${formatShape(xShape)}, filter ${formatShape(wShape)}`,
    );
  }
  return {
    batch,
    inChannels,
    height,
    width,
    outChannels,
    kernelH,
    kernelW,
    strideH,
    strideW,
    padH,
    padW,
    dilationH,
    dilationW,
    groups,
    outH,
    outW,
    groupIn,
    groupOut: outChannels / groups,
    colRows: groupIn * kernelH * kernelW,
    colCols: outH * outW,
    pointwise: kernelH === 1 && kernelW === 1 && strideH === 1 && strideW === 1 && padH === 0 && padW === 0,
  };
}

// Module-level im2col scratch per dtype, grown as needed (a conv layer reuses it every step).
let colScratch32 = new Float32Array(0);
let colScratch64 = new Float64Array(0);

function colScratch(dtype: DType, size: number): FloatArray {
  if (dtype === 'float64') {
    if (colScratch64.length < size) colScratch64 = new Float64Array(size);
    return colScratch64;
  }
  if (colScratch32.length < size) colScratch32 = new Float32Array(size);
  return colScratch32;
}

/** The first output index o whose input coordinate o * stride + shift is >= 0 (clamped to outSize). */
function firstValid(outSize: number, stride: number, shift: number): number {
  return shift >= 0 ? 0 : Math.min(outSize, Math.ceil(-shift / stride));
}

/** One past the last output index o whose input coordinate o * stride + shift is < inSize (at least `first`). */
function endValid(outSize: number, inSize: number, stride: number, shift: number, first: number): number {
  const last = inSize - 1 - shift;
  const end = last < 0 ? 0 : Math.min(outSize, Math.floor(last / stride) + 1);
  return Math.max(end, first);
}

// im2col and col2im compute, once per kernel tap, the range of output rows and columns whose input cell lies inside
// the image: the copy loops then run without bounds tests, and padding becomes a few `fill(0)` calls.

/** Unfold the input channels of one group of image n into col [groupIn * kh * kw, outH * outW]. */
function im2col(x: FloatArray, g: ConvGeometry, n: number, group: number, col: FloatArray): void {
  const { height, width, outH, outW, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW } =
    g;
  const cols = outH * outW;
  const srcRowStep = strideH * width;
  let base = 0;
  for (let c = 0; c < g.groupIn; c++) {
    const plane = (n * g.inChannels + group * g.groupIn + c) * height * width;
    for (let ki = 0; ki < kernelH; ki++) {
      const shiftH = ki * dilationH - padH;
      const ohLo = firstValid(outH, strideH, shiftH);
      const ohHi = endValid(outH, height, strideH, shiftH, ohLo);
      for (let kj = 0; kj < kernelW; kj++) {
        const shiftW = kj * dilationW - padW;
        const owLo = firstValid(outW, strideW, shiftW);
        const owHi = endValid(outW, width, strideW, shiftW, owLo);
        if (ohLo > 0) col.fill(0, base, base + ohLo * outW);
        if (ohHi < outH) col.fill(0, base + ohHi * outW, base + cols);
        const ragged = owLo > 0 || owHi < outW;
        let dst = base + ohLo * outW;
        let src = plane + (ohLo * strideH + shiftH) * width + shiftW;
        for (let oh = ohLo; oh < ohHi; oh++) {
          if (ragged) {
            col.fill(0, dst, dst + owLo);
            col.fill(0, dst + owHi, dst + outW);
          }
          if (strideW === 1) {
            for (let ow = owLo; ow < owHi; ow++) col[dst + ow] = x[src + ow]!;
          } else {
            let s = src + owLo * strideW;
            for (let ow = owLo; ow < owHi; ow++) {
              col[dst + ow] = x[s]!;
              s += strideW;
            }
          }
          dst += outW;
          src += srcRowStep;
        }
        base += cols;
      }
    }
  }
}

/** The adjoint of im2col: add col [groupIn * kh * kw, outH * outW] into the group's channels of image n of dx. */
function col2im(col: FloatArray, g: ConvGeometry, n: number, group: number, dx: FloatArray): void {
  const { height, width, outH, outW, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW } =
    g;
  const cols = outH * outW;
  const dstRowStep = strideH * width;
  let base = 0;
  for (let c = 0; c < g.groupIn; c++) {
    const plane = (n * g.inChannels + group * g.groupIn + c) * height * width;
    for (let ki = 0; ki < kernelH; ki++) {
      const shiftH = ki * dilationH - padH;
      const ohLo = firstValid(outH, strideH, shiftH);
      const ohHi = endValid(outH, height, strideH, shiftH, ohLo);
      for (let kj = 0; kj < kernelW; kj++) {
        const shiftW = kj * dilationW - padW;
        const owLo = firstValid(outW, strideW, shiftW);
        const owHi = endValid(outW, width, strideW, shiftW, owLo);
        let src = base + ohLo * outW;
        let dst = plane + (ohLo * strideH + shiftH) * width + shiftW;
        for (let oh = ohLo; oh < ohHi; oh++) {
          if (strideW === 1) {
            for (let ow = owLo; ow < owHi; ow++) dx[dst + ow] = dx[dst + ow]! + col[src + ow]!;
          } else {
            let d = dst + owLo * strideW;
            for (let ow = owLo; ow < owHi; ow++) {
              dx[d] = dx[d]! + col[src + ow]!;
              d += strideW;
            }
          }
          src += outW;
          dst += dstRowStep;
        }
        base += cols;
      }
    }
  }
}

/**
 * Conv2D: x [N, C, H, W] and filter [O, C / groups, kh, kw] -> [N, O, OH, OW], with OH = floor((H + 2 pad - dilation
 * (kh - 1) - 1) / stride) + 1 (PyTorch's conv2d, cross-correlation). Per image and group, out = filter x im2col(x).
 *
 * @example conv2d([x, w], { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 } as never, backend)
 */
export const conv2d: KernelFn = (inputs, attrs, _backend): TensorInfo => {
  const xInfo = inputs[0]!;
  const wInfo = inputs[1]!;
  const g = geometry('conv2d', xInfo.shape, wInfo.shape, attrs as Conv2DAttrs);
  const dtype = xInfo.dtype;
  const x = xInfo.handle as FloatArray;
  const w = wInfo.handle as FloatArray;
  const out = allocate(dtype, g.batch * g.outChannels * g.colCols) as FloatArray;
  const col = g.pointwise ? x : colScratch(dtype, g.colRows * g.colCols);
  for (let n = 0; n < g.batch; n++) {
    for (let group = 0; group < g.groups; group++) {
      let colOffset = 0;
      if (g.pointwise) colOffset = (n * g.inChannels + group * g.groupIn) * g.colCols;
      else im2col(x, g, n, group, col);
      // out[n, group block] (groupOut x OHW) = W_group (groupOut x colRows) * col (colRows x OHW)
      gemm(
        g.groupOut,
        g.colCols,
        g.colRows,
        w,
        group * g.groupOut * g.colRows,
        g.colRows,
        1,
        col,
        colOffset,
        g.colCols,
        1,
        out,
        (n * g.outChannels + group * g.groupOut) * g.colCols,
        g.colCols,
        false,
      );
    }
  }
  return { handle: out, shape: [g.batch, g.outChannels, g.outH, g.outW], dtype };
};

/**
 * Conv2DBackpropInput: dy [N, O, OH, OW] and filter -> dx of `inputShape`, the adjoint of conv2d in x:
 * dx = col2im(W^T dy) per image and group.
 *
 * @example conv2dBackpropInput([dy, w], { ...convAttrs, inputShape: [N, C, H, W] } as never, backend)
 */
export const conv2dBackpropInput: KernelFn = (inputs, attrs, _backend): TensorInfo => {
  const dyInfo = inputs[0]!;
  const wInfo = inputs[1]!;
  const a = attrs as Conv2DBackpropInputAttrs;
  const g = geometry('conv2dBackpropInput', a.inputShape, wInfo.shape, a);
  checkDy('conv2dBackpropInput', dyInfo.shape, g);
  const dtype = dyInfo.dtype;
  const dy = dyInfo.handle as FloatArray;
  const w = wInfo.handle as FloatArray;
  const dx = allocate(dtype, g.batch * g.inChannels * g.height * g.width) as FloatArray;
  const col = g.pointwise ? dx : colScratch(dtype, g.colRows * g.colCols);
  for (let n = 0; n < g.batch; n++) {
    for (let group = 0; group < g.groups; group++) {
      // col (colRows x OHW) = W_group^T (colRows x groupOut) * dy[n, group block] (groupOut x OHW)
      const colOffset = g.pointwise ? (n * g.inChannels + group * g.groupIn) * g.colCols : 0;
      gemm(
        g.colRows,
        g.colCols,
        g.groupOut,
        w,
        group * g.groupOut * g.colRows,
        1,
        g.colRows,
        dy,
        (n * g.outChannels + group * g.groupOut) * g.colCols,
        g.colCols,
        1,
        col,
        colOffset,
        g.colCols,
        false,
      );
      if (!g.pointwise) col2im(col, g, n, group, dx);
    }
  }
  return { handle: dx, shape: [g.batch, g.inChannels, g.height, g.width], dtype };
};

/**
 * Conv2DBackpropFilter: x [N, C, H, W] and dy [N, O, OH, OW] -> dfilter of `filterShape`, the adjoint of conv2d in
 * the filter: dW_group = sum over images of dy[n, group block] im2col(x_n)^T.
 *
 * @example conv2dBackpropFilter([x, dy], { ...convAttrs, filterShape: [O, C, kh, kw] } as never, backend)
 */
export const conv2dBackpropFilter: KernelFn = (inputs, attrs, _backend): TensorInfo => {
  const xInfo = inputs[0]!;
  const dyInfo = inputs[1]!;
  const a = attrs as Conv2DBackpropFilterAttrs;
  const g = geometry('conv2dBackpropFilter', xInfo.shape, a.filterShape, a);
  checkDy('conv2dBackpropFilter', dyInfo.shape, g);
  const dtype = xInfo.dtype;
  const x = xInfo.handle as FloatArray;
  const dy = dyInfo.handle as FloatArray;
  const dw = allocate(dtype, g.outChannels * g.colRows) as FloatArray;
  const col = g.pointwise ? x : colScratch(dtype, g.colRows * g.colCols);
  for (let n = 0; n < g.batch; n++) {
    for (let group = 0; group < g.groups; group++) {
      let colOffset = 0;
      if (g.pointwise) colOffset = (n * g.inChannels + group * g.groupIn) * g.colCols;
      else im2col(x, g, n, group, col);
      // dW_group (groupOut x colRows) += dy[n, group block] (groupOut x OHW) * col^T (OHW x colRows)
      gemm(
        g.groupOut,
        g.colRows,
        g.colCols,
        dy,
        (n * g.outChannels + group * g.groupOut) * g.colCols,
        g.colCols,
        1,
        col,
        colOffset,
        1,
        g.colCols,
        dw,
        group * g.groupOut * g.colRows,
        g.colRows,
        n > 0,
      );
    }
  }
  return { handle: dw, shape: [g.outChannels, g.groupIn, g.kernelH, g.kernelW], dtype };
};

/** Check that dy has the convolution's output shape. */
export function checkDy(op: string, dyShape: Shape, g: ConvGeometry): void {
  const expected = [g.batch, g.outChannels, g.outH, g.outW];
  if (dyShape.length !== 4 || expected.some((d, i) => dyShape[i] !== d)) {
    throw new Error(`${op}: dy has shape ${formatShape(dyShape)}, expected ${formatShape(expected)}`);
  }
}
