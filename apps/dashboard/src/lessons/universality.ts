/**
 * Chapter 4's visual proof of universality: one input x, a hidden layer of sigmoid neurons, one linear output.
 * A hidden neuron with a large weight w and bias b is nearly a step at s = -b / w; two steps with output weights +h
 * and -h make a bump of height h between them; enough bumps follow any continuous f. The same network can also be
 * trained by SGD (with momentum) instead of built by hand.
 */
import { optim } from '@nndl/nn';
import { Generator, noGrad, randn, type Tensor, tensor } from '@nndl/tensor';

/** The book's target function on [0, 1]. */
export const target = (x: number): number =>
  0.2 + 0.4 * x * x + 0.3 * x * Math.sin(15 * x) + 0.05 * Math.cos(50 * x);

/** Sample points on [0, 1] where the function and the error are measured. */
export const SAMPLES = 401;
export const sampleXs: readonly number[] = Array.from({ length: SAMPLES }, (_, i) => i / (SAMPLES - 1));
export const sampleTargets: readonly number[] = sampleXs.map(target);

/** Bumps over [0, 1] that share their edges: bump i runs from edges[i] to edges[i + 1] with height heights[i]. */
export interface Bumps {
  edges: number[];
  heights: number[];
}

/** n equal bumps, each as high as f at its centre (the book's recipe). */
export function evenBumps(n: number): Bumps {
  const edges = Array.from({ length: n + 1 }, (_, i) => i / n);
  const heights = Array.from({ length: n }, (_, i) => round3(target((i + 0.5) / n)));
  return { edges, heights };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

/** The network's parameters: hidden weights and biases [H], output weights [H], output bias. */
export interface NetworkParameters {
  hiddenWeights: number[];
  hiddenBiases: number[];
  outputWeights: number[];
  outputBias: number;
}

/** Two hidden neurons per bump, steps at its edges (bias = -w s), output weights +h and -h. */
export function bumpNetwork(bumps: Bumps, steepness: number): NetworkParameters {
  const p: NetworkParameters = { hiddenWeights: [], hiddenBiases: [], outputWeights: [], outputBias: 0 };
  bumps.heights.forEach((h, i) => {
    for (const [s, v] of [
      [bumps.edges[i]!, h],
      [bumps.edges[i + 1]!, -h],
    ] as const) {
      p.hiddenWeights.push(steepness);
      p.hiddenBiases.push(-steepness * s);
      p.outputWeights.push(v);
    }
  });
  return p;
}

/** The network as tensors: W [H, 1], b [H], v [H, 1], c [1]. */
interface NetworkTensors {
  W: Tensor;
  b: Tensor;
  v: Tensor;
  c: Tensor;
}

function tensorsOf(p: NetworkParameters, requiresGrad: boolean): NetworkTensors {
  const H = p.hiddenWeights.length;
  const t = (values: number[], shape: number[]) =>
    tensor(values, { dtype: 'float32' })
      .reshape(...shape)
      .requiresGrad_(requiresGrad);
  return {
    W: t(p.hiddenWeights, [H, 1]),
    b: t(p.hiddenBiases, [H]),
    v: t(p.outputWeights, [H, 1]),
    c: t([p.outputBias], [1]),
  };
}

const sampleTensor = tensor(sampleXs as number[], { dtype: 'float32' }).reshape(SAMPLES, 1);
const targetTensor = tensor(sampleTargets as number[], { dtype: 'float32' }).reshape(SAMPLES, 1);

/** The network's output at x [n, 1]: v . sigmoid(W x + b) + c, [n, 1]. */
function forward(n: NetworkTensors, x: Tensor): Tensor {
  return x.matmul(n.W.t()).add(n.b).sigmoid().matmul(n.v).add(n.c);
}

export interface Evaluation {
  /** The network's output at each sample x. */
  ys: Float32Array;
  /** Mean absolute error against f over the samples. */
  meanAbsoluteError: number;
}

export function evaluate(p: NetworkParameters): Evaluation {
  if (p.hiddenWeights.length === 0) {
    const ys = new Float32Array(SAMPLES).fill(p.outputBias);
    return { ys, meanAbsoluteError: meanAbs(ys) };
  }
  return noGrad(() => {
    const ys = forward(tensorsOf(p, false), sampleTensor).dataSync() as Float32Array;
    return { ys, meanAbsoluteError: meanAbs(ys) };
  });
}

function meanAbs(ys: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < SAMPLES; i++) s += Math.abs(ys[i]! - sampleTargets[i]!);
  return s / SAMPLES;
}

/** Where each hidden neuron steps (s = -b / w). */
export const stepPositions = (p: NetworkParameters): number[] =>
  p.hiddenWeights.map((w, i) => -p.hiddenBiases[i]! / w);

/**
 * Random weights for `hidden` neurons: steps at random places in [0, 1], steepness N(0, 20^2), output weights zero
 * and the output bias at f's mean, so that SGD starts from a flat line.
 */
export function randomNetwork(hidden: number, seed: number): NetworkParameters {
  const g = new Generator(seed);
  const w = Array.from(randn([hidden], { generator: g }).mul(20).dataSync());
  const s = Array.from({ length: hidden }, () => g.random());
  return {
    hiddenWeights: w,
    hiddenBiases: w.map((wi, i) => -wi * s[i]!),
    outputWeights: new Array<number>(hidden).fill(0),
    outputBias: sampleTargets.reduce((a, b) => a + b, 0) / SAMPLES,
  };
}

/**
 * Full-batch SGD with momentum 0.9 on the mean squared error over the samples. The learning rate is divided by the
 * number of hidden neurons: the output's gradient grows with their count.
 * @example
 * const fit = new Fitter(randomNetwork(40, 1));
 * for (let i = 0; i < 1000; i++) fit.step();
 * evaluate(fit.parameters()).meanAbsoluteError;
 */
export class Fitter {
  steps = 0;
  lastLoss = Number.NaN;
  private readonly net: NetworkTensors;
  private readonly optimizer: optim.SGD;

  constructor(start: NetworkParameters, learningRate = 4 / Math.max(1, start.hiddenWeights.length)) {
    this.net = tensorsOf(start, true);
    const { W, b, v, c } = this.net;
    this.optimizer = new optim.SGD([W, b, v, c], { lr: learningRate, momentum: 0.9 });
  }

  step(): number {
    this.optimizer.zeroGrad();
    const loss = forward(this.net, sampleTensor).sub(targetTensor).square().mean();
    loss.backward();
    this.optimizer.step();
    this.steps++;
    this.lastLoss = loss.item();
    return this.lastLoss;
  }

  parameters(): NetworkParameters {
    const read = (t: Tensor) => Array.from(t.dataSync());
    return {
      hiddenWeights: read(this.net.W),
      hiddenBiases: read(this.net.b),
      outputWeights: read(this.net.v),
      outputBias: this.net.c.item(),
    };
  }
}
