/**
 * The geometry of the current convolution call, set once by conv.ts's setConvGeometry and read by conv.ts's GEMM
 * kernels and winograd.ts's (one copy of the state, so the two can never disagree).
 */

export let batch = 0;
export let inChannels = 0;
export let height = 0;
export let width = 0;
export let outChannels = 0;
export let kernelH = 0;
export let kernelW = 0;
export let strideH = 0;
export let strideW = 0;
export let padH = 0;
export let padW = 0;
export let dilationH = 0;
export let dilationW = 0;
export let groups = 0;
export let outH = 0;
export let outW = 0;
export let groupIn = 0;
export let groupOut = 0;
/** Rows of the (implicit) im2col matrix per group: groupIn x kernelH x kernelW. */
export let colRows = 0;
/** Output pixels per image: outH x outW. */
export let colCols = 0;

/** Record a convolution's geometry (validated by the caller) and what follows from it. */
export function setGeometry(
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
}
