/**
 * network3.py's layers (chapter 6) and a builder for the chapter's networks, with the book's exact shapes and
 * initializations. Where the book differs from PyTorch, the book wins, and the difference is noted:
 * - weights of fully connected layers are [nIn, nOut] (the book's `w`), not Linear's [out, in];
 * - dropout is the book's: in training the layer's input is multiplied by a 0/1 mask (no rescaling); in evaluation
 *   the weighted input is scaled by (1 - p) instead;
 * - SoftmaxLayer returns the logits z; the book's softmax and log-likelihood cost are `F.crossEntropy(z, y)`, which
 *   computes -mean(log softmax(z)[y]) in one stable step (Network3.loss does this).
 */
import { type DType, defaultGenerator, type Generator, type Tensor, zeros } from '@nndl/tensor';
import * as F from '../functional.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import { ModuleList } from '../module_list.js';
import { Parameter } from '../parameter.js';

export type Network3Activation = 'sigmoid' | 'relu' | 'tanh' | 'linear';

function activate(z: Tensor, activation: Network3Activation): Tensor {
  switch (activation) {
    case 'sigmoid':
      return z.sigmoid();
    case 'relu':
      return z.relu();
    case 'tanh':
      return z.tanh();
    case 'linear':
      return z;
  }
}

export interface Network3LayerOptions {
  activation?: Network3Activation;
  generator?: Generator;
  dtype?: DType;
}

/**
 * Convolution (valid, stride 1, no bias) -> max-pool -> activation(pooled + b), as network3.py's ConvPoolLayer.
 * Weights N(0, 1/n_out) with n_out = filters * kh * kw / (pool area); biases N(0, 1).
 * @example new ConvPoolLayer([20, 1, 5, 5]).call(x) // x [N, 1, 28, 28] -> [N, 20, 12, 12]
 */
export class ConvPoolLayer extends Module {
  readonly filterShape: [number, number, number, number];
  readonly poolSize: [number, number];
  readonly activation: Network3Activation;
  /** When set, 2-D inputs [N, C*H*W] are reshaped to [N, ...imageShape] first (the book's image_shape). */
  readonly imageShape: [number, number, number] | null;
  w: Parameter;
  b: Parameter;

  constructor(
    filterShape: [number, number, number, number],
    options: Network3LayerOptions & {
      poolSize?: [number, number];
      imageShape?: [number, number, number];
    } = {},
  ) {
    super();
    this.filterShape = [...filterShape];
    this.poolSize = options.poolSize ?? [2, 2];
    this.activation = options.activation ?? 'sigmoid';
    this.imageShape = options.imageShape ?? null;
    const dtype = options.dtype ?? 'float32';
    this.w = new Parameter(zeros(filterShape, { dtype }));
    this.b = new Parameter(zeros([filterShape[0]], { dtype }));
    this.resetParameters(options.generator);
  }

  resetParameters(generator: Generator = defaultGenerator): void {
    const [filters, , kh, kw] = this.filterShape;
    const nOut = (filters * kh * kw) / (this.poolSize[0] * this.poolSize[1]);
    init.normal_(this.w, 0, Math.sqrt(1 / nOut), generator);
    init.normal_(this.b, 0, 1, generator);
  }

  override forward(x: Tensor): Tensor {
    if (x.ndim === 2 && this.imageShape) x = x.reshape([x.shape[0]!, ...this.imageShape]);
    const pooled = F.maxPool2d(F.conv2d(x, this.w), this.poolSize);
    return activate(pooled.add(this.b.reshape([1, this.filterShape[0], 1, 1])), this.activation);
  }

  override extraRepr(): string {
    return `filterShape=[${this.filterShape}], poolSize=[${this.poolSize}], activation=${this.activation}`;
  }
}

/** Nielsen's dropout (network3.py's dropout_layer): keep each input with probability 1 - p, unscaled. */
function bookDropout(x: Tensor, p: number, training: boolean, generator: Generator): Tensor {
  return training && p > 0 ? x.mul(F.dropoutMask(x, 1 - p, 1, generator)) : x;
}

