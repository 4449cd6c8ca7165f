/**
 * 2-D convolution (NCHW, filters [O, C / groups, kh, kw]) and its two backprops for WebAssembly, as GEMMs whose
 * im2col operand is never materialized: the packing step that feeds gemm.ts's 4x8 micro-kernel reads the image
 * directly (an implicit im2col). Per call and group the filter is packed once into 4-row panels (full depth) and
 * reused by every image; per image the unfolded input is packed straight into the 8-column panels the micro-kernel
 * reads. The filter gradient concatenates images along the depth (dy [O, images x pixels] times the transposed
 * unfolded input), so one depth block spans several small images. The input gradient (W^T dy, then col2im) adds
 * each register tile straight into dx (col2im fused into the GEMM's store).
 *
 * The caller sets the geometry once with `setConvGeometry`, then passes byte addresses of the operands and of a
 * scratch block of convScratchBytes() bytes (one per thread: everything a call writes besides its output is there).
 */
import {
  batch,
  colCols,
  colRows,
  dilationH,
  dilationW,
  groupIn,
  groupOut,
  groups,
  height,
  inChannels,
  kernelH,
  kernelW,
  outChannels,
  outH,
  outW,
  padH,
  padW,
  setGeometry,
  strideH,
  strideW,
  width,
} from './conv_geometry';
import { kernelTile, microKernel } from './gemm';
import { winogradFilterGrad, winogradForward, winogradScratchBytes } from './winograd';

/** Fewest input channels per group for the Winograd forward pass (the depth of its GEMMs). */
const WINOGRAD_MIN_CHANNELS = 8;
/** Most scratch bytes the Winograd kernels may take (network3's second layer: 1.2 MiB). */
const WINOGRAD_MAX_SCRATCH: usize = 4 << 20;
/** Depth of a packed block in the forward and input-gradient GEMMs (colRows and outChannels per group). */
const KC = 512;
/** Depth of a packed block of the filter gradient (images x pixels): several small images share one block. */
const KC_FILTER = 512;
/** Columns of B packed at once (a multiple of 8): up to 512 x 256 floats = 512 KiB, swept by each row block of A. */
const NC = 256;
/** Rows of A swept per packed B block (a multiple of 4). */
const MC = 128;

let pointwise = false;
/** The forward pass and the filter gradient run winograd.ts's F(2x2, 5x5) and F(5x5, 2x2) (see useWinograd). */
let winograd = false;
/**
 * Scratch layout (bytes from the scratch base): packed A, packed B, per-panel lane data, a 4x8 tile, and per-tap
 * offsets (input gradient).
 */
let offsetB: usize = 0;
let offsetLanes: usize = 0;
let offsetTile: usize = 0;
let offsetTaps: usize = 0;
let scratchBytes: usize = 0;

// @ts-ignore: decorator
@inline
function roundUp(v: i32, m: i32): i32 {
  return ((v + m - 1) / m) * m;
}

/** Images per depth block of the filter gradient (whole images when one fits in KC_FILTER), 0 when they do not. */
function imagesPerBlock(): i32 {
  return colCols <= KC_FILTER ? KC_FILTER / colCols : 0;
}

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
  allowWinograd: i32,
): void {
  setGeometry(n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, g);
  pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
  winograd = allowWinograd != 0 && useWinograd();
  // Packed A: the filter (forward), its transpose (input gradient), or a depth block of dy (filter gradient).
  const ipb = imagesPerBlock();
  const depthFilter = ipb > 0 ? ipb * colCols : KC_FILTER;
  const floatsA = max(
    max(roundUp(groupOut, 4) * colRows, roundUp(colRows, 4) * groupOut),
    roundUp(groupOut, 4) * depthFilter,
  );
  // Packed B: a depth block of NC columns (pixels, or filter taps for the filter gradient).
  const pixels = min(NC, roundUp(colCols, 8));
  const floatsB = max(min(KC, max(colRows, groupOut)) * pixels, depthFilter * min(NC, roundUp(colRows, 8)));
  offsetB = (<usize>roundUp(floatsA, 16)) << 2;
  offsetLanes = offsetB + ((<usize>roundUp(floatsB, 16)) << 2);
  offsetTile = offsetLanes + 128;
  offsetTaps = offsetTile + 128;
  scratchBytes = offsetTaps + ((<usize>roundUp(colRows, 16)) * 12);
  if (winograd) scratchBytes = max(scratchBytes, winogradScratchBytes(groupIn, groupOut));
}

