/**
 * Nielsen's four equations of backpropagation (chapter 2), checked on a [2, 3, 2] sigmoid network in float64:
 * the gradients and the parameters after one SGD step equal a hand computation that follows network.py's
 * backprop() and update_mini_batch() line by line with plain JavaScript numbers.
 */
import { noGrad, tensor } from '@nndl/tensor';
import { assertClose } from '@nndl/tensor/testing';
import { describe, it } from 'vitest';
import { NielsenNetwork } from '../src/models/index.js';
import { SGD } from '../src/optim/index.js';

type Matrix = number[][];
const sigma = (z: number) => 1 / (1 + Math.exp(-z));
const sigmaPrime = (z: number) => sigma(z) * (1 - sigma(z));

// Weights [out][in] and biases [out], as network.py's w (rows = neurons of the next layer).
const W: Matrix[] = [
  [
    [0.1, -0.2],
    [0.4, 0.3],
    [-0.5, 0.2],
  ],
  [
    [0.3, -0.1, 0.2],
    [-0.4, 0.5, 0.1],
  ],
];
const B: number[][] = [
  [0.05, -0.1, 0.2],
  [0.1, -0.3],
];
const X: number[][] = [
  [0.5, -1.0],
  [1.5, 0.25],
];
const Y: number[][] = [
  [1, 0],
  [0, 1],
];
const ETA = 3.0;

/** network.py's backprop for one sample: returns (nabla_b, nabla_w). */
function backprop(x: number[], y: number[]): { nablaB: number[][]; nablaW: Matrix[] } {
  const activations: number[][] = [x];
  const zs: number[][] = [];
  let a = x;
  for (let l = 0; l < W.length; l++) {
    const z = W[l]!.map((row, j) => row.reduce((s, w, k) => s + w * a[k]!, 0) + B[l]![j]!);
    zs.push(z);
    a = z.map(sigma);
    activations.push(a);
  }
  const L = W.length - 1;
  // BP1: delta^L = (a^L - y) * sigma'(z^L)   (cost_derivative of the quadratic cost is a - y)
  let delta = activations[L + 1]!.map((aj, j) => (aj - y[j]!) * sigmaPrime(zs[L]![j]!));
  const nablaB: number[][] = new Array(W.length);
  const nablaW: Matrix[] = new Array(W.length);
  // BP3: dC/db = delta;  BP4: dC/dw_jk = a^{l-1}_k delta_j
  nablaB[L] = delta;
  nablaW[L] = delta.map((d) => activations[L]!.map((ak) => ak * d));
  for (let l = L - 1; l >= 0; l--) {
    // BP2: delta^l = ((w^{l+1})^T delta^{l+1}) * sigma'(z^l)
    const next = delta;
    delta = zs[l]!.map((z, k) => W[l + 1]!.reduce((s, row, j) => s + row[k]! * next[j]!, 0) * sigmaPrime(z));
    nablaB[l] = delta;
    nablaW[l] = delta.map((d) => activations[l]!.map((ak) => ak * d));
  }
  return { nablaB, nablaW };
}

/** update_mini_batch: sum the per-sample gradients, then w <- w - (eta/m) nabla_w, b <- b - (eta/m) nabla_b. */
function handStep(): { gradW: Matrix[]; gradB: number[][]; newW: Matrix[]; newB: number[][] } {
  const m = X.length;
  const sumW = W.map((w) => w.map((row) => row.map(() => 0)));
  const sumB = B.map((b) => b.map(() => 0));
  X.forEach((x, i) => {
    const { nablaB, nablaW } = backprop(x, Y[i]!);
    for (const [l, w] of nablaW.entries())
      for (const [j, row] of w.entries()) for (const [k, v] of row.entries()) sumW[l]![j]![k]! += v;
    for (const [l, b] of nablaB.entries()) for (const [j, v] of b.entries()) sumB[l]![j]! += v;
  });
  return {
    gradW: sumW.map((w) => w.map((row) => row.map((v) => v / m))),
    gradB: sumB.map((b) => b.map((v) => v / m)),
    newW: W.map((w, l) => w.map((row, j) => row.map((v, k) => v - (ETA / m) * sumW[l]![j]![k]!))),
    newB: B.map((b, l) => b.map((v, j) => v - (ETA / m) * sumB[l]![j]!)),
  };
}

describe("Nielsen's backpropagation equations BP1-BP4", () => {
  it('one SGD step of NielsenNetwork([2, 3, 2]) equals the hand computation to 1e-6', () => {
    const net = new NielsenNetwork([2, 3, 2], { dtype: 'float64' });
    noGrad(() => {
      net.layers.forEach((layer, l) => {
        layer.weight.copy_(tensor(W[l]!, { dtype: 'float64' }));
        layer.bias!.copy_(tensor(B[l]!, { dtype: 'float64' }));
      });
    });
    const opt = new SGD(net.parameters(), { lr: ETA });
    const x = tensor(X, { dtype: 'float64' });
    const y = tensor(Y, { dtype: 'float64' });
    opt.zeroGrad();
    net.cost(net.call(x), y).backward();
    const hand = handStep();
    net.layers.forEach((layer, l) => {
      assertClose(layer.weight.grad!, hand.gradW[l]!, { atol: 1e-12, rtol: 0, message: `BP4, layer ${l}` });
      assertClose(layer.bias!.grad!, hand.gradB[l]!, {
        atol: 1e-12,
        rtol: 0,
        message: `BP1-BP3, layer ${l}`,
      });
    });
    opt.step();
    net.layers.forEach((layer, l) => {
      assertClose(layer.weight, hand.newW[l]!, {
        atol: 1e-6,
        rtol: 0,
        message: `weights after the step, layer ${l}`,
      });
      assertClose(layer.bias!, hand.newB[l]!, {
        atol: 1e-6,
        rtol: 0,
        message: `biases after the step, layer ${l}`,
      });
    });
  });

  it("network2's L2 step: w <- (1 - eta*lambda/n) w - (eta/m) nabla_w, biases not decayed", () => {
    const lambda = 5.0;
    const n = 50;
    const net = new NielsenNetwork([2, 3, 2], { dtype: 'float64', cost: 'crossEntropy' });
    noGrad(() => {
      net.layers.forEach((layer, l) => {
        layer.weight.copy_(tensor(W[l]!, { dtype: 'float64' }));
        layer.bias!.copy_(tensor(B[l]!, { dtype: 'float64' }));
      });
    });
    const opt = new SGD([{ params: net.weights(), nielsenL2: { lambda, n } }, { params: net.biases() }], {
      lr: ETA,
    });
    net.cost(net.call(tensor(X, { dtype: 'float64' })), tensor(Y, { dtype: 'float64' })).backward();
    const gradW = net.weights().map((w) => Array.from(w.grad!.dataSync()));
    const gradB = net.biases().map((b) => Array.from(b.grad!.dataSync()));
    opt.step();
    net.weights().forEach((w, l) => {
      const expected = W[l]!.flat().map((v, i) => (1 - (ETA * lambda) / n) * v - ETA * gradW[l]![i]!);
      assertClose(w, expected, { atol: 1e-12, rtol: 0 });
    });
    net.biases().forEach((b, l) => {
      assertClose(
        b,
        B[l]!.map((v, i) => v - ETA * gradB[l]![i]!),
        { atol: 1e-12, rtol: 0 },
      );
    });
  });
});
