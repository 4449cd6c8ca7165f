/**
 * The nndl runner. Matmul and conv2d call the CPU backend's kernels directly through its kernel table (the heavy
 * kernels are what these cases measure); the small-op case goes through the public Tensor API.
 */
import { getBackend, type KernelFn, kernels, type TensorInfo, tensor } from '@nndl/tensor';
import { type ConvLayer, convOutputSize, type Prepared, type Runner, randomValues } from './runner.js';

function cpuKernel(name: string): KernelFn {
  const kernel = getBackend('cpu').kernels.get(name);
  if (!kernel) throw new Error(`bench: the CPU backend has no kernel '${name}'`);
  return kernel.fn;
}

function info(shape: number[], seed: number): TensorInfo {
  const size = shape.reduce((a, b) => a * b, 1);
  return { handle: randomValues(size, seed), shape, dtype: 'float32' };
}

/** Kernels ignore the backend argument on the CPU; passing the real one keeps the call honest. */
function call(kernel: KernelFn, inputs: TensorInfo[], attrs: object): TensorInfo {
  return kernel(inputs, attrs as never, getBackend('cpu'));
}

export function nndlRunner(): Runner {
  return {
    name: 'nndl',

    async matmul(n: number): Promise<Prepared> {
      const matMul = cpuKernel(kernels.BatchMatMul);
      const a = info([1, n, n], 1);
      const b = info([1, n, n], 2);
      const attrs = { transposeA: false, transposeB: false };
      return { step: () => void call(matMul, [a, b], attrs), dispose: () => {}, note: kernelNote };
    },

    async conv2dForward(layer: ConvLayer): Promise<Prepared> {
      const forward = cpuKernel(kernels.Conv2D);
      const x = info([layer.batch, layer.inChannels, layer.height, layer.width], 3);
      const w = info([layer.outChannels, layer.inChannels, layer.kernel, layer.kernel], 4);
      const attrs = { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
      return { step: () => void call(forward, [x, w], attrs), dispose: () => {}, note: kernelNote };
    },

    async conv2dForwardBackward(layer: ConvLayer): Promise<Prepared> {
      const forward = cpuKernel(kernels.Conv2D);
      const backpropInput = cpuKernel(kernels.Conv2DBackpropInput);
      const backpropFilter = cpuKernel(kernels.Conv2DBackpropFilter);
      const [outH, outW] = convOutputSize(layer);
      const xShape = [layer.batch, layer.inChannels, layer.height, layer.width];
      const wShape = [layer.outChannels, layer.inChannels, layer.kernel, layer.kernel];
      const x = info(xShape, 3);
      const w = info(wShape, 4);
      const dy = info([layer.batch, layer.outChannels, outH, outW], 5);
      const attrs = { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
      const inputAttrs = { ...attrs, inputShape: xShape };
      const filterAttrs = { ...attrs, filterShape: wShape };
      return {
        step: () => {
          call(forward, [x, w], attrs);
          call(backpropInput, [dy, w], inputAttrs);
          call(backpropFilter, [x, dy], filterAttrs);
        },
        dispose: () => {},
        note: kernelNote,
      };
    },

    async tinyAdd(size: number): Promise<Prepared> {
      const a = tensor(Array.from(randomValues(size, 6)));
      const b = tensor(Array.from(randomValues(size, 7)));
      return { step: () => void a.add(b), dispose: () => {} };
    },
  };
}

const kernelNote =
  'nndl: CPU kernels called directly through the backend kernel table (no Tensor/autograd overhead)';