/**
 * Whether the forward pass and the filter gradient of the geometry just set take Winograd's F(2x2, 5x5) and
 * F(5x5, 2x2): 5x5 filters, stride 1, no dilation, at least WINOGRAD_MIN_CHANNELS input channels per group (the
 * transformed GEMMs' depth), outputs of at least 4 x 4, and at most WINOGRAD_MAX_SCRATCH bytes of transforms (the
 * filter gradient's panels grow with the channels: 128 in and 64 out take 4.5 MiB, where the direct GEMM takes 1.3).
 */
function useWinograd(): bool {
  return (
    kernelH == 5 &&
    kernelW == 5 &&
    strideH == 1 &&
    strideW == 1 &&
    dilationH == 1 &&
    dilationW == 1 &&
    groupIn >= WINOGRAD_MIN_CHANNELS &&
    outH >= 4 &&
    outW >= 4 &&
    winogradScratchBytes(groupIn, groupOut) <= WINOGRAD_MAX_SCRATCH
  );
}

/** Bytes of scratch the kernels need for the current geometry (independent of the batch). */
export function convScratchBytes(): usize {
  return scratchBytes;
}

/** Byte address of channel `channel` of image n in an NCHW tensor at `base` with `planeSize` floats per channel. */
// @ts-ignore: decorator
@inline
function plane(base: usize, n: i32, channels: i32, channel: i32, planeSize: i32): usize {
  return base + ((<usize>((n * channels + channel) * planeSize)) << 2);
}

/**
 * Pack rows [0, m) x depths [0, k) of a row-major matrix (row stride rsBytes) into 4-row panels p-major at dst, the
 * panels panelBytes apart (rows past m are zero). Four depths of four rows at a time, transposed in registers.
 */
function packRows(src: usize, rsBytes: usize, m: i32, k: i32, dst: usize, panelBytes: usize): void {
  for (let i0 = 0; i0 < m; i0 += 4) {
    const rows = min(4, m - i0);
    let d = dst + <usize>(i0 >> 2) * panelBytes;
    let s = src + <usize>i0 * rsBytes;
    if (rows == 4) {
      let p = 0;
      for (; p + 4 <= k; p += 4) {
        const r0 = v128.load(s);
        const r1 = v128.load(s + rsBytes);
        const r2 = v128.load(s + 2 * rsBytes);
        const r3 = v128.load(s + 3 * rsBytes);
        const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        v128.store(d, v128.shuffle<f64>(t0, t1, 0, 2));
        v128.store(d, v128.shuffle<f64>(t0, t1, 1, 3), 16);
        v128.store(d, v128.shuffle<f64>(t2, t3, 0, 2), 32);
        v128.store(d, v128.shuffle<f64>(t2, t3, 1, 3), 48);
        d += 64;
        s += 16;
      }
      for (; p < k; p++) {
        store<f32>(d, load<f32>(s));
        store<f32>(d, load<f32>(s + rsBytes), 4);
        store<f32>(d, load<f32>(s + 2 * rsBytes), 8);
        store<f32>(d, load<f32>(s + 3 * rsBytes), 12);
        d += 16;
        s += 4;
      }
    } else {
      for (let p = 0; p < k; p++) {
        v128.store(d, f32x4.splat(0));
        for (let r = 0; r < rows; r++) store<f32>(d + ((<usize>r) << 2), load<f32>(s + <usize>r * rsBytes));
        d += 16;
        s += 4;
      }
    }
  }
}

/** Pack the transpose of an m-column row-major k x m matrix (row stride rsBytes) into 4-row panels at dst. */
function packColumns(src: usize, rsBytes: usize, m: i32, k: i32, dst: usize): void {
  let d = dst;
  for (let i0 = 0; i0 < m; i0 += 4) {
    const rows = min(4, m - i0);
    let s = src + ((<usize>i0) << 2);
    for (let p = 0; p < k; p++) {
      if (rows == 4) {
        v128.store(d, v128.load(s));
      } else {
        v128.store(d, f32x4.splat(0));
        for (let r = 0; r < rows; r++) store<f32>(d + ((<usize>r) << 2), load<f32>(s + ((<usize>r) << 2)));
      }
      d += 16;
      s += rsBytes;
    }
  }
}

