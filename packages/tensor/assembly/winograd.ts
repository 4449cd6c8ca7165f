/**
 * Winograd's minimal filtering F(2x2, 5x5) for conv2d's forward pass with 5x5 filters, stride 1 and no dilation
 * (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2015). Each 2x2 block of outputs ("tile")
 * reads a 6x6 block of the input; in the transformed domain the 25 x 4 = 100 multiply-adds per tile and channel pair
 * become 36: Y = A^T [ sum_c (G g_c G^T) . (B^T d_c B) ] A, with the matrices below (Toom-Cook on the points 0, 1,
 * -1, 2, -1/2 and infinity: in float32 their error is 2.3x smaller than with the usual 0, +-1, +-2, and B^T's and
 * A^T's entries are still exact in binary; derivation and checks in docs/benchmarks.md). The sum over input channels
 * is 36 small GEMMs, one per transformed position xi: M[xi] (outputs x tiles) = U[xi] (outputs x channels) V[xi]
 * (channels x tiles), run on gemm.ts's 4x8 micro-kernel with U packed as its 4-row panels and V as its 8-column
 * panels, 8 tiles at a time, the channels in blocks of CHANNEL_BLOCK.
 *
 * The filter gradient uses the same points the other way round, F(5x5, 2x2): each 2x2 block of dy against the 6x6
 * block of x under it gives that block's share of all 25 taps, dW = A'^T [ sum_tiles (G' dy_t G'^T) . (B^T d_t B) ] A'
 * (the same B^T), and the sum over tiles is a deep GEMM per xi (channels x tiles times tiles x outputs).
 *
 * The transforms run on four tiles (or four channels) at once, one per v128 lane. Rounding: the results differ from
 * the direct sums by up to ~2.5e-6 (forward) and ~5e-6 (filter gradient) of the output's largest magnitude (the
 * direct float32 GEMM: under 1e-6). conv.ts's useWinograd decides where this runs; network3's first layer (one input
 * channel) never does.
 */
import {
  batch,
  groupIn,
  groupOut,
  groups,
  height,
  inChannels,
  outChannels,
  outH,
  outW,
  padH,
  padW,
  width,
} from './conv_geometry';
import { microKernel } from './gemm';

/** Tiles per depth block of the filter gradient's GEMMs. */
const TILE_BLOCK = 128;
/** Input channels per depth block of the forward pass's GEMMs (accuracy: each block is one register sum). */
const CHANNEL_BLOCK = 64;

/** Bytes of scratch for one call of either kernel below (the larger of the two layouts) and six 6x6 temps. */
export function winogradScratchBytes(groupIn: i32, groupOut: i32): usize {
  const outPad = (groupOut + 3) & ~3;
  const forward = 36 * outPad * groupIn + 36 * groupIn * 8 + 36 * outPad * 8;
  const inPad = (groupIn + 3) & ~3;
  const outPad8 = (groupOut + 7) & ~7;
  const filter = 36 * (inPad + outPad8) * TILE_BLOCK + 36 * inPad * outPad8;
  return (<usize>max(forward, filter + 2 * 36 * 16)) * 4 + 6 * 576;
}

// ---- the 1-D transforms, on v128 lanes (four tiles or four filters) ---------------------------------------------

