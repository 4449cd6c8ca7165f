/**
 * A Runner is one library under test (nndl, or TensorFlow.js on one backend). Each measured case asks every runner
 * to prepare the same work on the same data and returns a step to time; the case, not the runner, decides what is
 * measured and how it is reported, so the figures stay comparable.
 */
import type { Step } from './timing.js';

/** Work prepared by a runner: `step` runs it once (synchronously, result computed); `dispose` frees its tensors. */
export interface Prepared {
  step: Step;
  dispose(): void;
  /** Set when the runner had to measure something other than the public API (printed under the table). */
  note?: string;
}

/** A convolution layer, NCHW, square kernel, stride 1, no padding (Nielsen's network3 layers). */
export interface ConvLayer {
  name: string;
  batch: number;
  inChannels: number;
  height: number;
  width: number;
  outChannels: number;
  kernel: number;
}

export interface Runner {
  /** Column name in the table, e.g. 'nndl', 'tfjs-cpu', 'tfjs-wasm'. */
  readonly name: string;
  /** Float32 product of two random n x n matrices. */
  matmul(n: number): Promise<Prepared>;
  /** Float32 conv2d forward (valid padding, stride 1). */
  conv2dForward(layer: ConvLayer): Promise<Prepared>;
  /** Float32 conv2d forward, then the gradients of input and filter for a random upstream gradient. */
  conv2dForwardBackward(layer: ConvLayer): Promise<Prepared>;
  /** Float32 add of two tensors of `size` elements: the fixed cost of one small op. */
  tinyAdd(size: number): Promise<Prepared>;
}

/** Deterministic uniform values in [-1, 1) (a 32-bit LCG), so every runner sees the same inputs. */
export function randomValues(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

/** Output height/width of a valid, stride-1 convolution. */
export function convOutputSize(layer: ConvLayer): [number, number] {
  return [layer.height - layer.kernel + 1, layer.width - layer.kernel + 1];
}