/**
 * Pack columns [jc, jc + nc) of depth rows [pc, pc + kc) of a row-major matrix (row stride rsBytes) into 8-column
 * panels p-major at dst (columns past the end are zero).
 */
function packRowsB(src: usize, rsBytes: usize, pc: i32, kc: i32, jc: i32, nc: i32, dst: usize): void {
  let d = dst;
  for (let j0 = jc; j0 < jc + nc; j0 += 8) {
    const cols = min(8, jc + nc - j0);
    let s = src + <usize>pc * rsBytes + ((<usize>j0) << 2);
    for (let p = 0; p < kc; p++) {
      if (cols == 8) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
      } else {
        v128.store(d, f32x4.splat(0));
        v128.store(d, f32x4.splat(0), 16);
        for (let j = 0; j < cols; j++) store<f32>(d + ((<usize>j) << 2), load<f32>(s + ((<usize>j) << 2)));
      }
      d += 32;
      s += rsBytes;
    }
  }
}

/**
 * The implicit im2col of the forward pass: pack depth rows [pc, pc + kc) (filter taps c, ki, kj) x output pixels
 * [jc, jc + nc) of image n's unfolded group into 8-pixel panels at dst. Per panel, the eight pixels' input origins go
 * to `lanes`. Along each kernel row (ki fixed, kj running), the taps whose eight input cells are all inside the image
 * are a tight loop: two v128 loads when the cells are adjacent in memory (a stride-1 output row, or a pointwise
 * convolution), else eight scalar loads; taps that touch the padding test each cell.
 */
function packIm2col(x: usize, n: i32, group: i32, pc: i32, kc: i32, jc: i32, nc: i32, dst: usize, lanes: usize): void {
  const hw = height * width;
  const xg = plane(x, n, inChannels, group * groupIn, hw);
  const taps = kernelH * kernelW;
  let d = dst;
  for (let q0 = jc; q0 < jc + nc; q0 += 8) {
    const count = min(8, jc + nc - q0);
    let oh = q0 / outW;
    let ow = q0 - oh * outW;
    let hMin = i32.MAX_VALUE;
    let hMax = i32.MIN_VALUE;
    let wMin = i32.MAX_VALUE;
    let wMax = i32.MIN_VALUE;
    let off0 = 0;
    let adjacent = count == 8;
    if (count == 8 && ow + 8 <= outW) {
      // One output row (the common case): the lanes in closed form.
      const ih = oh * strideH - padH;
      const iw = ow * strideW - padW;
      off0 = ih * width + iw;
      hMin = ih;
      hMax = ih;
      wMin = iw;
      wMax = iw + 7 * strideW;
      adjacent = strideW == 1;
      for (let l = 0; l < 8; l++) {
        const o = (<usize>l) << 2;
        store<i32>(lanes + o, ih);
        store<i32>(lanes + o, iw + l * strideW, 32);
        store<i32>(lanes + o, off0 + l * strideW, 64);
      }
    } else {
      for (let l = 0; l < count; l++) {
        const ih = oh * strideH - padH;
        const iw = ow * strideW - padW;
        const off = ih * width + iw;
        store<i32>(lanes + ((<usize>l) << 2), ih);
        store<i32>(lanes + ((<usize>l) << 2), iw, 32);
        store<i32>(lanes + ((<usize>l) << 2), off, 64);
        if (l == 0) off0 = off;
        else if (off != off0 + l) adjacent = false;
        hMin = min(hMin, ih);
        hMax = max(hMax, ih);
        wMin = min(wMin, iw);
        wMax = max(wMax, iw);
        if (++ow == outW) {
          ow = 0;
          oh++;
        }
      }
    }
    // Taps kj in [kjLo, kjHi) keep every lane inside the image's width.
    const kjLo = wMin >= 0 ? 0 : min(kernelW, (-wMin + dilationW - 1) / dilationW);
    const kjHi = max(kjLo, wMax >= width ? 0 : min(kernelW, (width - 1 - wMax) / dilationW + 1));
    let c = pc / taps;
    const rem = pc - c * taps;
    let ki = rem / kernelW;
    let kj = rem - ki * kernelW;
    let r = pc;
    const rEnd = pc + kc;
    while (r < rEnd) {
      const kjEnd = min(kernelW, kj + (rEnd - r));
      r += kjEnd - kj;
      const sh = ki * dilationH;
      const rowOff = c * hw + sh * width;
      let lo = kjEnd;
      let hi = kjEnd;
      if (hMin + sh >= 0 && hMax + sh < height) {
        lo = min(max(kj, kjLo), kjEnd);
        hi = max(lo, min(kjHi, kjEnd));
      }
      for (; kj < kjEnd; kj++) {
        if (kj == lo) {
          // The inside taps of this kernel row.
          if (adjacent) {
            let s = xg + ((<usize>(rowOff + off0 + kj * dilationW)) << 2);
            const step = (<usize>dilationW) << 2;
            for (; kj < hi; kj++) {
              v128.store(d, v128.load(s));
              v128.store(d, v128.load(s, 16), 16);
              d += 32;
              s += step;
            }
          } else {
            for (; kj < hi; kj++) {
              const s = xg + ((<usize>(rowOff + kj * dilationW)) << 2);
              v128.store(d, f32x4.splat(0));
              v128.store(d, f32x4.splat(0), 16);
              for (let l = 0; l < count; l++) {
                const o = (<usize>l) << 2;
                store<f32>(d + o, load<f32>(s + ((<usize>load<i32>(lanes + o, 64)) << 2)));
              }
              d += 32;
            }
          }
          if (kj == kjEnd) break;
        }
        const sw = kj * dilationW;
        v128.store(d, f32x4.splat(0));
        v128.store(d, f32x4.splat(0), 16);
        for (let l = 0; l < count; l++) {
          const o = (<usize>l) << 2;
          const ih = load<i32>(lanes + o) + sh;
          const iw = load<i32>(lanes + o, 32) + sw;
          if (<u32>ih < <u32>height && <u32>iw < <u32>width) {
            store<f32>(d + o, load<f32>(xg + ((<usize>(c * hw + ih * width + iw)) << 2)));
          }
        }
        d += 32;
      }
      kj = 0;
      if (++ki == kernelH) {
        ki = 0;
        c++;
      }
    }
  }
}