/** G (6 x 5): five values at src (stride ss bytes) -> six at dst (stride ds). */
// @ts-ignore: decorator
@inline
function filter1d(src: usize, ss: usize, dst: usize, ds: usize): void {
  const x0 = v128.load(src);
  const x1 = v128.load(src + ss);
  const x2 = v128.load(src + 2 * ss);
  const x3 = v128.load(src + 3 * ss);
  const x4 = v128.load(src + 4 * ss);
  const two = f32x4.splat(2);
  const even = f32x4.add(f32x4.add(x0, x2), x4);
  const odd = f32x4.add(x1, x3);
  const third = f32x4.splat(<f32>(1.0 / 3.0));
  const fifteenth = f32x4.splat(<f32>(1.0 / 15.0));
  v128.store(dst, x0);
  // -(x0 + x1 + x2 + x3 + x4) / 3, (x0 - x1 + x2 - x3 + x4) / 3
  v128.store(dst + ds, f32x4.mul(f32x4.neg(f32x4.add(even, odd)), third));
  v128.store(dst + 2 * ds, f32x4.mul(f32x4.sub(even, odd), third));
  // (x0 + 2 x1 + 4 x2 + 8 x3 + 16 x4) / 15, (-16 x0 + 8 x1 - 4 x2 + 2 x3 - x4) / 15
  const up = f32x4.add(f32x4.mul(f32x4.add(f32x4.mul(f32x4.add(f32x4.mul(f32x4.add(f32x4.mul(x4, two), x3), two), x2), two), x1), two), x0);
  const down = f32x4.sub(
    f32x4.mul(f32x4.add(f32x4.mul(f32x4.sub(f32x4.mul(f32x4.sub(x1, f32x4.mul(x0, two)), two), x2), two), x3), two),
    x4,
  );
  v128.store(dst + 3 * ds, f32x4.mul(up, fifteenth));
  v128.store(dst + 4 * ds, f32x4.mul(down, fifteenth));
  v128.store(dst + 5 * ds, x4);
}

/** B^T (6 x 6): six values at src (stride ss) -> six at dst (stride ds). */
// @ts-ignore: decorator
@inline
function input1d(src: usize, ss: usize, dst: usize, ds: usize): void {
  const d0 = v128.load(src);
  const d1 = v128.load(src + ss);
  const d2 = v128.load(src + 2 * ss);
  const d3 = v128.load(src + 3 * ss);
  const d4 = v128.load(src + 4 * ss);
  const d5 = v128.load(src + 5 * ss);
  const half = f32x4.splat(0.5);
  const two = f32x4.splat(2);
  const threeHalves = f32x4.splat(1.5);
  const fiveHalves = f32x4.splat(2.5);
  // d0 + 3/2 (d1 - d3) - 2 d2 + d4
  v128.store(dst, f32x4.add(f32x4.add(d0, d4), f32x4.sub(f32x4.mul(f32x4.sub(d1, d3), threeHalves), f32x4.mul(d2, two))));
  // d4 - d1 - 5/2 d2 - 1/2 d3
  v128.store(dst + ds, f32x4.sub(f32x4.sub(d4, d1), f32x4.add(f32x4.mul(d2, fiveHalves), f32x4.mul(d3, half))));
  // d4 + d1 + 1/2 d2 - 5/2 d3
  v128.store(dst + 2 * ds, f32x4.add(f32x4.add(d4, d1), f32x4.sub(f32x4.mul(d2, half), f32x4.mul(d3, fiveHalves))));
  // d4 - d2 + 1/2 (d3 - d1)
  v128.store(dst + 3 * ds, f32x4.add(f32x4.sub(d4, d2), f32x4.mul(f32x4.sub(d3, d1), half)));
  // d4 - d2 + 2 (d1 - d3)
  v128.store(dst + 4 * ds, f32x4.add(f32x4.sub(d4, d2), f32x4.mul(f32x4.sub(d1, d3), two)));
  // d1 + 3/2 (d2 - d4) - 2 d3 + d5
  v128.store(dst + 5 * ds, f32x4.add(f32x4.add(d1, d5), f32x4.sub(f32x4.mul(f32x4.sub(d2, d4), threeHalves), f32x4.mul(d3, two))));
}

