/**
 * Gradient probes: per layer, the norms of the weights and of the weight and bias gradients, Nielsen's "speed of
 * learning" (the norm of dC/db for the layer, C the cost averaged over a fixed probe set: chapter 5 uses the first
 * 1,000 training images), and histograms. Computed with autograd.grad, in eval mode, with the random generator's
 * state restored afterwards: a probe never changes training.
 */
import type { AnyModule, Module, Parameter } from '@nndl/nn';
import { autograd, defaultGenerator, noGrad, type Tensor } from '@nndl/tensor';
import type { Histogram, LayerGradientStats } from './events.js';
import type { BuiltModel } from './model.js';

export interface ProbeLayer {
  name: string;
  module: AnyModule;
  weight: Parameter;
  bias: Parameter | null;
}

/** Layers with a weight (and usually a bias), in parameter order, which is forward order for the zoo's models. */
export function probeLayers(root: Module): ProbeLayer[] {
  const layers: ProbeLayer[] = [];
  for (const [name, module] of root.namedModules()) {
    const own = module.namedParameters().filter(([key]) => !key.includes('.'));
    const weight = own.find(([key]) => key === 'weight' || key === 'w')?.[1];
    if (!weight || weight.ndim < 2) continue;
    const bias = own.find(([key]) => key === 'bias' || key === 'b')?.[1] ?? null;
    layers.push({ name: name || module.constructor.name.toLowerCase(), module, weight, bias });
  }
  return layers;
}

function norm(t: Tensor): number {
  const v = t.dataSync();
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/** A histogram of a tensor's values in `bins` equal bins between its minimum and maximum. */
export function histogram(t: Tensor, bins: number): Histogram {
  const v = t.dataSync();
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const counts = new Array<number>(bins).fill(0);
  if (v.length === 0) return { min: 0, max: 0, counts };
  const width = (max - min) / bins || 1;
  for (let i = 0; i < v.length; i++) {
    const k = Math.min(bins - 1, Math.floor((v[i]! - min) / width));
    counts[k]!++;
  }
  return { min, max, counts };
}

export interface ProbeOptions {
  histograms: boolean;
  bins: number;
}

/** Gradient statistics of every probe layer on one batch (the whole probe set). */
export function gradientStats(
  built: BuiltModel,
  layers: readonly ProbeLayer[],
  inputs: Tensor,
  targets: Tensor,
  options: ProbeOptions,
): LayerGradientStats[] {
  const wasTraining = built.module.training;
  const rngState = defaultGenerator.getState();
  built.module.eval();
  try {
    const loss = built.loss(built.forward(inputs), targets);
    const params = layers.flatMap((l) => (l.bias ? [l.weight, l.bias] : [l.weight]));
    const grads = autograd.grad(loss, params, { allowUnused: true });
    let k = 0;
    return noGrad(() =>
      layers.map((layer) => {
        const gw = grads[k++] ?? null;
        const gb = layer.bias ? (grads[k++] ?? null) : null;
        const stats: LayerGradientStats = {
          layer: layer.name,
          weightNorm: norm(layer.weight),
          weightGradNorm: gw ? norm(gw) : 0,
          biasGradNorm: gb ? norm(gb) : 0,
          speed: gb ? norm(gb) : 0,
        };
        if (options.histograms) {
          stats.weightHistogram = histogram(layer.weight, options.bins);
          if (gw) stats.gradHistogram = histogram(gw, options.bins);
        }
        return stats;
      }),
    );
  } finally {
    if (wasTraining) built.module.train();
    defaultGenerator.setState(rngState);
  }
}