/**
 * The implicit transposed im2col of the filter gradient: pack filter taps [jc, jc + nc) (columns of dW) x the
 * depth block (pixels [p0, p0 + plen) of images n0 .. n0 + images - 1) into 8-tap panels at dst. Four adjacent
 * output pixels whose input cells are all inside the image, for all eight taps, are eight v128 loads and two 4x4
 * transposes; other pixels go one by one, testing each cell.
 */
function packIm2colT(
  x: usize,
  group: i32,
  n0: i32,
  images: i32,
  p0: i32,
  plen: i32,
  jc: i32,
  nc: i32,
  dst: usize,
  lanes: usize,
): void {
  const hw = height * width;
  const taps = kernelH * kernelW;
  let d = dst;
  for (let j0 = jc; j0 < jc + nc; j0 += 8) {
    const count = min(8, jc + nc - j0);
    let hMin = i32.MAX_VALUE;
    let hMax = i32.MIN_VALUE;
    let wMin = i32.MAX_VALUE;
    let wMax = i32.MIN_VALUE;
    for (let l = 0; l < count; l++) {
      const j = j0 + l;
      const c = j / taps;
      const rem = j - c * taps;
      const ki = rem / kernelW;
      const sh = ki * dilationH;
      const sw = (rem - ki * kernelW) * dilationW;
      store<i32>(lanes + ((<usize>l) << 2), sh);
      store<i32>(lanes + ((<usize>l) << 2), sw, 32);
      store<i32>(lanes + ((<usize>l) << 2), c * hw + sh * width + sw, 64);
      hMin = min(hMin, sh);
      hMax = max(hMax, sh);
      wMin = min(wMin, sw);
      wMax = max(wMax, sw);
    }
    // Lanes past a ragged panel's end read lane 0's cells (their columns of C are never stored).
    for (let l = count; l < 8; l++) store<i32>(lanes + ((<usize>l) << 2), load<i32>(lanes, 64), 64);
    const vector = strideW == 1;
    const o0 = load<i32>(lanes, 64);
    const o1 = load<i32>(lanes, 68);
    const o2 = load<i32>(lanes, 72);
    const o3 = load<i32>(lanes, 76);
    const o4 = load<i32>(lanes, 80);
    const o5 = load<i32>(lanes, 84);
    const o6 = load<i32>(lanes, 88);
    const o7 = load<i32>(lanes, 92);
    for (let i = 0; i < images; i++) {
      const xg = plane(x, n0 + i, inChannels, group * groupIn, hw);
      let oh = p0 / outW;
      let ow = p0 - oh * outW;
      const end = p0 + plen;
      let p = p0;
      while (p < end) {
        const ih = oh * strideH - padH;
        const iw = ow * strideW - padW;
        if (
          vector &&
          ow + 4 <= outW &&
          p + 4 <= end &&
          ih + hMin >= 0 &&
          ih + hMax < height &&
          iw + wMin >= 0 &&
          iw + 3 + wMax < width
        ) {
          const s = xg + ((<usize>(ih * width + iw)) << 2);
          const r0 = v128.load(s + ((<usize>o0) << 2));
          const r1 = v128.load(s + ((<usize>o1) << 2));
          const r2 = v128.load(s + ((<usize>o2) << 2));
          const r3 = v128.load(s + ((<usize>o3) << 2));
          const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
          const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
          v128.store(d, v128.shuffle<f64>(t0, t1, 0, 2));
          v128.store(d, v128.shuffle<f64>(t0, t1, 1, 3), 32);
          v128.store(d, v128.shuffle<f64>(t2, t3, 0, 2), 64);
          v128.store(d, v128.shuffle<f64>(t2, t3, 1, 3), 96);
          const r4 = v128.load(s + ((<usize>o4) << 2));
          const r5 = v128.load(s + ((<usize>o5) << 2));
          const r6 = v128.load(s + ((<usize>o6) << 2));
          const r7 = v128.load(s + ((<usize>o7) << 2));
          const u0 = v128.shuffle<f32>(r4, r5, 0, 4, 1, 5);
          const u1 = v128.shuffle<f32>(r6, r7, 0, 4, 1, 5);
          const u2 = v128.shuffle<f32>(r4, r5, 2, 6, 3, 7);
          const u3 = v128.shuffle<f32>(r6, r7, 2, 6, 3, 7);
          v128.store(d, v128.shuffle<f64>(u0, u1, 0, 2), 16);
          v128.store(d, v128.shuffle<f64>(u0, u1, 1, 3), 48);
          v128.store(d, v128.shuffle<f64>(u2, u3, 0, 2), 80);
          v128.store(d, v128.shuffle<f64>(u2, u3, 1, 3), 112);
          d += 128;
          p += 4;
          ow += 4;
        } else {
          v128.store(d, f32x4.splat(0));
          v128.store(d, f32x4.splat(0), 16);
          for (let l = 0; l < count; l++) {
            const h = ih + load<i32>(lanes + ((<usize>l) << 2));
            const w = iw + load<i32>(lanes + ((<usize>l) << 2), 32);
            if (<u32>h < <u32>height && <u32>w < <u32>width) {
              const off = ih * width + iw + load<i32>(lanes + ((<usize>l) << 2), 64);
              store<f32>(d + ((<usize>l) << 2), load<f32>(xg + ((<usize>off) << 2)));
            }
          }
          d += 32;
          p++;
          ow++;
        }
        if (ow == outW) {
          ow = 0;
          oh++;
        }
      }
    }
  }
}

