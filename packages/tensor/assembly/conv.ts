/**
 * 2-D convolution (NCHW, filters [O, C / groups, kh, kw]) and its two backprops for WebAssembly: im2col / col2im
 * around `sgemm`, the same algorithm as the TypeScript kernels in src/backends/cpu/conv2d.ts. The caller sets the
 * geometry once with `setConvGeometry`, then passes byte addresses of the operands and of an im2col scratch of
 * colRows x colCols floats (unused for pointwise convolutions).
 */
import { sgemm } from './gemm';

let batch = 0;
let inChannels = 0;
let height = 0;
let width = 0;
let outChannels = 0;
let kernelH = 0;
let kernelW = 0;
let strideH = 0;
let strideW = 0;
let padH = 0;
let padW = 0;
let dilationH = 0;
let dilationW = 0;
let groups = 0;
let outH = 0;
let outW = 0;
let groupIn = 0;
let groupOut = 0;
let colRows = 0;
let colCols = 0;
let pointwise = false;

/** Record a convolution's geometry (validated by the caller) for the three kernels below. */
export function setConvGeometry(
  n: i32,
  c: i32,
  h: i32,
  w: i32,
  o: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  ph: i32,
  pw: i32,
  dh: i32,
  dw: i32,
  g: i32,
): void {
  batch = n;
  inChannels = c;
  height = h;
  width = w;
  outChannels = o;
  kernelH = kh;
  kernelW = kw;
  strideH = sh;
  strideW = sw;
  padH = ph;
  padW = pw;
  dilationH = dh;
  dilationW = dw;
  groups = g;
  outH = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
  outW = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
  groupIn = c / g;
  groupOut = o / g;
  colRows = groupIn * kh * kw;
  colCols = outH * outW;
  pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
}

/** The first output index o whose input coordinate o stride + shift is >= 0 (clamped to outSize). */
// @ts-ignore: decorator
@inline
function firstValid(outSize: i32, stride: i32, shift: i32): i32 {
  return shift >= 0 ? 0 : min(outSize, (-shift + stride - 1) / stride);
}

/** One past the last output index o whose input coordinate o stride + shift is < inSize (at least `first`). */
// @ts-ignore: decorator
@inline
function endValid(outSize: i32, inSize: i32, stride: i32, shift: i32, first: i32): i32 {
  const last = inSize - 1 - shift;
  const end = last < 0 ? 0 : min(outSize, last / stride + 1);
  return max(end, first);
}

/** Byte address of channel `channel` of image n in an NCHW tensor at `base` with `planeSize` floats per channel. */
// @ts-ignore: decorator
@inline
function plane(base: usize, n: i32, channels: i32, channel: i32, planeSize: i32): usize {
  return base + ((<usize>((n * channels + channel) * planeSize)) << 2);
}

// NOTE: im2col copies rows of outW floats (8 to 24 in Nielsen's layers); memory.copy / memory.fill are calls into
// the engine, and at these lengths the call costs more than the copy (measured: a third of the 40-filter layer's
// forward time went to memory.copy of 32-byte rows). These loops are inlined.

/** Copy n floats from src to dst (the ranges do not overlap). */
// @ts-ignore: decorator
@inline
function copyFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dst + o, v128.load(src + o));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dst + o, load<f32>(src + o));
  }
}

/** Zero n floats at dst. */
// @ts-ignore: decorator
@inline
function zeroFloats(dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(dst + ((<usize>i) << 2), 0);
}

/** Unfold the input channels of one group of image n into col [colRows, colCols] (the inner loops need no tests). */
function im2col(x: usize, n: i32, group: i32, col: usize): void {
  const cols = colCols;
  let base = col;
  for (let c = 0; c < groupIn; c++) {
    const src0 = plane(x, n, inChannels, group * groupIn + c, height * width);
    for (let ki = 0; ki < kernelH; ki++) {
      const shiftH = ki * dilationH - padH;
      const ohLo = firstValid(outH, strideH, shiftH);
      const ohHi = endValid(outH, height, strideH, shiftH, ohLo);
      for (let kj = 0; kj < kernelW; kj++) {
        const shiftW = kj * dilationW - padW;
        const owLo = firstValid(outW, strideW, shiftW);
        const owHi = endValid(outW, width, strideW, shiftW, owLo);
        if (ohLo > 0) memory.fill(base, 0, (<usize>(ohLo * outW)) << 2);
        if (ohHi < outH) memory.fill(base + ((<usize>(ohHi * outW)) << 2), 0, (<usize>((outH - ohHi) * outW)) << 2);
        let dst = base + ((<usize>(ohLo * outW)) << 2);
        let src = src0 + ((<usize>((ohLo * strideH + shiftH) * width + shiftW)) << 2);
        const span = owHi - owLo;
        for (let oh = ohLo; oh < ohHi; oh++) {
          if (owLo > 0) zeroFloats(dst, owLo);
          if (owHi < outW) zeroFloats(dst + ((<usize>owHi) << 2), outW - owHi);
          if (strideW == 1) {
            copyFloats(dst + ((<usize>owLo) << 2), src + ((<usize>owLo) << 2), span);
          } else {
            let s = src + ((<usize>(owLo * strideW)) << 2);
            const step = (<usize>strideW) << 2;
            for (let ow = owLo; ow < owHi; ow++) {
              store<f32>(dst + ((<usize>ow) << 2), load<f32>(s));
              s += step;
            }
          }
          dst += (<usize>outW) << 2;
          src += (<usize>(strideH * width)) << 2;
        }
        base += (<usize>cols) << 2;
      }
    }
  }
}

