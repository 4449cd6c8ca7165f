/**
 * Winograd's minimal filtering F(2x2, 5x5) for conv2d's forward pass with 5x5 filters, stride 1 and no dilation
 * (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2015). Each 2x2 block of outputs ("tile")
 * reads a 6x6 block of the input; in the transformed domain the 25 x 4 = 100 multiply-adds per tile and channel pair
 * become 36: Y = A^T [ sum_c (G g_c G^T) . (B^T d_c B) ] A, with the matrices below (Toom-Cook on the points 0, 1,
 * -1, 2, -1/2 and infinity: in float32 their error is 2.3x smaller than with the usual 0, +-1, +-2, and B^T's and
 * A^T's entries are still exact in binary; derivation and checks in docs/benchmarks.md). The sum over input channels is 36 small GEMMs,
 * one per transformed position xi: M[xi] (outputs x tiles) = U[xi] (outputs x channels) V[xi] (channels x tiles), run
 * on gemm.ts's 4x8 micro-kernel with U packed as its 4-row panels and V as its 8-column panels, 8 tiles at a time.
 *
 * The transforms run on four tiles (or four output channels, for the filter) at once, one per v128 lane. Rounding:
 * the transformed sums differ from the direct ones by up to a few 1e-6 of the output's largest magnitude (the
 * direct float32 sums: under 1e-6); the first conv layer of network3 (one input channel) never takes this path.
 */
import { microKernel } from './gemm';

/** Bytes of scratch for the transforms of one call: U (all xi), V and M for one panel of 8 tiles, two 6x6 temps. */
export function winogradScratchBytes(groupIn: i32, groupOut: i32): usize {
  const outPad = (groupOut + 3) & ~3;
  return (<usize>(36 * outPad * groupIn)) * 4 + (<usize>(36 * groupIn)) * 32 + (<usize>(36 * outPad)) * 32 + 2 * 576;
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

/**
 * The forward convolution of `batch` images (NCHW, [inChannels, height, width] each) with filters w ([outChannels,
 * inChannels / groups, 5, 5]) into out ([outChannels, outH, outW] per image), padding padH / padW.
 */
export function winogradForward(
  x: usize,
  w: usize,
  out: usize,
  scratch: usize,
  batch: i32,
  inChannels: i32,
  height: i32,
  width: i32,
  outChannels: i32,
  padH: i32,
  padW: i32,
  outH: i32,
  outW: i32,
  groups: i32,
): void {
  const groupIn = inChannels / groups;
  const groupOut = outChannels / groups;
  const outPad = (groupOut + 3) & ~3;
  const quadsOut = outPad >> 2;
  const panelBytes = (<usize>groupIn) << 4;
  const u = scratch;
  const v = u + (<usize>(36 * outPad * groupIn)) * 4;
  const m = v + (<usize>(36 * groupIn)) * 32;
  const tmpA = m + (<usize>(36 * outPad)) * 32;
  const tmpB = tmpA + 576;
  const hw = height * width;
  const outPlane = outH * outW;
  const tilesH = (outH + 1) >> 1;
  const tilesW = (outW + 1) >> 1;
  const perImage = tilesH * tilesW;
  const tiles = batch * perImage;
  const xiStrideU = <usize>quadsOut * panelBytes;
  const xiStrideV = (<usize>groupIn) << 5;
  const xiStrideM = (<usize>outPad) << 5;
  const rowBytes = (<usize>width) << 2;
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
        const tq = t0 + h * 4;
        const n = tq / perImage;
        const rem = tq - n * perImage;
        const ty = rem / tilesW;
        const tx = rem - ty * tilesW;
        const ih0 = 2 * ty - padH;
        const iw0 = 2 * tx - padW;
        const fast = tq + 3 < tiles && tx + 3 < tilesW && ih0 >= 0 && ih0 + 5 < height && iw0 >= 0 && iw0 + 11 < width;
        for (let c = 0; c < groupIn; c++) {
          if (fast) {
            // Four adjacent tiles of one row: lanes are columns b, b + 2, b + 4, b + 6 of the patch row.
            let s = xg + ((<usize>((n * inChannels + c) * hw + ih0 * width + iw0)) << 2);
            let d = tmpA;
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
              const ln = t / perImage;
              const lr = t - ln * perImage;
              const ly = lr / tilesW;
              const lh0 = 2 * ly - padH;
              const lw0 = 2 * (lr - ly * tilesW) - padW;
              const plane = xg + ((<usize>((ln * inChannels + c) * hw)) << 2);
              for (let a = 0; a < 6; a++) {
                for (let b = 0; b < 6; b++) {
                  let value: f32 = 0;
                  const ih = lh0 + a;
                  const iw = lw0 + b;
                  if (t < tiles && <u32>ih < <u32>height && <u32>iw < <u32>width) {
                    value = load<f32>(plane + ((<usize>(ih * width + iw)) << 2));
                  }
                  store<f32>(tmpA + ((<usize>((a * 6 + b) * 4 + l)) << 2), value);
                }
              }
            }
          }
          for (let b = 0; b < 6; b++) input1d(tmpA + ((<usize>b) << 4), 96, tmpB + ((<usize>b) << 4), 96);
          const dst = v + ((<usize>c) << 5) + ((<usize>h) << 4);
          for (let i = 0; i < 6; i++) input1d(tmpB + <usize>i * 96, 16, dst + <usize>(i * 6) * xiStrideV, xiStrideV);
        }
      }
      // M[xi] = U[xi] V[xi]: outPad x 8 per xi, rows 32 bytes apart.
      for (let xi = 0; xi < 36; xi++) {
        const pa = u + <usize>xi * xiStrideU;
        const pb = v + <usize>xi * xiStrideV;
        let mr = m + <usize>xi * xiStrideM;
        for (let q = 0; q < quadsOut; q++) {
          microKernel(groupIn, pa + <usize>q * panelBytes, pb, mr, mr + 32, mr + 64, mr + 96, false);
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