/**
 * C (m x nc at c, row stride ldcBytes) (+)= packed A (4-row panels from pa, panelBytes apart, depth kc) times the
 * packed B block (nc columns of depth kc at pb): per MC rows of A, every B panel against every A panel.
 */
function sweep(pa: usize, panelBytes: usize, m: i32, pb: usize, kc: i32, nc: i32, c: usize, ldcBytes: usize, add: bool): void {
  for (let ic = 0; ic < m; ic += MC) {
    const iEnd = min(m, ic + MC);
    for (let j0 = 0; j0 < nc; j0 += 8) {
      const cols = min(8, nc - j0);
      const pbj = pb + ((<usize>(j0 * kc)) << 2);
      const cj = c + ((<usize>j0) << 2);
      for (let i0 = ic; i0 < iEnd; i0 += 4) {
        const rows = min(4, m - i0);
        kernelTile(kc, pa + <usize>(i0 >> 2) * panelBytes, pbj, cj + <usize>i0 * ldcBytes, ldcBytes, rows, cols, add);
      }
    }
  }
}

/** out [N, O, OH, OW] = per image and group, W_group (groupOut x colRows) times im2col(x) (colRows x OH OW). */
export function conv2dForward(x: usize, w: usize, out: usize, scratch: usize): void {
  if (colRows == 0) {
    memory.fill(out, 0, (<usize>(batch * outChannels * colCols)) << 2);
    return;
  }
  if (winograd) {
    winogradForward(x, w, out, scratch);
    return;
  }
  const pa = scratch;
  const pb = scratch + offsetB;
  const lanes = scratch + offsetLanes;
  const panelBytes = (<usize>colRows) << 4;
  const ldcBytes = (<usize>colCols) << 2;
  for (let group = 0; group < groups; group++) {
    packRows(w + ((<usize>(group * groupOut * colRows)) << 2), (<usize>colRows) << 2, groupOut, colRows, pa, panelBytes);
    for (let n = 0; n < batch; n++) {
      const c = plane(out, n, outChannels, group * groupOut, colCols);
      for (let pc = 0; pc < colRows; pc += KC) {
        const kc = min(KC, colRows - pc);
        for (let jc = 0; jc < colCols; jc += NC) {
          const nc = min(NC, colCols - jc);
          packIm2col(x, n, group, pc, kc, jc, nc, pb, lanes);
          sweep(pa + ((<usize>pc) << 4), panelBytes, groupOut, pb, kc, nc, c + ((<usize>jc) << 2), ldcBytes, pc > 0);
        }
      }
    }
  }
}