/** The adjoint of im2col: add col [colRows, colCols] into the group's channels of image n of dx. */
function col2im(col: usize, n: i32, group: i32, dx: usize): void {
  const cols = colCols;
  let base = col;
  for (let c = 0; c < groupIn; c++) {
    const dst0 = plane(dx, n, inChannels, group * groupIn + c, height * width);
    for (let ki = 0; ki < kernelH; ki++) {
      const shiftH = ki * dilationH - padH;
      const ohLo = firstValid(outH, strideH, shiftH);
      const ohHi = endValid(outH, height, strideH, shiftH, ohLo);
      for (let kj = 0; kj < kernelW; kj++) {
        const shiftW = kj * dilationW - padW;
        const owLo = firstValid(outW, strideW, shiftW);
        const owHi = endValid(outW, width, strideW, shiftW, owLo);
        let src = base + ((<usize>(ohLo * outW)) << 2);
        let dst = dst0 + ((<usize>((ohLo * strideH + shiftH) * width + shiftW)) << 2);
        for (let oh = ohLo; oh < ohHi; oh++) {
          if (strideW == 1) {
            let ow = owLo;
            for (; ow + 4 <= owHi; ow += 4) {
              const o = (<usize>ow) << 2;
              v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
            }
            for (; ow < owHi; ow++) {
              const o = (<usize>ow) << 2;
              store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
            }
          } else {
            let d = dst + ((<usize>(owLo * strideW)) << 2);
            const step = (<usize>strideW) << 2;
            for (let ow = owLo; ow < owHi; ow++) {
              store<f32>(d, load<f32>(d) + load<f32>(src + ((<usize>ow) << 2)));
              d += step;
            }
          }
          src += (<usize>outW) << 2;
          dst += (<usize>(strideH * width)) << 2;
        }
        base += (<usize>cols) << 2;
      }
    }
  }
}

/** out [N, O, OH, OW] = per image and group, W_group (groupOut x colRows) times im2col(x) (colRows x OH OW). */
export function conv2dForward(x: usize, w: usize, out: usize, col: usize): void {
  for (let n = 0; n < batch; n++) {
    for (let group = 0; group < groups; group++) {
      let b = col;
      if (pointwise) b = plane(x, n, inChannels, group * groupIn, colCols);
      else im2col(x, n, group, col);
      sgemm(
        groupOut,
        colCols,
        colRows,
        w + ((<usize>(group * groupOut * colRows)) << 2),
        colRows,
        1,
        b,
        colCols,
        1,
        plane(out, n, outChannels, group * groupOut, colCols),
        colCols,
        false,
      );
    }
  }
}

/** dx [N, C, H, W] = per image and group, col2im(W_group^T dy[n, group]); dx is overwritten. */
export function conv2dBackpropInput(dy: usize, w: usize, dx: usize, col: usize): void {
  memory.fill(dx, 0, (<usize>(batch * inChannels * height * width)) << 2);
  for (let n = 0; n < batch; n++) {
    for (let group = 0; group < groups; group++) {
      const target = pointwise ? plane(dx, n, inChannels, group * groupIn, colCols) : col;
      sgemm(
        colRows,
        colCols,
        groupOut,
        w + ((<usize>(group * groupOut * colRows)) << 2),
        1,
        colRows,
        plane(dy, n, outChannels, group * groupOut, colCols),
        colCols,
        1,
        target,
        colCols,
        false,
      );
      if (!pointwise) col2im(col, n, group, dx);
    }
  }
}

/** dW_group (groupOut x colRows) = sum over images of dy[n, group] (groupOut x OH OW) im2col(x_n)^T. */
export function conv2dBackpropFilter(x: usize, dy: usize, dw: usize, col: usize): void {
  // An empty batch has a zero gradient (the loop below would leave dw untouched).
  if (batch == 0) memory.fill(dw, 0, (<usize>(outChannels * colRows)) << 2);
  for (let n = 0; n < batch; n++) {
    for (let group = 0; group < groups; group++) {
      let b = col;
      if (pointwise) b = plane(x, n, inChannels, group * groupIn, colCols);
      else im2col(x, n, group, col);
      sgemm(
        groupOut,
        colRows,
        colCols,
        plane(dy, n, outChannels, group * groupOut, colCols),
        colCols,
        1,
        b,
        1,
        colCols,
        dw + ((<usize>(group * groupOut * colRows)) << 2),
        colRows,
        n > 0,
      );
    }
  }
}
