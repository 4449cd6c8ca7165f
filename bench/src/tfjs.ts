/**
 * The TensorFlow.js runners: tfjs-core with the cpu backend (plain JavaScript) and the wasm backend (XNNPACK, SIMD
 * where the runtime has it), both single-threaded. tfjs is NHWC-native, so the conv cases give it NHWC tensors and
 * HWIO filters: the peer runs in its own best layout.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { type ConvLayer, convOutputSize, type Prepared, type Runner, randomValues } from './runner.js';

export interface TfjsInfo {
  version: string;
  wasmSimd: boolean;
  wasmThreads: number;
  /** Why the wasm backend could not start, if it could not. */
  wasmError?: string;
}

let setup: Promise<TfjsInfo> | undefined;

/** Register and initialize both backends once: wasm loads its .wasm from node_modules, one thread. */
export function setupTfjs(): Promise<TfjsInfo> {
  setup ??= (async () => {
    // PROD silences tfjs's console advice about tfjs-node and skips debug-only checks.
    tf.env().set('PROD', true);
    const require = createRequire(import.meta.url);
    const wasmDist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    setWasmPaths(`${wasmDist}/`);
    // In Node tfjs never picks the threaded binary; both settings say "one thread" explicitly.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setThreadsCount(1);
    const wasmSimd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    let wasmError: string | undefined;
    try {
      if (!(await tf.setBackend('wasm'))) wasmError = 'tf.setBackend("wasm") returned false';
    } catch (error) {
      wasmError = error instanceof Error ? error.message : String(error);
    }
    await tf.setBackend('cpu');
    return { version: tf.version_core, wasmSimd, wasmThreads: 1, wasmError };
  })();
  return setup;
}

/** A runner on the tfjs backend `backend` ('cpu' or 'wasm'); call setupTfjs() first. */
export function tfjsRunner(backend: 'cpu' | 'wasm'): Runner {
  const use = async () => {
    if (!(await tf.setBackend(backend))) throw new Error(`bench: tfjs backend '${backend}' is not available`);
  };
  const fromValues = (shape: number[], seed: number) =>
    tf.tensor(
      randomValues(
        shape.reduce((a, b) => a * b, 1),
        seed,
      ),
      shape,
      'float32',
    );
  return {
    name: `tfjs-${backend}`,

    async matmul(n: number): Promise<Prepared> {
      await use();
      const a = fromValues([n, n], 1);
      const b = fromValues([n, n], 2);
      return {
        step: () => tf.matMul(a, b).dispose(),
        dispose: () => tf.dispose([a, b]),
      };
    },

    async conv2dForward(layer: ConvLayer): Promise<Prepared> {
      await use();
      const x = fromValues([layer.batch, layer.height, layer.width, layer.inChannels], 3) as tf.Tensor4D;
      const w = fromValues(
        [layer.kernel, layer.kernel, layer.inChannels, layer.outChannels],
        4,
      ) as tf.Tensor4D;
      return {
        step: () => tf.conv2d(x, w, 1, 'valid').dispose(),
        dispose: () => tf.dispose([x, w]),
      };
    },

    async conv2dForwardBackward(layer: ConvLayer): Promise<Prepared> {
      await use();
      const [outH, outW] = convOutputSize(layer);
      const x = fromValues([layer.batch, layer.height, layer.width, layer.inChannels], 3) as tf.Tensor4D;
      const w = fromValues(
        [layer.kernel, layer.kernel, layer.inChannels, layer.outChannels],
        4,
      ) as tf.Tensor4D;
      const dy = fromValues([layer.batch, outH, outW, layer.outChannels], 5) as tf.Tensor4D;
      // The three kernels that tf.grads would run (tfjs-core's Node bundle registers no gradients): the forward
      // conv, then Conv2DBackpropInput and Conv2DBackpropFilter on the upstream gradient dy.
      const attrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC' };
      const engine = tf.engine();
      return {
        step: () => {
          const y = tf.conv2d(x, w, 1, 'valid');
          const dx = engine.runKernel(
            tf.Conv2DBackpropInput,
            { dy, filter: w },
            { ...attrs, inputShape: x.shape },
          );
          const dw = engine.runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...attrs, filterShape: w.shape });
          tf.dispose([y, dx as tf.Tensor, dw as tf.Tensor]);
        },
        dispose: () => tf.dispose([x, w, dy]),
      };
    },

    async tinyAdd(size: number): Promise<Prepared> {
      await use();
      const a = fromValues([size], 6);
      const b = fromValues([size], 7);
      return {
        step: () => tf.add(a, b).dispose(),
        dispose: () => tf.dispose([a, b]),
      };
    },
  };
}
