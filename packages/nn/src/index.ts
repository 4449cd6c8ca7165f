/**
 * @nndl/nn: PyTorch's torch.nn in camelCase: Module and Parameter, layers, functional forms (F), losses, init,
 * and safetensors checkpoints. Optimizers and schedules are in `@nndl/nn/optim` (also re-exported here as `optim`),
 * the books' models in `@nndl/nn/models`, Node file helpers in `@nndl/nn/node`.
 *
 * @example
 * import { Linear, Sequential, Sigmoid, F } from '@nndl/nn';
 * import { SGD } from '@nndl/nn/optim';
 * const net = new Sequential(new Linear(784, 30), new Sigmoid(), new Linear(30, 10), new Sigmoid());
 * const opt = new SGD(net.parameters(), { lr: 3.0 });
 * opt.zeroGrad(); F.nielsenQuadraticCost(net.call(x), y).backward(); opt.step();
 */
export * as F from './functional.js';
export * as init from './init.js';
export {
  Flatten,
  Identity,
  LeakyReLU,
  LogSoftmax,
  ReLU,
  Sigmoid,
  Softmax,
  Tanh,
} from './layers/activation.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './layers/batchnorm.js';
export { Conv2d, type Conv2dLayerOptions } from './layers/conv2d.js';
export { Dropout } from './layers/dropout.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { AvgPool2d, MaxPool2d, type Pool2dLayerOptions } from './layers/pooling.js';
export { BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss } from './loss.js';
export {
  type AnyModule,
  type ForwardHook,
  type ForwardPreHook,
  type FullBackwardHook,
  type LoadStateDictResult,
  Module,
  type RegisterBufferOptions,
  type StateDict,
} from './module.js';
export { ModuleDict } from './module_dict.js';
export { ModuleList } from './module_list.js';
export * as optim from './optim/index.js';
export { Parameter } from './parameter.js';
export { Sequential } from './sequential.js';
export {
  type Checkpoint,
  loadCheckpoint,
  optimizerStateFromTensors,
  optimizerStateToTensors,
  saveCheckpoint,
  stateDictFromPyTorch,
  stateDictToPyTorch,
} from './serialization/checkpoint.js';
export {
  loadSafetensors,
  type Metadata,
  type SafetensorsContents,
  saveSafetensors,
} from './serialization/safetensors.js';