/** A^T (2 x 6): six values at src (stride ss) -> two at dst (stride ds). */
// @ts-ignore: decorator
@inline
function output1d(src: usize, ss: usize, dst: usize, ds: usize): void {
  const m0 = v128.load(src);
  const m1 = v128.load(src + ss);
  const m2 = v128.load(src + 2 * ss);
  const m3 = v128.load(src + 3 * ss);
  const m4 = v128.load(src + 4 * ss);
  const m5 = v128.load(src + 5 * ss);
  // m0 + m1 + m2 + m3 + m4, m1 - m2 + 2 m3 - 1/2 m4 + m5
  v128.store(dst, f32x4.add(f32x4.add(f32x4.add(m0, m1), f32x4.add(m2, m3)), m4));
  const d = f32x4.sub(f32x4.mul(m3, f32x4.splat(2)), f32x4.mul(m4, f32x4.splat(0.5)));
  v128.store(dst + ds, f32x4.add(f32x4.add(f32x4.sub(m1, m2), d), m5));
}


// ---- the 1-D transforms of the filter gradient's F(5x5, 2x2) -------------------------------------------------------

/** G' (6 x 2): two values at src (stride ss) -> six at dst (stride ds). */
// @ts-ignore: decorator
@inline
function dy1d(src: usize, ss: usize, dst: usize, ds: usize): void {
  const v0 = v128.load(src);
  const v1 = v128.load(src + ss);
  const third = f32x4.splat(<f32>(1.0 / 3.0));
  const fifteenth = f32x4.splat(<f32>(1.0 / 15.0));
  v128.store(dst, v0);
  v128.store(dst + ds, f32x4.mul(f32x4.neg(f32x4.add(v0, v1)), third));
  v128.store(dst + 2 * ds, f32x4.mul(f32x4.sub(v0, v1), third));
  // (v0 + 2 v1) / 15, 8 (v1 - 2 v0) / 15
  v128.store(dst + 3 * ds, f32x4.mul(f32x4.add(v0, f32x4.add(v1, v1)), fifteenth));
  const twice = f32x4.add(v0, v0);
  v128.store(dst + 4 * ds, f32x4.mul(f32x4.sub(v1, twice), f32x4.splat(<f32>(8.0 / 15.0))));
  v128.store(dst + 5 * ds, v1);
}

/** A'^T (5 x 6): six values at src (stride ss) -> five at dst (stride ds). */
// @ts-ignore: decorator
@inline
function taps1d(src: usize, ss: usize, dst: usize, ds: usize): void {
  const m0 = v128.load(src);
  const m1 = v128.load(src + ss);
  const m2 = v128.load(src + 2 * ss);
  const m3 = v128.load(src + 3 * ss);
  const m4 = v128.load(src + 4 * ss);
  const m5 = v128.load(src + 5 * ss);
  const s = f32x4.add(m1, m2);
  const d = f32x4.sub(m1, m2);
  // rows of A'^T: p^i for p = 0, 1, -1, 2, -1/2, and infinity in the last row.
  v128.store(dst, f32x4.add(f32x4.add(m0, s), f32x4.add(m3, m4)));
  v128.store(dst + ds, f32x4.add(d, f32x4.sub(f32x4.mul(m3, f32x4.splat(2)), f32x4.mul(m4, f32x4.splat(0.5)))));
  v128.store(dst + 2 * ds, f32x4.add(s, f32x4.add(f32x4.mul(m3, f32x4.splat(4)), f32x4.mul(m4, f32x4.splat(0.25)))));
  v128.store(dst + 3 * ds, f32x4.add(d, f32x4.sub(f32x4.mul(m3, f32x4.splat(8)), f32x4.mul(m4, f32x4.splat(0.125)))));
  v128.store(
    dst + 4 * ds,
    f32x4.add(f32x4.add(s, m5), f32x4.add(f32x4.mul(m3, f32x4.splat(16)), f32x4.mul(m4, f32x4.splat(0.0625)))),
  );
}

// ---- the geometry of the current call, and the input tiles' transform shared by both kernels ----------------------

let gTilesW = 0;
let gPerImage = 0;
let gTiles = 0;
let gTmpA: usize = 0;
let gTmpB: usize = 0;