/**
 * Pack W_group^T (colRows x groupOut, at src the groupOut x colRows filter) into 4-tap panels for the input gradient,
 * interleaved: panel i holds taps i, i + Q, i + 2Q, i + 3Q (Q = ceil(colRows / 4); missing taps are zero rows). A
 * register tile's four rows then land in different kernel rows or channels of dx, never in overlapping cells:
 * adjacent taps' rows overlap, and adding one right after storing the other stalls store-to-load forwarding.
 */
function packTaps(src: usize, dst: usize): void {
  const q = (colRows + 3) >> 2;
  let d = dst;
  const rs = (<usize>colRows) << 2;
  for (let i = 0; i < q; i++) {
    const t1 = i + q;
    const t2 = t1 + q;
    const t3 = t2 + q;
    let s = src;
    for (let o = 0; o < groupOut; o++) {
      store<f32>(d, load<f32>(s + ((<usize>i) << 2)));
      store<f32>(d, t1 < colRows ? load<f32>(s + ((<usize>t1) << 2)) : 0, 4);
      store<f32>(d, t2 < colRows ? load<f32>(s + ((<usize>t2) << 2)) : 0, 8);
      store<f32>(d, t3 < colRows ? load<f32>(s + ((<usize>t3) << 2)) : 0, 12);
      d += 16;
      s += rs;
    }
  }
}

/**
 * The input gradient's GEMM with col2im fused into it: dx (image n, group; at dxg) += col2im of W^T dy for pixels
 * [jc, jc + nc), from the packed filter (packTaps; depth kc from pa) and the packed dy block at pb. A tile whose
 * eight pixels lie on one output row (stride 1) and whose four taps land inside the image adds straight into dx;
 * other tiles go through a tile buffer and add cell by cell, testing each.
 */
/**
 * Where row r of a col2im tile goes: the input row of tap i + r q (its offset in the tap table), or, for a tap
 * past the end (the last panels of a filter with a tap count that is not a multiple of four, or fewer than eight
 * taps), row r of the tile buffer, whose contents are discarded.
 */
// @ts-ignore: decorator
@inline
function tapRow(i: i32, r: i32, q: i32, t: usize, tapStride: usize, dxg: usize, base: i32, tile: usize): usize {
  if (i + r * q >= colRows) return tile + <usize>(r * 32);
  return dxg + ((<usize>(base + load<i32>(t + <usize>r * tapStride, 8))) << 2);
}

/** The micro-kernel's 4x8 tile for panel i, added straight into the input rows of its four taps (see tapRow). */
// @ts-ignore: decorator
@inline
function addTileIntoDx(
  kc: i32,
  pat: usize,
  pbj: usize,
  i: i32,
  q: i32,
  t: usize,
  tapStride: usize,
  dxg: usize,
  base: i32,
  tile: usize,
): void {
  microKernel(
    kc,
    pat,
    pbj,
    tapRow(i, 0, q, t, tapStride, dxg, base, tile),
    tapRow(i, 1, q, t, tapStride, dxg, base, tile),
    tapRow(i, 2, q, t, tapStride, dxg, base, tile),
    tapRow(i, 3, q, t, tapStride, dxg, base, tile),
    true,
  );
}