/** The weighted input with the book's dropout convention: training uses the masked input, evaluation scales by 1-p. */
function weightedInput(layer: FullyConnectedLayer | SoftmaxLayer, x: Tensor): Tensor {
  const flat = x.reshape([x.shape[0]!, layer.nIn]);
  const dropped = bookDropout(flat, layer.pDropout, layer.training, layer.generator);
  let z = dropped.matmul(layer.w);
  if (!layer.training && layer.pDropout > 0) z = z.mul(1 - layer.pDropout);
  return z.add(layer.b);
}

/**
 * activation(x w + b) with w [nIn, nOut] ~ N(0, 1/nOut) and b ~ N(0, 1), and the book's dropout on its input.
 * @example new FullyConnectedLayer(40 * 4 * 4, 100, { activation: 'relu', pDropout: 0.5 })
 */
export class FullyConnectedLayer extends Module {
  readonly nIn: number;
  readonly nOut: number;
  readonly activation: Network3Activation;
  readonly pDropout: number;
  readonly generator: Generator;
  w: Parameter;
  b: Parameter;

  constructor(nIn: number, nOut: number, options: Network3LayerOptions & { pDropout?: number } = {}) {
    super();
    this.nIn = nIn;
    this.nOut = nOut;
    this.activation = options.activation ?? 'sigmoid';
    this.pDropout = options.pDropout ?? 0;
    this.generator = options.generator ?? defaultGenerator;
    const dtype = options.dtype ?? 'float32';
    this.w = new Parameter(zeros([nIn, nOut], { dtype }));
    this.b = new Parameter(zeros([nOut], { dtype }));
    this.resetParameters();
  }

  resetParameters(generator: Generator = this.generator): void {
    init.normal_(this.w, 0, Math.sqrt(1 / this.nOut), generator);
    init.normal_(this.b, 0, 1, generator);
  }

  override forward(x: Tensor): Tensor {
    return activate(weightedInput(this, x), this.activation);
  }

  override extraRepr(): string {
    return `nIn=${this.nIn}, nOut=${this.nOut}, activation=${this.activation}, pDropout=${this.pDropout}`;
  }
}

/** The output layer: logits x w + b (w, b initialized to zero, as the book); softmax is applied by the loss. */
export class SoftmaxLayer extends Module {
  readonly nIn: number;
  readonly nOut: number;
  readonly pDropout: number;
  readonly generator: Generator;
  w: Parameter;
  b: Parameter;

  constructor(
    nIn: number,
    nOut: number,
    options: { pDropout?: number; generator?: Generator; dtype?: DType } = {},
  ) {
    super();
    this.nIn = nIn;
    this.nOut = nOut;
    this.pDropout = options.pDropout ?? 0;
    this.generator = options.generator ?? defaultGenerator;
    const dtype = options.dtype ?? 'float32';
    this.w = new Parameter(zeros([nIn, nOut], { dtype }));
    this.b = new Parameter(zeros([nOut], { dtype }));
    this.resetParameters();
  }

  resetParameters(): void {
    init.zeros_(this.w);
    init.zeros_(this.b);
  }

  override forward(x: Tensor): Tensor {
    return weightedInput(this, x);
  }

  override extraRepr(): string {
    return `nIn=${this.nIn}, nOut=${this.nOut}, pDropout=${this.pDropout}`;
  }
}

/**
 * network3.py's Network: layers applied in order; `forward` returns the logits of the SoftmaxLayer.
 * @example
 * const net = chapter6Net('twoConv');
 * const loss = net.loss(net.call(x), labels); // the book's log-likelihood cost
 */
export class Network3 extends Module {
  layers: ModuleList;

  constructor(layers: Module[]) {
    super();
    this.layers = new ModuleList(layers);
  }

  override forward(x: Tensor): Tensor {
    for (const layer of this.layers) x = layer.call(x);
    return x;
  }

  /** The book's cost: -mean(log softmax(z)[y]) for int32 labels y. */
  loss(logits: Tensor, labels: Tensor): Tensor {
    return F.crossEntropy(logits, labels);
  }