/** The tiles of the current call (from conv_geometry.ts), and where the 6x6 temps of inputTiles are. */
function setTiles(temps: usize): void {
  gTilesW = (outW + 1) >> 1;
  gPerImage = ((outH + 1) >> 1) * gTilesW;
  gTiles = batch * gPerImage;
  gTmpA = temps;
  gTmpB = temps + 576;
}

/**
 * B^T d B for tiles tq .. tq + 3 (one per lane; lanes past the last tile are zero) of channel c of the group whose
 * first channel plane is at xg: the 36 results at dst + xi * ds. Four adjacent tiles of one row inside the image are
 * gathered with two v128 loads and a shuffle per cell (columns b, b + 2, b + 4, b + 6 of the patch rows); others cell
 * by cell, zero outside the image.
 */
function inputTiles(xg: usize, c: i32, tq: i32, dst: usize, ds: usize): void {
  const hw = height * width;
  const n = tq / gPerImage;
  const rem = tq - n * gPerImage;
  const ty = rem / gTilesW;
  const tx = rem - ty * gTilesW;
  const ih0 = 2 * ty - padH;
  const iw0 = 2 * tx - padW;
  const tmpA = gTmpA;
  const tmpB = gTmpB;
  if (tq + 3 < gTiles && tx + 3 < gTilesW && ih0 >= 0 && ih0 + 5 < height && iw0 >= 0 && iw0 + 11 < width) {
    let s = xg + ((<usize>((n * inChannels + c) * hw + ih0 * width + iw0)) << 2);
    let d = tmpA;
    const rowBytes = (<usize>width) << 2;
    for (let a = 0; a < 6; a++) {
      for (let b = 0; b < 6; b++) {
        const lo = v128.load(s + ((<usize>b) << 2));
        const hi = v128.load(s + ((<usize>(b + 3)) << 2));
        v128.store(d, v128.shuffle<f32>(lo, hi, 0, 2, 5, 7));
        d += 16;
      }
      s += rowBytes;
    }
  } else {
    for (let l = 0; l < 4; l++) {
      const t = tq + l;
      const ln = t / gPerImage;
      const lr = t - ln * gPerImage;
      const ly = lr / gTilesW;
      const lh0 = 2 * ly - padH;
      const lw0 = 2 * (lr - ly * gTilesW) - padW;
      const plane = xg + ((<usize>((ln * inChannels + c) * hw)) << 2);
      for (let a = 0; a < 6; a++) {
        for (let b = 0; b < 6; b++) {
          let value: f32 = 0;
          const ih = lh0 + a;
          const iw = lw0 + b;
          if (t < gTiles && <u32>ih < <u32>height && <u32>iw < <u32>width) {
            value = load<f32>(plane + ((<usize>(ih * width + iw)) << 2));
          }
          store<f32>(tmpA + ((<usize>((a * 6 + b) * 4 + l)) << 2), value);
        }
      }
    }
  }
  for (let b = 0; b < 6; b++) input1d(tmpA + ((<usize>b) << 4), 96, tmpB + ((<usize>b) << 4), 96);
  for (let i = 0; i < 6; i++) input1d(tmpB + <usize>i * 96, 16, dst + <usize>(i * 6) * ds, ds);
}

/**
 * The forward convolution of `batch` images (NCHW, [inChannels, height, width] each) with filters w ([outChannels,
 * inChannels / groups, 5, 5]) into out ([outChannels, outH, outW] per image), padding padH / padW.
 */
