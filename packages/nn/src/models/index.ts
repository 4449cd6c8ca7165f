/**
 * @nndl/nn/models: the books' networks.
 * @example import { NielsenNetwork, chapter6Net, LeNet, ResNet34 } from '@nndl/nn/models';
 */
export { LeNet, type LeNetOptions } from './lenet.js';
export {
  type Chapter6NetName,
  ConvPoolLayer,
  chapter6Net,
  FullyConnectedLayer,
  Network3,
  type Network3Activation,
  SoftmaxLayer,
} from './network3.js';
export {
  type NielsenActivation,
  type NielsenCost,
  NielsenNetwork,
  type NielsenNetworkOptions,
} from './nielsen_network.js';
export { ResidualBlock, ResNet34 } from './resnet.js';