function sweepCol2im(pa: usize, panelBytes: usize, pb: usize, kc: i32, jc: i32, nc: i32, dxg: usize, scratch: usize): void {
  const taps = scratch + offsetTaps;
  const lanes = scratch + offsetLanes;
  const tile = scratch + offsetTile;
  const q = (colRows + 3) >> 2;
  const tapStride = <usize>(q * 12);
  for (let j0 = 0; j0 < nc; j0 += 8) {
    const q0 = jc + j0;
    const count = min(8, nc - j0);
    let oh = q0 / outW;
    let ow = q0 - oh * outW;
    const row = count == 8 && ow + 8 <= outW && strideW == 1;
    const ih0 = oh * strideH - padH;
    const iw0 = ow * strideW - padW;
    for (let l = 0; l < count; l++) {
      store<i32>(lanes + ((<usize>l) << 2), oh * strideH - padH);
      store<i32>(lanes + ((<usize>l) << 2), ow * strideW - padW, 32);
      if (++ow == outW) {
        ow = 0;
        oh++;
      }
    }
    const pbj = pb + ((<usize>(j0 * kc)) << 2);
    const base = ih0 * width + iw0;
    if (
      row &&
      ih0 >= 0 &&
      ih0 + (kernelH - 1) * dilationH < height &&
      iw0 >= 0 &&
      iw0 + 8 + (kernelW - 1) * dilationW <= width
    ) {
      // Every tap of this panel is inside the image (always, without padding): no tests.
      for (let i = 0; i < q; i++) {
        const t = taps + <usize>(i * 12);
        addTileIntoDx(kc, pa + <usize>i * panelBytes, pbj, i, q, t, tapStride, dxg, base, tile);
      }
      continue;
    }
    for (let i = 0; i < q; i++) {
      const pat = pa + <usize>i * panelBytes;
      const t = taps + <usize>(i * 12);
      if (row) {
        // The last panels may lack taps (i + r q >= colRows: always the last rows of the tile, and with fewer than
        // 8 taps in all, rows 1 and 2 too): those rows of the tile go to the tile buffer.
        let inside = true;
        for (let r = 0; r < 4; r++) {
          if (i + r * q >= colRows) break;
          const tr = t + <usize>r * tapStride;
          const ih = ih0 + load<i32>(tr);
          const iw = iw0 + load<i32>(tr, 4);
          inside = inside && <u32>ih < <u32>height && iw >= 0 && iw + 8 <= width;
        }
        if (inside) {
          addTileIntoDx(kc, pat, pbj, i, q, t, tapStride, dxg, base, tile);
          continue;
        }
      }
      microKernel(kc, pat, pbj, tile, tile + 32, tile + 64, tile + 96, false);
      for (let r = 0; r < 4; r++) {
        if (i + r * q >= colRows) break;
        const tr = t + <usize>r * tapStride;
        const sh = load<i32>(tr);
        const sw = load<i32>(tr, 4);
        const cOff = load<i32>(tr, 8) - sh * width - sw;
        const src = tile + <usize>(r * 32);
        for (let l = 0; l < count; l++) {
          const o = (<usize>l) << 2;
          const ih = load<i32>(lanes + o) + sh;
          const iw = load<i32>(lanes + o, 32) + sw;
          if (<u32>ih < <u32>height && <u32>iw < <u32>width) {
            const d = dxg + ((<usize>(cOff + ih * width + iw)) << 2);
            store<f32>(d, load<f32>(d) + load<f32>(src + o));
          }
        }
      }
    }
  }
}