export function winogradForward(x: usize, w: usize, out: usize, scratch: usize): void {
  const outPad = (groupOut + 3) & ~3;
  const quadsOut = outPad >> 2;
  const panelBytes = (<usize>groupIn) << 4;
  const u = scratch;
  const v = u + (<usize>(36 * outPad * groupIn)) * 4;
  const m = v + (<usize>(36 * groupIn)) * 32;
  const tmpA = m + (<usize>(36 * outPad)) * 32;
  const tmpB = tmpA + 576;
  setTiles(tmpB + 576);
  const hw = height * width;
  const outPlane = outH * outW;
  const tiles = gTiles;
  const perImage = gPerImage;
  const tilesW = gTilesW;
  const xiStrideU = <usize>quadsOut * panelBytes;
  const xiStrideV = (<usize>groupIn) << 5;
  const xiStrideM = (<usize>outPad) << 5;
  for (let g = 0; g < groups; g++) {
    // U[xi] = G g G^T, four output channels per v128, written as the micro-kernel's 4-row panels [xi][quad][c][4].
    for (let q = 0; q < quadsOut; q++) {
      for (let c = 0; c < groupIn; c++) {
        for (let t = 0; t < 25; t++) {
          let l0: f32 = 0;
          let l1: f32 = 0;
          let l2: f32 = 0;
          let l3: f32 = 0;
          const o = q * 4;
          const src = w + ((<usize>(((g * groupOut + o) * groupIn + c) * 25 + t)) << 2);
          const filterBytes = (<usize>(groupIn * 25)) << 2;
          if (o < groupOut) l0 = load<f32>(src);
          if (o + 1 < groupOut) l1 = load<f32>(src + filterBytes);
          if (o + 2 < groupOut) l2 = load<f32>(src + 2 * filterBytes);
          if (o + 3 < groupOut) l3 = load<f32>(src + 3 * filterBytes);
          v128.store(tmpA + ((<usize>t) << 4), f32x4(l0, l1, l2, l3));
        }
        // Columns (5 of 5 taps) then rows: tmpB is 6 x 5.
        for (let b = 0; b < 5; b++) filter1d(tmpA + ((<usize>b) << 4), 80, tmpB + ((<usize>b) << 4), 80);
        const dst = u + <usize>q * panelBytes + ((<usize>c) << 4);
        for (let i = 0; i < 6; i++) filter1d(tmpB + <usize>i * 80, 16, dst + <usize>(i * 6) * xiStrideU, xiStrideU);
      }
    }
    const xg = x + ((<usize>(g * groupIn * hw)) << 2);
    for (let t0 = 0; t0 < tiles; t0 += 8) {
      // V[xi] = B^T d B for the panel's two quads of tiles, as the micro-kernel's 8-column panel [xi][c][8].
      for (let h = 0; h < 2; h++) {
        for (let c = 0; c < groupIn; c++) {
          inputTiles(xg, c, t0 + h * 4, v + ((<usize>c) << 5) + ((<usize>h) << 4), xiStrideV);
        }
      }
      // M[xi] = U[xi] V[xi]: outPad x 8 per xi, rows 32 bytes apart. The channel sum in blocks of CHANNEL_BLOCK:
      // one register sum over hundreds of channels lost accuracy (7e-6 of the largest output at 1024 channels,
      // against 1.4e-6 in blocks of 64), as the direct GEMM's depth blocks avoid.
      for (let xi = 0; xi < 36; xi++) {
        const pa = u + <usize>xi * xiStrideU;
        const pb = v + <usize>xi * xiStrideV;
        let mr = m + <usize>xi * xiStrideM;
        for (let q = 0; q < quadsOut; q++) {
          const pq = pa + <usize>q * panelBytes;
          for (let c0 = 0; c0 < groupIn; c0 += CHANNEL_BLOCK) {
            const depth = min(CHANNEL_BLOCK, groupIn - c0);
            microKernel(depth, pq + ((<usize>c0) << 4), pb + ((<usize>c0) << 5), mr, mr + 32, mr + 64, mr + 96, c0 > 0);
          }
          mr += 128;
        }
      }
      // Y = A^T M A per output channel and quad of tiles, into out.
      for (let h = 0; h < 2; h++) {
        const tq = t0 + h * 4;
        if (tq >= tiles) break;
        const n = tq / perImage;
        const rem = tq - n * perImage;
        const ty = rem / tilesW;
        const tx = rem - ty * tilesW;
        const fast = tq + 3 < tiles && tx + 3 < tilesW && 2 * ty + 1 < outH && 2 * tx + 7 < outW;
        for (let o = 0; o < groupOut; o++) {
          const src = m + ((<usize>o) << 5) + ((<usize>h) << 4);
          // Columns: tmpB is 2 x 6; then rows: tmpA is 2 x 2.
          for (let b = 0; b < 6; b++) output1d(src + <usize>b * xiStrideM, 6 * xiStrideM, tmpB + ((<usize>b) << 4), 96);
          for (let i = 0; i < 2; i++) output1d(tmpB + <usize>i * 96, 16, tmpA + <usize>i * 32, 16);
          const channel = g * groupOut + o;
          if (fast) {
            const dst = out + ((<usize>((n * outChannels + channel) * outPlane + 2 * ty * outW + 2 * tx)) << 2);
            const y00 = v128.load(tmpA);
            const y01 = v128.load(tmpA, 16);
            const y10 = v128.load(tmpA, 32);
            const y11 = v128.load(tmpA, 48);
            v128.store(dst, v128.shuffle<f32>(y00, y01, 0, 4, 1, 5));
            v128.store(dst, v128.shuffle<f32>(y00, y01, 2, 6, 3, 7), 16);
            const dst1 = dst + ((<usize>outW) << 2);
            v128.store(dst1, v128.shuffle<f32>(y10, y11, 0, 4, 1, 5));
            v128.store(dst1, v128.shuffle<f32>(y10, y11, 2, 6, 3, 7), 16);
          } else {
            for (let l = 0; l < 4; l++) {
              const t = tq + l;
              if (t >= tiles) break;
              const ln = t / perImage;
              const lr = t - ln * perImage;
              const ly = lr / tilesW;
              const lx = lr - ly * tilesW;
              const plane = out + ((<usize>((ln * outChannels + channel) * outPlane)) << 2);
              for (let a = 0; a < 2; a++) {
                const oh = 2 * ly + a;
                if (oh >= outH) break;
                for (let b = 0; b < 2; b++) {
                  const ow = 2 * lx + b;
                  if (ow >= outW) break;
                  store<f32>(plane + ((<usize>(oh * outW + ow)) << 2), load<f32>(tmpA + ((<usize>((a * 2 + b) * 4 + l)) << 2)));
                }
              }
            }
          }
        }
      }
    }
  }
}

