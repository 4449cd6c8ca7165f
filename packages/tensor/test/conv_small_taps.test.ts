/**
 * Conv2DBackpropInput in wasm for filters with fewer than eight taps per output channel (C/groups * kh * kw of 1, 2,
 * 5), whose col2im tiles have rows past the last tap: those rows must not read the tap table left by an earlier,
 * larger convolution (regression: they did, and the stale offsets wrote outside dx). Compared with the TypeScript
 * kernel after a large convolution has filled the module's scratch.
 */
import { describe, expect, it } from 'vitest';
import { conv2d, conv2dBackpropInput } from '../src/backends/cpu/conv2d.js';
import { wasmConv2d, wasmConv2dBackpropInput } from '../src/backends/cpu/wasm/kernels.js';
import { loadWasmKernels } from '../src/backends/cpu/wasm/module.js';
import { seededInfo } from './kernel_inputs.js';

const arena = loadWasmKernels();

const info = seededInfo;

describe.runIf(arena !== null)('wasm conv input gradient with few taps', () => {
  it.each([
    [2, 1, 1, [1, 0], [1, 1]],
    [1, 1, 1, [1, 0], [1, 1]],
    [5, 1, 1, [1, 0], [1, 1]],
    [1, 5, 1, [2, 0], [1, 1]],
    [1, 2, 1, [0, 0], [1, 1]],
    [3, 1, 1, [1, 0], [1, 1]],
    [2, 1, 1, [0, 0], [2, 1]],
  ] as const)(
    'C %i, %ix%i kernel, padding %j, stride %j: equals the TypeScript kernel',
    (c, kh, kw, padding, stride) => {
      // Fill the scratch (tap table included) with a larger convolution's data first.
      const big = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
      wasmConv2dBackpropInput(arena!, conv2dBackpropInput)(
        [info([4, 8, 16, 16], 1), info([8, 8, 3, 3], 2)],
        { ...big, inputShape: [4, 8, 16, 16] } as never,
        undefined as never,
      );
      const attrs = { stride: [...stride], padding: [...padding], dilation: [1, 1], groups: 1 };
      const x = [2, c, 6, 16];
      const w = info([3, c, kh, kw], 3);
      const y = conv2d([info(x, 4), w], attrs as never, undefined as never);
      const dy = info([...y.shape], 5);
      const inputs = [dy, w];
      const a = { ...attrs, inputShape: x } as never;
      const want = conv2dBackpropInput(inputs, a, undefined as never).handle as Float32Array;
      const got = wasmConv2dBackpropInput(arena!, conv2dBackpropInput)(inputs, a, undefined as never)
        .handle as Float32Array;
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++)
        expect(Math.abs(got[i]! - want[i]!), `element ${i}`).toBeLessThan(1e-5);
      // And the forward on the same geometry, for good measure.
      const fw = wasmConv2d(arena!, conv2d)([info(x, 4), w], attrs as never, undefined as never)
        .handle as Float32Array;
      const ft = y.handle as Float32Array;
      for (let i = 0; i < ft.length; i++) expect(Math.abs(fw[i]! - ft[i]!)).toBeLessThan(1e-5);
    },
  );
});
