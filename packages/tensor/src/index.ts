/**
 * @nndl/tensor: tensors with PyTorch's autograd on a fast CPU backend.
 *
 * @example
 * import { tensor } from '@nndl/tensor';
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * x.pow(2).sum().backward();
 * x.grad!.toArray(); // [2, 4, 6]
 */
import * as engine from './autograd/engine.js';
import { AutogradFunction, FunctionCtx } from './autograd/function.js';
import { registerBackend } from './backend.js';
import { createCpuBackend } from './backends/cpu/index.js';

export type { WasmModuleKind } from './backends/cpu/wasm/module.js';

registerBackend('cpu', createCpuBackend);

export { type BackwardOptions, backward, type GradOptions } from './autograd/engine.js';
export { AutogradFunction as Function, FunctionCtx } from './autograd/function.js';
export { enableGrad, isGradEnabled, noGrad, setGradEnabled } from './autograd/grad_mode.js';
export { type BackwardFn, type GradHook, Node, type RemovableHandle } from './autograd/node.js';
export {
  type Backend,
  getBackend,
  getDefaultBackendName,
  type KernelFn,
  type KernelImplementation,
  listBackends,
  type MemoryInfo,
  registerBackend,
  setDefaultBackend,
  type TensorInfo,
} from './backend.js';
export {
  type CpuBackendOptions,
  type CpuKernelChoice,
  type CpuThreadsChoice,
  cpuThreads,
  cpuWasmModule,
  createCpuBackend,
  setConvWinograd,
  setCpuThreads,
} from './backends/cpu/index.js';
export type { DType, TypedArray } from './dtype.js';
export * as kernels from './kernel_names.js';
export * from './ops/creation.js';
export {
  abs,
  add,
  cast,
  clamp,
  cos,
  div,
  eq,
  exp,
  floor,
  ge,
  gt,
  le,
  leakyRelu,
  log,
  logicalAnd,
  logicalNot,
  logicalOr,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  reciprocal,
  relu,
  rsqrt,
  sigmoid,
  sign,
  sin,
  sqrt,
  square,
  sub,
  sumTo,
  tanh,
  where,
} from './ops/elementwise.js';
export { gather, indexAdd, indexSelect, maskedFill, oneHot, scatter, scatterAdd } from './ops/indexing.js';
export { copy_, fill_, normal_, uniform_ } from './ops/inplace.js';
export { runKernel } from './ops/kernel.js';
export { batchMatMul3, bmm, dot, linear, matmul, mm, t } from './ops/linalg.js';
export {
  avgPool2d,
  type Conv2dOptions,
  conv2d,
  logSoftmax,
  maxPool2d,
  type Pool2dOptions,
  softmax,
} from './ops/nn.js';
export {
  all,
  any,
  argmax,
  argmin,
  type Dims,
  logsumexp,
  max,
  maxDim,
  mean,
  min,
  minDim,
  std,
  sum,
  type VarOptions,
  variance,
} from './ops/reduce.js';
export {
  cat,
  chunk,
  clone,
  expand,
  flatten,
  narrow,
  pad,
  permute,
  repeat,
  reshape,
  select,
  slice,
  split,
  squeeze,
  stack,
  transpose,
  unbind,
  unsqueeze,
} from './ops/shape.js';
export { defaultGenerator, Generator, manualSeed } from './random.js';
export { dispose, keep, tidy } from './scope.js';
export { broadcastShapes, type Shape, sizeOf } from './shape.js';
export { cachedBytes, emptyCache, setCacheLimit } from './storage_pool.js';
export { type NestedArray, Tensor, type ValuesIndices, type VersionCounter } from './tensor.js';

/** torch.autograd: `backward`, `grad`, and custom `Function`. */
export const autograd = {
  backward: engine.backward,
  grad: engine.grad,
  Function: AutogradFunction,
  FunctionCtx,
} as const;