/** dx [N, C, H, W] = per image and group, col2im(W_group^T dy[n, group]); dx is overwritten. */
export function conv2dBackpropInput(dy: usize, w: usize, dx: usize, scratch: usize): void {
  memory.fill(dx, 0, (<usize>(batch * inChannels * height * width)) << 2);
  if (groupOut == 0 || colRows == 0) return;
  const pa = scratch;
  const pb = scratch + offsetB;
  const panelBytes = (<usize>groupOut) << 4;
  const ldcBytes = (<usize>colCols) << 2;
  // Per filter tap: its input offsets (row and column shift, and the offset within the group's channels).
  const taps = scratch + offsetTaps;
  const hw = height * width;
  for (let t = 0; t < colRows; t++) {
    const c = t / (kernelH * kernelW);
    const rem = t - c * kernelH * kernelW;
    const ki = rem / kernelW;
    const sh = ki * dilationH;
    const sw = (rem - ki * kernelW) * dilationW;
    store<i32>(taps + <usize>(t * 12), sh);
    store<i32>(taps + <usize>(t * 12), sw, 4);
    store<i32>(taps + <usize>(t * 12), c * hw + sh * width + sw, 8);
  }
  for (let group = 0; group < groups; group++) {
    const wg = w + ((<usize>(group * groupOut * colRows)) << 2);
    if (pointwise) packColumns(wg, (<usize>colRows) << 2, colRows, groupOut, pa);
    else packTaps(wg, pa);
    for (let n = 0; n < batch; n++) {
      const dxg = plane(dx, n, inChannels, group * groupIn, hw);
      const dyg = plane(dy, n, outChannels, group * groupOut, colCols);
      for (let pc = 0; pc < groupOut; pc += KC) {
        const kc = min(KC, groupOut - pc);
        for (let jc = 0; jc < colCols; jc += NC) {
          const nc = min(NC, colCols - jc);
          packRowsB(dyg, ldcBytes, pc, kc, jc, nc, pb);
          const pak = pa + ((<usize>pc) << 4);
          if (pointwise) sweep(pak, panelBytes, colRows, pb, kc, nc, dxg + ((<usize>jc) << 2), ldcBytes, pc > 0);
          else sweepCol2im(pak, panelBytes, pb, kc, jc, nc, dxg, scratch);
        }
      }
    }
  }
}

/**
 * dW_group (groupOut x colRows) = the sum over images of dy[n, group] (groupOut x OH OW) im2col(x_n)^T, as one GEMM
 * whose depth runs over images and pixels: each depth block holds whole images (as many as fit in KC_FILTER, split
 * evenly) or part of one image. The sum's order depends only on the batch this call gets.
 */
export function conv2dBackpropFilter(x: usize, dy: usize, dw: usize, scratch: usize): void {
  if (winograd) {
    winogradFilterGrad(x, dy, dw, scratch);
    return;
  }
  const pa = scratch;
  const pb = scratch + offsetB;
  const lanes = scratch + offsetLanes;
  const ldcBytes = (<usize>colRows) << 2;
  const dyRow = (<usize>colCols) << 2;
  // Blocks split the depth evenly: whole images (as many as fit), or equal parts of each image.
  const ipb = imagesPerBlock();
  let perBlock = 1;
  let step = colCols;
  if (ipb > 0 && batch > 0) {
    const blocks = (batch + ipb - 1) / ipb;
    perBlock = (batch + blocks - 1) / blocks;
  } else if (ipb == 0) {
    const parts = (colCols + KC_FILTER - 1) / KC_FILTER;
    step = (colCols + parts - 1) / parts;
  }
  for (let group = 0; group < groups; group++) {
    const dwg = dw + ((<usize>(group * groupOut * colRows)) << 2);
    let first = true;
    for (let n0 = 0; n0 < batch; n0 += perBlock) {
      const images = min(perBlock, batch - n0);
      for (let p0 = 0; p0 < colCols; p0 += step) {
        const plen = min(step, colCols - p0);
        const kb = images * plen;
        const panelBytes = (<usize>kb) << 4;
        for (let i = 0; i < images; i++) {
          const src = plane(dy, n0 + i, outChannels, group * groupOut, colCols) + ((<usize>p0) << 2);
          packRows(src, dyRow, groupOut, plen, pa + ((<usize>(i * plen)) << 4), panelBytes);
        }
        for (let jc = 0; jc < colRows; jc += NC) {
          const nc = min(NC, colRows - jc);
          packIm2colT(x, group, n0, images, p0, plen, jc, nc, pb, lanes);
          sweep(pa, panelBytes, groupOut, pb, kb, nc, dwg + ((<usize>jc) << 2), ldcBytes, !first);
        }
        first = false;
      }
    }
    // An empty batch has a zero gradient.
    if (first) memory.fill(dwg, 0, (<usize>(groupOut * colRows)) << 2);
  }
}

/** dst[i] += src[i] for n floats (the two halves of a split filter gradient; the same sums as scalar f32 adds). */
export function addFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}
