/**
 * The WebGL backend itself: dtypes and the float64 refusal, start-up failures, deterministic memory over 100
 * training steps, the FinalizationRegistry safety net, and training-step parity with the CPU.
 */

import { getBackend, type Tensor, tensor, tidy } from '@nndl/tensor';
import { assertClose } from '@nndl/tensor/testing';
import { tfjsMemory } from '@nndl/tensor/webgl';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { startWebGL, webglOptions } from '../src/backends/webgl/startup.js';
import { batch, cnn, mlp, sgdStep } from './models.js';

const webgl = () => getBackend('webgl');

describe('dtypes', () => {
  it('keeps int32 and bool, and refuses float64 with a clear error', () => {
    const i = tensor([1, -2, 3], { device: 'webgl' });
    expect(i.dtype).toBe('int32');
    expect(i.dataSync()).toBeInstanceOf(Int32Array);
    expect(i.mul(2).toArray()).toEqual([2, -4, 6]);
    const b = i.gt(0);
    expect(b.dtype).toBe('bool');
    expect(b.toArray()).toEqual([true, false, true]);
    expect(b.dataSync()).toBeInstanceOf(Uint8Array);
    const float64 = /float64 is not supported on WebGL/;
    expect(() => tensor([1.5], { dtype: 'float64', device: 'webgl' })).toThrow(float64);
    expect(() => tensor([1.5], { dtype: 'float64' }).to('webgl')).toThrow(float64);
    expect(() => tensor([1.5], { device: 'webgl' }).double()).toThrow(float64);
  });

  it('reads asynchronously with data() and synchronously with dataSync()', async () => {
    const x = tensor([1, 2, 3], { device: 'webgl' }).float().exp();
    const values = await x.data();
    expect(values).toBeInstanceOf(Float32Array);
    assertClose(values, [1, 2, 3].map(Math.exp));
    // A copy: writing into it does not change the tensor.
    values[0] = 42;
    assertClose(x.dataSync(), [1, 2, 3].map(Math.exp));
  });
});

describe('start-up checks', () => {
  it('refuses half precision unless asked', () => {
    const env = tf.env();
    const saved = env.getBool('WEBGL_RENDER_FLOAT32_CAPABLE');
    env.set('WEBGL_RENDER_FLOAT32_CAPABLE', false);
    try {
      expect(() => startWebGL()).toThrow(
        /supports only half precision \(float16\).*allowHalfPrecision: true/,
      );
    } finally {
      env.set('WEBGL_RENDER_FLOAT32_CAPABLE', saved);
    }
    expect(webglOptions.allowHalfPrecision).toBe(false);
  });

  it('raises when tfjs cannot start its backend, instead of continuing on another', () => {
    tf.registerBackend('nndl-broken', () => {
      throw new Error('no context');
    });
    const warn = console.warn;
    console.warn = () => undefined; // tfjs logs the failure; the assertion is on our error.
    try {
      expect(() => startWebGL('nndl-broken')).toThrow(/tfjs could not start its 'nndl-broken' backend/);
    } finally {
      console.warn = warn;
      tf.removeBackend('nndl-broken');
      startWebGL();
    }
    expect(tf.getBackend()).toBe('webgl');
  });
});

describe('memory', () => {
  const counts = () => {
    const m = tfjsMemory();
    return { handles: webgl().memory().numHandles, tensors: m.numTensors, textures: m.numDataBuffers };
  };

  for (const kind of ['mlp', 'cnn'] as const) {
    it(`100 training steps of the ${kind} inside tidy leave every count where it was`, () => {
      const model = kind === 'mlp' ? mlp('webgl') : cnn('webgl');
      const [x, y] = batch(kind, 'webgl');
      tidy(() => sgdStep(model, x, y, 0.1).item()); // warm-up: tfjs compiles its shader programs
      const before = counts();
      const losses: number[] = [];
      for (let step = 0; step < 100; step++) losses.push(tidy(() => sgdStep(model, x, y, 0.1).item()));
      expect(counts()).toEqual(before);
      expect(losses[99]!).toBeLessThan(losses[0]!);
    });
  }

  it('dispose() frees at once; using a disposed tensor throws', () => {
    const before = webgl().memory().numHandles;
    const x = tensor([1.5, 2, 3], { device: 'webgl' });
    expect(webgl().memory().numHandles).toBe(before + 1);
    expect(webgl().memory().numBytes).toBeGreaterThan(0);
    x.dispose();
    expect(webgl().memory().numHandles).toBe(before);
    expect(() => x.add(1)).toThrow(/used after dispose/);
  });

  it('the FinalizationRegistry frees storage of tensors that were never disposed', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'chromium must run with --js-flags=--expose-gc').toBeTypeOf('function');
    const drain = async () => {
      for (let i = 0; i < 5; i++) {
        gc!();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    // Earlier tests left garbage too: collect it first, so that `before` counts only live tensors.
    await drain();
    const before = webgl().memory().numHandles;
    (() => {
      const x = tensor([1, 2, 3], { device: 'webgl' }).float();
      for (let i = 0; i < 20; i++) x.mul(i).add(1);
    })();
    expect(webgl().memory().numHandles).toBeGreaterThan(before);
    await drain();
    expect(webgl().memory().numHandles).toBe(before);
  });
});

describe('training-step parity with the CPU', () => {
  const relClose = (a: Tensor, b: Tensor, what: string) => {
    const expected = b.dataSync();
    const scale = Math.max(1, ...Array.from(expected, Math.abs));
    assertClose(a.dataSync(), expected, { rtol: 1e-4, atol: 1e-4 * scale, message: what });
  };
  for (const kind of ['mlp', 'cnn'] as const) {
    it(`${kind}: 5 SGD steps give the same losses and weights`, () => {
      const make = kind === 'mlp' ? mlp : cnn;
      const [cpu, gl] = [make('cpu'), make('webgl')];
      const [xc, yc] = batch(kind, 'cpu');
      const [xg, yg] = batch(kind, 'webgl');
      for (let step = 0; step < 5; step++) {
        const lc = sgdStep(cpu, xc, yc, 0.1);
        const lg = tidy(() => sgdStep(gl, xg, yg, 0.1));
        expect(lg.device).toBe('webgl');
        relClose(lg, lc, `${kind} loss at step ${step}`);
      }
      for (const [i, p] of cpu.params.entries()) {
        relClose(gl.params[i]!, p, `${kind} parameter ${i} after 5 steps`);
      }
    });
  }
});
