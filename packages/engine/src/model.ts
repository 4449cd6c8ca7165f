/**
 * From a spec's model and loss to a module plus the few functions the Trainer needs: how a batch enters the model,
 * the cost, the predicted classes, and which parameters Nielsen's L2 decays.
 */
import {
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  F,
  Flatten,
  init,
  Linear,
  LogSoftmax,
  MaxPool2d,
  type Module,
  type Parameter,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
} from '@nndl/nn';
import { type Chapter6NetName, chapter6Net, LeNet, NielsenNetwork, ResNet34 } from '@nndl/nn/models';
import { type Generator, oneHot, type Tensor } from '@nndl/tensor';
import type { ExperimentSpec, LayerSpec } from './spec.js';

export interface BuiltModel {
  module: Module;
  /** Run the model on a batch of inputs as the data loader yields them. */
  forward(x: Tensor): Tensor;
  /** The spec's cost of a batch's outputs against its targets (int32 labels, or float targets for regression). */
  loss(output: Tensor, targets: Tensor): Tensor;
  /** Predicted classes [N] (null for regression). */
  predict(output: Tensor): Tensor | null;
  /** The weights that L2 regularization decays (biases are not decayed, as in the book). */
  weights: Parameter[];
}

const NETWORK3_NAMES: Record<string, Chapter6NetName> = {
  shallow: 'shallow',
  'one-conv': 'oneConv',
  'two-conv': 'twoConv',
  relu: 'twoConvRelu',
  'two-fc': 'twoConvReluTwoFc',
  dropout: 'dropout',
};

function layerFromSpec(layer: LayerSpec, generator: Generator): Module {
  switch (layer.type) {
    case 'linear':
      return new Linear(layer.inFeatures, layer.outFeatures, { bias: layer.bias, generator });
    case 'conv2d':
      return new Conv2d(layer.inChannels, layer.outChannels, layer.kernelSize, {
        stride: layer.stride,
        padding: layer.padding,
        generator,
      });
    case 'maxPool2d':
      return new MaxPool2d(layer.kernelSize, layer.stride === undefined ? {} : { stride: layer.stride });
    case 'avgPool2d':
      return new AvgPool2d(layer.kernelSize, layer.stride === undefined ? {} : { stride: layer.stride });
    case 'batchNorm1d':
      return new BatchNorm1d(layer.numFeatures);
    case 'batchNorm2d':
      return new BatchNorm2d(layer.numFeatures);
    case 'dropout':
      return new Dropout(layer.p, { generator });
    case 'flatten':
      return new Flatten();
    case 'sigmoid':
      return new Sigmoid();
    case 'tanh':
      return new Tanh();
    case 'relu':
      return new ReLU();
    case 'softmax':
      return new Softmax(1);
    case 'logSoftmax':
      return new LogSoftmax(1);
  }
}

function weightsOf(module: Module): Parameter[] {
  return module
    .namedParameters()
    .filter(([name, p]) => /(^|\.)(weight|w)$/.test(name) && p.ndim >= 2)
    .map(([, p]) => p);
}

/** The cost the spec names. Classification targets are int32 labels; Nielsen's costs use them one-hot. */
function lossFunction(spec: ExperimentSpec): (output: Tensor, targets: Tensor) => Tensor {
  const oneHotOf = (output: Tensor, labels: Tensor) =>
    labels.dtype === 'int32'
      ? oneHot(labels, output.shape[1]!, output.dtype === 'float64' ? 'float64' : 'float32')
      : labels;
  switch (spec.loss) {
    case 'quadratic':
      return (a, y) => F.nielsenQuadraticCost(a, oneHotOf(a, y));
    case 'cross-entropy':
      return (a, y) => F.nielsenCrossEntropyCost(a, oneHotOf(a, y));
    case 'log-likelihood':
      return (z, y) => F.crossEntropy(z, y);
    case 'mse':
      return (a, y) => F.mseLoss(a, y.reshape(a.shape as number[]));
  }
}

/** Build the spec's model with parameters drawn from `generator`. */
export function buildModel(spec: ExperimentSpec, generator: Generator): BuiltModel {
  const m = spec.model;
  const loss = lossFunction(spec);
  const classify = (out: Tensor) => out.argmax(1);
  const flat = (x: Tensor) => (x.ndim > 2 ? x.reshape(x.shape[0]!, -1) : x);
  switch (m.type) {
    case 'nielsen': {
      const init_ = m.init === 'large' ? 'large' : 'default'; // 'kaiming' starts from 'default', then re-draws weights
      const net = new NielsenNetwork(m.sizes, { activation: m.activation, init: init_, generator });
      if (m.init === 'kaiming')
        for (const w of net.weights()) init.kaimingNormal_(w, { nonlinearity: 'relu', generator });
      return {
        module: net,
        forward: (x) => net.call(flat(x)),
        loss,
        predict: classify,
        weights: net.weights(),
      };
    }
    case 'network3': {
      const net = chapter6Net(NETWORK3_NAMES[m.net]!, { generator });
      return { module: net, forward: (x) => net.call(x), loss, predict: classify, weights: net.weights() };
    }
    case 'lenet': {
      const net = new LeNet({
        inChannels: m.inChannels,
        numClasses: m.numClasses,
        imageSize: m.inChannels === 1 ? 28 : 32,
        generator,
      });
      return { module: net, forward: (x) => net.call(x), loss, predict: classify, weights: weightsOf(net) };
    }
    case 'resnet34': {
      const net = new ResNet34({ numClasses: m.numClasses, generator });
      return { module: net, forward: (x) => net.call(x), loss, predict: classify, weights: weightsOf(net) };
    }
    case 'linearRegression': {
      const net = new Linear(m.inFeatures, 1, { generator });
      return { module: net, forward: (x) => net.call(x), loss, predict: () => null, weights: [] };
    }
    case 'layers': {
      const net = new Sequential(...m.layers.map((l) => layerFromSpec(l, generator)));
      return { module: net, forward: (x) => net.call(x), loss, predict: classify, weights: weightsOf(net) };
    }
  }
}