  /** Predicted classes [N]. */
  predict(x: Tensor): Tensor {
    return this.call(x).argmax(1);
  }

  /** The weights (w of every layer): what the book's L2 term sums. */
  weights(): Parameter[] {
    return this.namedParameters()
      .filter(([name]) => name.endsWith('.w'))
      .map(([, p]) => p);
  }
}

export type Chapter6NetName =
  | 'shallow'
  | 'oneConv'
  | 'twoConv'
  | 'twoConvRelu'
  | 'twoConvReluTwoFc'
  | 'dropout';

/**
 * The networks of chapter 6 with the book's shapes (MNIST 28x28 inputs, given as [N, 784] or [N, 1, 28, 28]):
 * - shallow: FC 784->100 sigmoid, softmax 100->10 (97.80%)
 * - oneConv: conv 20x5x5 + pool 2 -> FC 2880->100 -> softmax (98.78%)
 * - twoConv: + conv 40x20x5x5 + pool 2 -> FC 640->100 -> softmax (99.06%)
 * - twoConvRelu: twoConv with ReLU everywhere (99.23%; the book trains it with eta 0.03, lambda 0.1)
 * - twoConvReluTwoFc: + a second FC 100->100 ReLU (99.43%)
 * - dropout: two conv ReLU -> FC 640->1000 -> FC 1000->1000 (ReLU, dropout 0.5) -> softmax (dropout 0.5) (99.60%)
 * The book's L2 term 0.5 * lambda * sum(w^2) / numTrainingBatches equals SGD's weightDecay = lambda * m / n on the
 * weights (m the mini-batch size, n the training-set size).
 */
export function chapter6Net(
  name: Chapter6NetName,
  options: { generator?: Generator; dtype?: DType } = {},
): Network3 {
  const { generator, dtype } = options;
  const conv = (shape: [number, number, number, number], activation: Network3Activation, first: boolean) =>
    new ConvPoolLayer(shape, {
      activation,
      generator,
      dtype,
      ...(first ? { imageShape: [1, 28, 28] as [number, number, number] } : {}),
    });
  const fc = (nIn: number, nOut: number, activation: Network3Activation, pDropout = 0) =>
    new FullyConnectedLayer(nIn, nOut, { activation, pDropout, generator, dtype });
  const softmax = (nIn: number, pDropout = 0) => new SoftmaxLayer(nIn, 10, { pDropout, generator, dtype });
  // The book's two convolutional stages: 20 filters 5x5 + pool 2 (28 -> 12), then 40 filters 5x5 + pool 2 (12 -> 4).
  const twoConvs = (activation: Network3Activation) => [
    conv([20, 1, 5, 5], activation, true),
    conv([40, 20, 5, 5], activation, false),
  ];
  switch (name) {
    case 'shallow':
      return new Network3([fc(784, 100, 'sigmoid'), softmax(100)]);
    case 'oneConv':
      return new Network3([
        conv([20, 1, 5, 5], 'sigmoid', true),
        fc(20 * 12 * 12, 100, 'sigmoid'),
        softmax(100),
      ]);
    case 'twoConv':
      return new Network3([...twoConvs('sigmoid'), fc(40 * 4 * 4, 100, 'sigmoid'), softmax(100)]);
    case 'twoConvRelu':
      return new Network3([...twoConvs('relu'), fc(40 * 4 * 4, 100, 'relu'), softmax(100)]);
    case 'twoConvReluTwoFc':
      return new Network3([
        ...twoConvs('relu'),
        fc(40 * 4 * 4, 100, 'relu'),
        fc(100, 100, 'relu'),
        softmax(100),
      ]);
    case 'dropout':
      return new Network3([
        ...twoConvs('relu'),
        fc(40 * 4 * 4, 1000, 'relu', 0.5),
        fc(1000, 1000, 'relu', 0.5),
        softmax(1000, 0.5),
      ]);
    default:
      throw new Error(`chapter6Net: unknown network ${String(name)}`);
  }
}
