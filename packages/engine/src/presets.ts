/**
 * The books' experiments as presets, with their exact settings and the book's reported figure beside each one
 * (../shared/reference/nielsen/README.md; chapter numbers are Nielsen's "Neural Networks and Deep Learning").
 */
import { type ExperimentSpec, type ExperimentSpecInput, parseSpec } from './spec.js';

const mnist = (batchSize: number, evaluation: 'test' | 'validation' = 'test') =>
  ({ dataset: 'mnist', batchSize, evaluation }) as const;

// network3.py adds 0.5 * lambda * ||w||^2 / num_training_batches to the cost: per step that is eta * lambda * m / n,
// i.e. network2's lambda times the mini-batch size m. The specs use network2's convention, so lambda = book * m.
const network3Lambda = (bookLambda: number, batchSize: number) => bookLambda * batchSize;

const presetInputs: ExperimentSpecInput[] = [
  // ---- chapter 1 --------------------------------------------------------------------------------------------------
  {
    name: 'quickstart',
    description:
      "Chapter 1's [784,30,10] sigmoid net on the 10,000 bundled digits: no download, well under a minute.",
    model: { type: 'nielsen', sizes: [784, 30, 10], init: 'large' },
    data: { dataset: 'bundled-digits', batchSize: 10, evaluation: 'test' },
    loss: 'quadratic',
    optimizer: { type: 'sgd', lr: 3.0 },
    epochs: 10,
    reference: { source: 'chapter 1 (full MNIST: 95.42%)', note: 'bundled digits: 8,000 train / 2,000 test' },
  },
  {
    name: 'ch1-784-30-10',
    description:
      'Chapter 1: [784,30,10] sigmoid, quadratic cost, N(0,1) init, 30 epochs, mini-batch 10, eta 3.0.',
    model: { type: 'nielsen', sizes: [784, 30, 10], init: 'large' },
    data: mnist(10),
    loss: 'quadratic',
    optimizer: { type: 'sgd', lr: 3.0 },
    epochs: 30,
    reference: { accuracy: 95.42, source: 'chapter 1' },
  },
  {
    name: 'ch1-784-100-10',
    description: 'Chapter 1: [784,100,10], otherwise as ch1-784-30-10.',
    model: { type: 'nielsen', sizes: [784, 100, 10], init: 'large' },
    data: mnist(10),
    loss: 'quadratic',
    optimizer: { type: 'sgd', lr: 3.0 },
    epochs: 30,
    reference: { accuracy: 96.59, source: 'chapter 1' },
  },
  // ---- chapter 3 --------------------------------------------------------------------------------------------------
  {
    name: 'ch3-cross-entropy',
    description: 'Chapter 3: cross-entropy cost, [784,30,10], N(0,1) init, eta 0.5, 30 epochs.',
    model: { type: 'nielsen', sizes: [784, 30, 10], init: 'large' },
    data: mnist(10),
    loss: 'cross-entropy',
    optimizer: { type: 'sgd', lr: 0.5 },
    epochs: 30,
    reference: { accuracy: 95.49, source: 'chapter 3' },
  },
  {
    name: 'ch3-l2-100',
    description:
      'Chapter 3: cross-entropy, [784,100,10], N(0,1) init, eta 0.5, lambda 5.0, 30 epochs (validation).',
    model: { type: 'nielsen', sizes: [784, 100, 10], init: 'large' },
    data: mnist(10, 'validation'),
    loss: 'cross-entropy',
    optimizer: { type: 'sgd', lr: 0.5 },
    lambda: 5.0,
    epochs: 30,
    reference: { accuracy: 97.92, source: 'chapter 3' },
  },
  {
    name: 'ch3-l2-100-60',
    description: 'Chapter 3: as ch3-l2-100 with eta 0.1 for 60 epochs (validation).',
    model: { type: 'nielsen', sizes: [784, 100, 10], init: 'large' },
    data: mnist(10, 'validation'),
    loss: 'cross-entropy',
    optimizer: { type: 'sgd', lr: 0.1 },
    lambda: 5.0,
    epochs: 60,
    reference: { accuracy: 98.04, source: 'chapter 3' },
  },
  {
    name: 'ch3-overfitting',
    description:
      'Chapter 3: overfitting on the first 1,000 training images, [784,30,10], eta 0.5, 400 epochs, no L2.',
    model: { type: 'nielsen', sizes: [784, 30, 10], init: 'large' },
    data: { dataset: 'mnist', batchSize: 10, evaluation: 'test', trainSize: 1000 },
    loss: 'cross-entropy',
    optimizer: { type: 'sgd', lr: 0.5 },
    epochs: 400,
    monitor: { trainingCost: true, trainingAccuracy: true, evaluationCost: true, evaluationAccuracy: true },
    reference: {
      accuracy: 82.27,
      source: 'chapter 3 (overfitting.json)',
      note: 'test accuracy plateaus near 82%',
    },
  },
  {
    name: 'ch3-overfitting-l2',
    description: 'Chapter 3: the same 1,000-image run with L2 regularization, lambda 0.1.',
    model: { type: 'nielsen', sizes: [784, 30, 10], init: 'large' },
    data: { dataset: 'mnist', batchSize: 10, evaluation: 'test', trainSize: 1000 },
    loss: 'cross-entropy',
    optimizer: { type: 'sgd', lr: 0.5 },
    lambda: 0.1,
    epochs: 400,
    monitor: { trainingCost: true, trainingAccuracy: true, evaluationCost: true, evaluationAccuracy: true },
    reference: { source: 'chapter 3 (regularized.json)', note: 'test accuracy keeps rising past 400 epochs' },
  },
  {
    name: 'ch3-init-large',
    description:
      'Chapter 3 init comparison: N(0,1) weights, [784,30,10], cross-entropy, eta 0.1, lambda 5.0.',
    model: { type: 'nielsen', sizes: [784, 30, 10], init: 'large' },
    data: mnist(10, 'validation'),
    loss: 'cross-entropy',
    optimizer: { type: 'sgd', lr: 0.1 },
    lambda: 5.0,
    epochs: 30,
    reference: {
      source: 'chapter 3 (weight_initialization_30.json)',
      note: 'slower start than N(0, 1/n_in)',
    },
  },
  {
    name: 'ch3-init-default',
    description: 'Chapter 3 init comparison: N(0, 1/n_in) weights, otherwise as ch3-init-large.',
    model: { type: 'nielsen', sizes: [784, 30, 10], init: 'default' },
    data: mnist(10, 'validation'),
    loss: 'cross-entropy',
    optimizer: { type: 'sgd', lr: 0.1 },
    lambda: 5.0,
    epochs: 30,
    reference: { source: 'chapter 3 (weight_initialization_30.json)', note: 'about 96% after one epoch' },
  },
  // ---- chapter 5 --------------------------------------------------------------------------------------------------
  ...(
    [
      [[784, 30, 30, 10], 96.9],
      [[784, 30, 30, 30, 10], 96.57],
      [[784, 30, 30, 30, 30, 10], 96.53],
    ] as const
  ).map(
    ([sizes, accuracy]): ExperimentSpecInput => ({
      name: `ch5-deep-${sizes.length - 2}`,
      description: `Chapter 5: ${JSON.stringify(sizes)} sigmoid, cross-entropy, eta 0.1, lambda 5.0; gradient probes on.`,
      model: { type: 'nielsen', sizes: [...sizes], init: 'default' },
      data: mnist(10, 'validation'),
      loss: 'cross-entropy',
      optimizer: { type: 'sgd', lr: 0.1 },
      lambda: 5.0,
      epochs: 30,
      probes: { every: 500, probeSize: 1000 },
      reference: { accuracy: accuracy, source: 'chapter 5' },
    }),
  ),
  // ---- chapter 6 (network3.py) ------------------------------------------------------------------------------------
  {
    name: 'ch6-shallow',
    description: 'Chapter 6: one fully connected layer of 100 sigmoid neurons + softmax, eta 0.1, 60 epochs.',
    model: { type: 'network3', net: 'shallow' },
    data: mnist(10, 'validation'),
    loss: 'log-likelihood',
    optimizer: { type: 'sgd', lr: 0.1 },
    epochs: 60,
    reference: { accuracy: 97.8, source: 'chapter 6' },
  },
  {
    name: 'ch6-one-conv',
    description: 'Chapter 6: conv 20x5x5 + max-pool 2x2 (sigmoid), FC 100, softmax, eta 0.1, 60 epochs.',
    model: { type: 'network3', net: 'one-conv' },
    data: mnist(10, 'validation'),
    loss: 'log-likelihood',
    optimizer: { type: 'sgd', lr: 0.1 },
    epochs: 60,
    reference: { accuracy: 98.78, source: 'chapter 6' },
  },
  {
    name: 'ch6-two-conv',
    description: 'Chapter 6: + a second conv 40x20x5x5 + max-pool 2x2, eta 0.1, 60 epochs.',
    model: { type: 'network3', net: 'two-conv' },
    data: mnist(10, 'validation'),
    loss: 'log-likelihood',
    optimizer: { type: 'sgd', lr: 0.1 },
    epochs: 60,
    reference: { accuracy: 99.06, source: 'chapter 6' },
  },
  {
    name: 'ch6-relu',
    description:
      'Chapter 6: the two-conv net with ReLU, eta 0.03, L2 lambda 0.1 (network3 convention), 60 epochs.',
    model: { type: 'network3', net: 'relu' },
    data: mnist(10, 'validation'),
    loss: 'log-likelihood',
    optimizer: { type: 'sgd', lr: 0.03 },
    lambda: network3Lambda(0.1, 10),
    epochs: 60,
    reference: { accuracy: 99.23, source: 'chapter 6', note: 'book lambda 0.1 in network3.py = 1.0 here' },
  },
  {
    name: 'ch6-expanded',
    description:
      'Chapter 6: the ReLU net on the expanded training data (250,000 images with 1-pixel shifts).',
    model: { type: 'network3', net: 'relu' },
    data: { ...mnist(10, 'validation'), expand: true },
    loss: 'log-likelihood',
    optimizer: { type: 'sgd', lr: 0.03 },
    lambda: network3Lambda(0.1, 10),
    epochs: 60,
    reference: { accuracy: 99.37, source: 'chapter 6' },
  },
  {
    name: 'ch6-two-fc',
    description: 'Chapter 6: + a second fully connected ReLU layer of 100, expanded data.',
    model: { type: 'network3', net: 'two-fc' },
    data: { ...mnist(10, 'validation'), expand: true },
    loss: 'log-likelihood',
    optimizer: { type: 'sgd', lr: 0.03 },
    lambda: network3Lambda(0.1, 10),
    epochs: 60,
    reference: { accuracy: 99.43, source: 'chapter 6' },
  },
  {
    name: 'ch6-dropout',
    description:
      'Chapter 6: two fully connected layers of 1000 ReLU with dropout 0.5, expanded data, eta 0.03, 40 epochs.',
    model: { type: 'network3', net: 'dropout' },
    data: { ...mnist(10, 'validation'), expand: true },
    loss: 'log-likelihood',
    optimizer: { type: 'sgd', lr: 0.03 },
    epochs: 40,
    reference: { accuracy: 99.6, source: 'chapter 6' },
  },
  {
    name: 'ch6-vote',
    description: 'Chapter 6: a plurality vote of 5 ch6-dropout networks (seeds seed..seed+4).',
    model: { type: 'network3', net: 'dropout' },
    data: { ...mnist(10, 'validation'), expand: true },
    loss: 'log-likelihood',
    optimizer: { type: 'sgd', lr: 0.03 },
    epochs: 40,
    ensemble: 5,
    reference: { accuracy: 99.67, source: 'chapter 6' },
  },
  // ---- the PyTorch book -------------------------------------------------------------------------------------------
  {
    name: 'pytorch-lenet-cifar10',
    description: "The PyTorch book's CIFAR-10 LeNet: SGD lr 0.001, momentum 0.9, batch 4, 2 epochs.",
    model: { type: 'lenet', inChannels: 3 },
    // The tutorial's transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)): inputs in [-1, 1].
    data: {
      dataset: 'cifar10',
      batchSize: 4,
      evaluation: 'test',
      transforms: [{ name: 'Normalize', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }],
    },
    loss: 'log-likelihood',
    optimizer: { type: 'sgd', lr: 0.001, momentum: 0.9 },
    epochs: 2,
    reference: { accuracy: 54, source: "PyTorch's CIFAR-10 tutorial", note: 'about 54% after 2 epochs' },
  },
  {
    name: 'pytorch-linear-regression',
    description: "The PyTorch book's first example: fit y = 2x + 3 + noise by gradient descent.",
    model: { type: 'linearRegression' },
    data: { dataset: 'linear', batchSize: 100, samples: 100 },
    loss: 'mse',
    optimizer: { type: 'sgd', lr: 0.1 },
    epochs: 1000,
    monitor: { trainingCost: true, evaluationAccuracy: false },
    reference: { source: 'PyTorch book', note: 'w close to 2, b close to 3' },
  },
];

/** Every preset, validated (defaults filled in). */
export const presets: readonly ExperimentSpec[] = presetInputs.map((p) => parseSpec(p, `preset ${p.name}`));

/** The preset named `name`; throws listing the available names. */
export function getPreset(name: string): ExperimentSpec {
  const found = presets.find((p) => p.name === name);
  if (!found) {
    throw new Error(`Unknown preset '${name}'. Available presets: ${presets.map((p) => p.name).join(', ')}`);
  }
  return structuredClone(found);
}
