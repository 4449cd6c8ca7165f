/**
 * Max and average pooling over NCHW planes and their backprops for WebAssembly (float32): the same rules as the
 * TypeScript kernels in src/backends/cpu/pool.ts (padding never wins a max, the first maximum takes the gradient,
 * NaN propagates; average pooling counts padded cells in the divisor). The caller validates and sets the geometry.
 */

let planes = 0;
let height = 0;
let width = 0;
let kernelH = 0;
let kernelW = 0;
let strideH = 0;
let strideW = 0;
let padH = 0;
let padW = 0;
let outH = 0;
let outW = 0;

/** Record a pooling geometry (planes = N C; output size computed by the caller). */
export function setPoolGeometry(
  p: i32,
  h: i32,
  w: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  ph: i32,
  pw: i32,
  oh: i32,
  ow: i32,
): void {
  planes = p;
  height = h;
  width = w;
  kernelH = kh;
  kernelW = kw;
  strideH = sh;
  strideW = sw;
  padH = ph;
  padW = pw;
  outH = oh;
  outW = ow;
}

// NOTE: max pooling's compares are data-dependent and its windows tiny. With branches, mispredictions (about one
// per compare on random data, plus the exits of two-iteration loops) cost ~50 cycles per 2x2 window, as much in wasm
// as in TypeScript; V8 also lowers a float `select` to branches. So the scalar path selects the integer address only
// (a cmov) and reloads the value, and 2x2 windows with stride 2 and no padding (Nielsen's and LeNet's pooling) take
// four windows at a time in SIMD with v128.bitselect. Both keep the TypeScript kernel's rule exactly: larger wins,
// ties keep the first, a NaN wins and stays.

/** Byte address of the first maximum of window (oh, ow) of the plane at `plane`. */
// @ts-ignore: decorator
@inline
function argmaxOfWindow(plane: usize, oh: i32, ow: i32): usize {
  const h0 = oh * strideH - padH;
  const w0 = ow * strideW - padW;
  const hLo = max(h0, 0);
  const hHi = min(h0 + kernelH, height);
  const wLo = max(w0, 0);
  const wHi = min(w0 + kernelW, width);
  let best = plane + ((<usize>(hLo * width + wLo)) << 2);
  for (let h = hLo; h < hHi; h++) {
    const row = plane + ((<usize>(h * width)) << 2);
    for (let w = wLo; w < wHi; w++) {
      const at = row + ((<usize>w) << 2);
      const v = load<f32>(at);
      const bestValue = load<f32>(best);
      best = select(at, best, !(v <= bestValue) & (bestValue == bestValue));
    }
  }
  return best;
}

/** True for 2x2 windows with stride 2 and no padding: the SIMD path. */
// @ts-ignore: decorator
@inline
function isVectorizable(): bool {
  return kernelH == 2 && kernelW == 2 && strideH == 2 && strideW == 2 && padH == 0 && padW == 0;
}

/** Lane mask: where `v` beats `best` (larger, and best not NaN). */
// @ts-ignore: decorator
@inline
function beats(v: v128, best: v128): v128 {
  return v128.and(v128.not(f32x4.le(v, best)), f32x4.eq(best, best));
}

/**
 * Four adjacent 2x2 windows whose first top-left cell is at `at`: their maxima, and in `offsets` (a v128 global set
 * as a side result) each maximum's byte offset from `at`.
 */
let offsets: v128 = i32x4.splat(0);

// @ts-ignore: decorator
@inline
function max2x2x4(at: usize, rowBytes: usize, withOffsets: bool): v128 {
  const a = v128.load(at);
  const b = v128.load(at, 16);
  const c = v128.load(at + rowBytes);
  const d = v128.load(at + rowBytes, 16);
  let best = v128.shuffle<f32>(a, b, 0, 2, 4, 6);
  let v = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
  let take = beats(v, best);
  best = v128.bitselect(v, best, take);
  let off = i32x4(0, 8, 16, 24);
  if (withOffsets) off = v128.bitselect(i32x4(4, 12, 20, 28), off, take);
  v = v128.shuffle<f32>(c, d, 0, 2, 4, 6);
  take = beats(v, best);
  best = v128.bitselect(v, best, take);
  const r = <i32>rowBytes;
  if (withOffsets) off = v128.bitselect(i32x4.add(i32x4(0, 8, 16, 24), i32x4.splat(r)), off, take);
  v = v128.shuffle<f32>(c, d, 1, 3, 5, 7);
  take = beats(v, best);
  best = v128.bitselect(v, best, take);
  if (withOffsets) {
    off = v128.bitselect(i32x4.add(i32x4(4, 12, 20, 28), i32x4.splat(r)), off, take);
    offsets = off;
  }
  return best;
}

