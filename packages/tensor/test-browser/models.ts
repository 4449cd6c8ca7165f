/**
 * Two small models written with tensor ops only (this package cannot import @nndl/nn): an MLP (Nielsen's
 * [16, 32, 4] net with ReLU) and a CNN (conv 3x3 -> tanh -> max-pool 2 -> linear), trained with cross-entropy and
 * plain SGD. Used by the memory, parity and worker tests and by the benchmark.
 */
import {
  conv2d,
  linear,
  logSoftmax,
  manualSeed,
  maxPool2d,
  noGrad,
  randint,
  randn,
  type Tensor,
  zeros,
} from '@nndl/tensor';

export interface Model {
  params: Tensor[];
  forward(x: Tensor): Tensor;
}

/** Leaves on `device`, identical for every device (drawn on the CPU from one seed). */
function leaves(shapes: number[][], scale: number[], device: string, seed: number): Tensor[] {
  manualSeed(seed);
  return shapes.map((shape, i) => {
    const values =
      scale[i] === 0 ? zeros(shape, { device: 'cpu' }) : randn(shape, { device: 'cpu' }).mul(scale[i]!);
    return values.to(device).requiresGrad_(true);
  });
}

export function mlp(device: string, seed = 1): Model {
  const params = leaves([[32, 16], [32], [4, 32], [4]], [0.25, 0, 0.18, 0], device, seed);
  const [w1, b1, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
  return { params, forward: (x) => linear(linear(x, w1, b1).relu(), w2, b2) };
}

export function cnn(device: string, seed = 2): Model {
  const params = leaves([[6, 1, 3, 3], [6], [3, 6 * 4 * 4], [3]], [0.3, 0, 0.1, 0], device, seed);
  const [cw, cb, w, b] = params as [Tensor, Tensor, Tensor, Tensor];
  return {
    params,
    // tanh, not ReLU, before the max-pool: after a ReLU, windows hold ties and exact zeros, and a pre-activation that
    // is +1e-9 on one backend and -1e-9 on the other reroutes a whole gradient, so parity would test luck.
    forward: (x) => linear(maxPool2d(conv2d(x, cw, cb, { padding: 1 }).tanh(), 2).flatten(1), w, b),
  };
}

/** A fixed batch for `model` ('mlp': [8, 16]; 'cnn': [4, 1, 8, 8]) with int32 labels, on `device`. */
export function batch(kind: 'mlp' | 'cnn', device: string, seed = 3): [Tensor, Tensor] {
  manualSeed(seed);
  const x = kind === 'mlp' ? randn([8, 16], { device: 'cpu' }) : randn([4, 1, 8, 8], { device: 'cpu' });
  const y = randint(0, kind === 'mlp' ? 4 : 3, [x.shape[0]!], { device: 'cpu' });
  return [x.to(device), y.to(device)];
}

/** Cross-entropy of logits against int32 labels (log-softmax, then the mean negative log-likelihood). */
export function crossEntropy(logits: Tensor, labels: Tensor): Tensor {
  return logSoftmax(logits, 1).gather(1, labels.unsqueeze(1)).mean().neg();
}

/** One SGD step; returns the loss (a 0-d tensor, detached). Gradients are reset to null afterwards. */
export function sgdStep(model: Model, x: Tensor, y: Tensor, lr: number): Tensor {
  const loss = crossEntropy(model.forward(x), y);
  loss.backward();
  noGrad(() => {
    for (const p of model.params) p.sub_(p.grad!.mul(lr));
  });
  for (const p of model.params) p.grad = null;
  return loss.detach();
}