/**
 * The filter gradient dw ([outChannels, inChannels / groups, 5, 5]) of a convolution of x ([batch, inChannels,
 * height, width]) with output gradient dy ([batch, outChannels, outH, outW]); stride 1, no dilation. Per depth block
 * of TILE_BLOCK tiles: the x tiles' transforms as 4-channel panels (A), the dy blocks' transforms as 8-output panels
 * (B), and per xi the micro-kernel sums M^T[xi] (channels x outputs) += A B over the block's tiles.
 */
export function winogradFilterGrad(x: usize, dy: usize, dw: usize, scratch: usize): void {
  const inPad = (groupIn + 3) & ~3;
  const outPad8 = (groupOut + 7) & ~7;
  const a = scratch;
  const b = a + (<usize>(36 * inPad * TILE_BLOCK)) * 4 + 36 * 64;
  const m = b + (<usize>(36 * outPad8 * TILE_BLOCK)) * 4 + 36 * 64;
  const temps = m + (<usize>(36 * inPad * outPad8)) * 4;
  const tmpC = temps + 2 * 576;
  setTiles(temps);
  const tiles = gTiles;
  const perImage = gPerImage;
  const tilesW = gTilesW;
  const hw = height * width;
  const outPlane = outH * outW;
  const mRowBytes = (<usize>outPad8) << 2;
  const xiStrideM = <usize>inPad * mRowBytes;
  for (let g = 0; g < groups; g++) {
    const xg = x + ((<usize>(g * groupIn * hw)) << 2);
    for (let t0 = 0; t0 < tiles; t0 += TILE_BLOCK) {
      const depth = (min(TILE_BLOCK, tiles - t0) + 3) & ~3;
      const panelA = (<usize>depth) << 4;
      const panelB = (<usize>depth) << 5;
      // One cache line more than the panels per xi: strides that are multiples of 4 KiB map all 36 xi to one set
      // of the L1 cache (B's stride is 20 KiB here at 128 tiles), and the transforms' stores evict each other.
      const xiStrideA = (<usize>(inPad >> 2)) * panelA + 64;
      const xiStrideB = (<usize>(outPad8 >> 3)) * panelB + 64;
      // A: per 4 channels and 4 tiles, the four channels' transforms (lanes = tiles) transposed to lanes = channels.
      for (let c0 = 0; c0 < inPad; c0 += 4) {
        for (let tq = 0; tq < depth; tq += 4) {
          for (let l = 0; l < 4; l++) {
            const dst = tmpC + <usize>l * 576;
            if (c0 + l < groupIn) inputTiles(xg, c0 + l, t0 + tq, dst, 16);
            else memory.fill(dst, 0, 576);
          }
          let dst = a + <usize>(c0 >> 2) * panelA + ((<usize>tq) << 4);
          for (let xi = 0; xi < 36; xi++) {
            const s = tmpC + ((<usize>xi) << 4);
            const r0 = v128.load(s);
            const r1 = v128.load(s, 576);
            const r2 = v128.load(s, 1152);
            const r3 = v128.load(s, 1728);
            const t0v = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
            const t1v = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
            const t2v = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
            const t3v = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
            v128.store(dst, v128.shuffle<f64>(t0v, t1v, 0, 2));
            v128.store(dst, v128.shuffle<f64>(t0v, t1v, 1, 3), 16);
            v128.store(dst, v128.shuffle<f64>(t2v, t3v, 0, 2), 32);
            v128.store(dst, v128.shuffle<f64>(t2v, t3v, 1, 3), 48);
            dst += xiStrideA;
          }
        }
      }
      // B: per tile, G' dy G'^T of its 2x2 block for eight output channels (two v128 of four), zero past the edges.
      let n = t0 / perImage;
      let ty = (t0 - n * perImage) / tilesW;
      let tx = t0 - n * perImage - ty * tilesW;
      const planeBytes = (<usize>outPlane) << 2;
      const rowBytes = (<usize>outW) << 2;
      for (let tt = 0; tt < depth; tt++) {
        const t = t0 + tt;
        const full = t < tiles && 2 * ty + 1 < outH && 2 * tx + 1 < outW;
        const pixel = dy + ((<usize>((n * outChannels + g * groupOut) * outPlane + 2 * ty * outW + 2 * tx)) << 2);
        for (let o0 = 0; o0 < outPad8; o0 += 8) {
          for (let half = 0; half < 2; half++) {
            const ob = o0 + half * 4;
            if (full && ob + 3 < groupOut) {
              // The 2x2 block of four channel planes: sixteen loads.
              const s = pixel + <usize>ob * planeBytes;
              for (let p = 0; p < 4; p++) {
                const at = s + (p >> 1 ? rowBytes : 0) + ((<usize>(p & 1)) << 2);
                v128.store(
                  gTmpA + ((<usize>p) << 4),
                  f32x4(load<f32>(at), load<f32>(at + planeBytes), load<f32>(at + 2 * planeBytes), load<f32>(at + 3 * planeBytes)),
                );
              }
            } else {
              for (let p = 0; p < 4; p++) {
                const oh = 2 * ty + (p >> 1);
                const ow = 2 * tx + (p & 1);
                const inside = t < tiles && oh < outH && ow < outW;
                const at = pixel + <usize>ob * planeBytes + (p >> 1 ? rowBytes : 0) + ((<usize>(p & 1)) << 2);
                let l0: f32 = 0;
                let l1: f32 = 0;
                let l2: f32 = 0;
                let l3: f32 = 0;
                if (inside) {
                  if (ob < groupOut) l0 = load<f32>(at);
                  if (ob + 1 < groupOut) l1 = load<f32>(at + planeBytes);
                  if (ob + 2 < groupOut) l2 = load<f32>(at + 2 * planeBytes);
                  if (ob + 3 < groupOut) l3 = load<f32>(at + 3 * planeBytes);
                }
                v128.store(gTmpA + ((<usize>p) << 4), f32x4(l0, l1, l2, l3));
              }
            }
            // Columns (2) then rows: gTmpB is 6 x 2, the results go to B's panel as [xi][t][8].
            for (let col = 0; col < 2; col++) dy1d(gTmpA + ((<usize>col) << 4), 32, gTmpB + ((<usize>col) << 4), 32);
            const dst = b + <usize>(o0 >> 3) * panelB + ((<usize>tt) << 5) + ((<usize>half) << 4);
            for (let i = 0; i < 6; i++) dy1d(gTmpB + <usize>i * 32, 16, dst + <usize>(i * 6) * xiStrideB, xiStrideB);
          }
        }
        if (++tx == tilesW) {
          tx = 0;
          if (++ty * tilesW == perImage) {
            ty = 0;
            n++;
          }
        }
      }
      // M^T[xi] (inPad x outPad8, rows mRowBytes apart) (+)= A[xi] B[xi].
      for (let xi = 0; xi < 36; xi++) {
        for (let c0 = 0; c0 < inPad; c0 += 4) {
          const pa = a + <usize>xi * xiStrideA + <usize>(c0 >> 2) * panelA;
          for (let o0 = 0; o0 < outPad8; o0 += 8) {
            const r0 = m + <usize>xi * xiStrideM + <usize>c0 * mRowBytes + ((<usize>o0) << 2);
            const pb = b + <usize>xi * xiStrideB + <usize>(o0 >> 3) * panelB;
            microKernel(depth, pa, pb, r0, r0 + mRowBytes, r0 + 2 * mRowBytes, r0 + 3 * mRowBytes, t0 > 0);
          }
        }
      }
    }
    // dW = A'^T M A' per input channel and four output channels (lanes), into dw [o][c][5][5].
    const dwg = dw + ((<usize>(g * groupOut * groupIn * 25)) << 2);
    if (tiles == 0) {
      memory.fill(dwg, 0, (<usize>(groupOut * groupIn * 25)) << 2);
      continue;
    }
    const filterBytes = (<usize>(groupIn * 25)) << 2;
    for (let c = 0; c < groupIn; c++) {
      for (let o0 = 0; o0 < groupOut; o0 += 4) {
        const src = m + <usize>c * mRowBytes + ((<usize>o0) << 2);
        // Columns: gTmpB is 5 x 6; rows: gTmpA is 5 x 5.
        for (let col = 0; col < 6; col++) taps1d(src + <usize>col * xiStrideM, 6 * xiStrideM, gTmpB + ((<usize>col) << 4), 96);
        for (let i = 0; i < 5; i++) taps1d(gTmpB + <usize>i * 96, 16, gTmpA + <usize>i * 80, 16);
        const lanes = min(4, groupOut - o0);
        const base = dwg + <usize>o0 * filterBytes + ((<usize>(c * 25)) << 2);
        for (let t = 0; t < 25; t++) {
          const value = v128.load(gTmpA + ((<usize>t) << 4));
          const at = base + ((<usize>t) << 2);
          store<f32>(at, f32x4.extract_lane(value, 0));
          if (lanes > 1) store<f32>(at + filterBytes, f32x4.extract_lane(value, 1));
          if (lanes > 2) store<f32>(at + 2 * filterBytes, f32x4.extract_lane(value, 2));
          if (lanes > 3) store<f32>(at + 3 * filterBytes, f32x4.extract_lane(value, 3));
        }
      }
    }
  }
}