/** out [planes, outH, outW] = the maximum of each window of x [planes, height, width]. */
export function maxPool2d(x: usize, out: usize): void {
  const planeBytes = (<usize>(height * width)) << 2;
  const rowBytes = (<usize>width) << 2;
  const vector = isVectorizable();
  let o = out;
  for (let p = 0; p < planes; p++) {
    const plane = x + <usize>p * planeBytes;
    for (let oh = 0; oh < outH; oh++) {
      let ow = 0;
      if (vector) {
        const row = plane + <usize>(2 * oh) * rowBytes;
        for (; ow + 4 <= outW; ow += 4) {
          v128.store(o, max2x2x4(row + ((<usize>ow) << 3), rowBytes, false));
          o += 16;
        }
      }
      for (; ow < outW; ow++) {
        store<f32>(o, load<f32>(argmaxOfWindow(plane, oh, ow)));
        o += 4;
      }
    }
  }
}

/** dx [planes, height, width] (overwritten) gets each window's dy at the window's first maximum in x. */
export function maxPool2dGrad(dy: usize, x: usize, dx: usize): void {
  const planeBytes = (<usize>(height * width)) << 2;
  const rowBytes = (<usize>width) << 2;
  memory.fill(dx, 0, <usize>planes * planeBytes);
  const vector = isVectorizable();
  const target = dx - x; // the same offset in dx as in x
  let o = dy;
  for (let p = 0; p < planes; p++) {
    const plane = x + <usize>p * planeBytes;
    for (let oh = 0; oh < outH; oh++) {
      let ow = 0;
      if (vector) {
        const row = plane + <usize>(2 * oh) * rowBytes;
        for (; ow + 4 <= outW; ow += 4) {
          // Windows with stride 2 do not overlap: each cell of dx gets at most one gradient, so store, not add.
          const at = row + ((<usize>ow) << 3) + target;
          max2x2x4(at - target, rowBytes, true);
          const g = offsets;
          store<f32>(at + <usize>i32x4.extract_lane(g, 0), load<f32>(o));
          store<f32>(at + <usize>i32x4.extract_lane(g, 1), load<f32>(o, 4));
          store<f32>(at + <usize>i32x4.extract_lane(g, 2), load<f32>(o, 8));
          store<f32>(at + <usize>i32x4.extract_lane(g, 3), load<f32>(o, 12));
          o += 16;
        }
      }
      for (; ow < outW; ow++) {
        const at = argmaxOfWindow(plane, oh, ow) + target;
        store<f32>(at, load<f32>(at) + load<f32>(o));
        o += 4;
      }
    }
  }
}

/** out = the mean of each window, padded cells counting as zeros (the divisor is always kh kw). */
export function avgPool2d(x: usize, out: usize): void {
  const planeBytes = (<usize>(height * width)) << 2;
  const scale: f32 = 1 / <f32>(kernelH * kernelW);
  let o = out;
  for (let p = 0; p < planes; p++) {
    const plane = x + <usize>p * planeBytes;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * strideH - padH;
      const hLo = max(h0, 0);
      const hHi = min(h0 + kernelH, height);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = ow * strideW - padW;
        const wLo = max(w0, 0);
        const wHi = min(w0 + kernelW, width);
        let s: f32 = 0;
        for (let h = hLo; h < hHi; h++) {
          const row = plane + ((<usize>(h * width)) << 2);
          for (let w = wLo; w < wHi; w++) s += load<f32>(row + ((<usize>w) << 2));
        }
        store<f32>(o, s * scale);
        o += 4;
      }
    }
  }
}

/** dx (overwritten): each window spreads dy / (kh kw) over its cells inside the input. */
export function avgPool2dGrad(dy: usize, dx: usize): void {
  const planeBytes = (<usize>(height * width)) << 2;
  const scale: f32 = 1 / <f32>(kernelH * kernelW);
  memory.fill(dx, 0, <usize>planes * planeBytes);
  let o = dy;
  for (let p = 0; p < planes; p++) {
    const plane = dx + <usize>p * planeBytes;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * strideH - padH;
      const hLo = max(h0, 0);
      const hHi = min(h0 + kernelH, height);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = ow * strideW - padW;
        const wLo = max(w0, 0);
        const wHi = min(w0 + kernelW, width);
        const v = load<f32>(o) * scale;
        o += 4;
        for (let h = hLo; h < hHi; h++) {
          const row = plane + ((<usize>(h * width)) << 2);
          for (let w = wLo; w < wHi; w++) {
            const at = row + ((<usize>w) << 2);
            store<f32>(at, load<f32>(at) + v);
          }
        }
      }
    }
  }
}
