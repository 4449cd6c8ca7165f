/**
 * Chapter 1's perceptrons, computed with @nndl/tensor: a perceptron outputs step(w . x + b) (1 when w . x + b > 0,
 * else 0); the sigmoid neuron outputs sigmoid(c (w . x + b)), which approaches the step as the scale c grows.
 * Every gate of the two-bit adder is the same perceptron, so editing its weights changes the whole circuit.
 */
import { cat, type Tensor, tensor } from '@nndl/tensor';

export type Activation = 'step' | 'sigmoid';

export interface Neuron {
  weights: [number, number];
  bias: number;
  activation: Activation;
  /** Multiplies weights and bias (the sigmoid's steepness; the step function does not change with it). */
  scale: number;
}

/** The book's NAND gate: weights -2, -2 and bias 3. */
export const NAND: Neuron = { weights: [-2, -2], bias: 3, activation: 'step', scale: 1 };

/** The four input pairs, in truth-table order. */
export const INPUT_PAIRS: readonly [number, number][] = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];

/** The weighted input w . x + b of each row of `inputs` [n, 2]: [n, 1]. */
export function weightedInput(neuron: Neuron, inputs: Tensor): Tensor {
  const w = tensor(neuron.weights, { dtype: 'float32' }).reshape(2, 1);
  return inputs.matmul(w).add(neuron.bias);
}

/** The neuron's output for each row of `inputs` [n, 2]: [n, 1]. */
export function fire(neuron: Neuron, inputs: Tensor): Tensor {
  const z = weightedInput(neuron, inputs);
  return neuron.activation === 'step' ? z.gt(0).float() : z.mul(neuron.scale).sigmoid();
}

export interface TruthRow {
  x1: number;
  x2: number;
  z: number;
  output: number;
}

export function truthTable(neuron: Neuron): TruthRow[] {
  const inputs = tensor(INPUT_PAIRS as [number, number][], { dtype: 'float32' });
  const z = weightedInput(neuron, inputs).dataSync();
  const out = fire(neuron, inputs).dataSync();
  return INPUT_PAIRS.map(([x1, x2], i) => ({ x1, x2, z: z[i]!, output: out[i]! }));
}

/** The gates' outputs for every input pair, each [4, 1]: the book's adder of two bits from five gates. */
export interface AdderValues {
  g1: Tensor;
  g2: Tensor;
  g3: Tensor;
  sum: Tensor;
  carry: Tensor;
}

/**
 * The two-bit adder of chapter 1, every gate `gate`: g1 = gate(x1, x2), g2 = gate(x1, g1), g3 = gate(g1, x2),
 * sum = gate(g2, g3), carry = gate(g1, g1). The book draws the carry gate as one input of weight -4; feeding g1 to
 * both inputs is the same sum.
 */
export function adder(gate: Neuron): AdderValues {
  const x = tensor(INPUT_PAIRS as [number, number][], { dtype: 'float32' });
  const x1 = x.narrow(1, 0, 1);
  const x2 = x.narrow(1, 1, 1);
  const apply = (a: Tensor, b: Tensor) => fire(gate, cat([a, b], 1));
  const g1 = apply(x1, x2);
  const g2 = apply(x1, g1);
  const g3 = apply(g1, x2);
  return { g1, g2, g3, sum: apply(g2, g3), carry: apply(g1, g1) };
}

/** The neuron's output on an n x n grid over [lo, hi]^2 (row-major, x2 from hi down to lo): the decision map. */
export function outputGrid(neuron: Neuron, n: number, lo: number, hi: number): Float32Array {
  const points = new Float32Array(n * n * 2);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) {
      const k = (r * n + c) * 2;
      points[k] = lo + ((c + 0.5) / n) * (hi - lo);
      points[k + 1] = hi - ((r + 0.5) / n) * (hi - lo);
    }
  return fire(neuron, tensor(points).reshape(n * n, 2)).dataSync() as Float32Array;
}

/** Each input pair's sigmoid output as the scale c runs over `scales`: four series of [c, output]. */
export function outputsAgainstScale(neuron: Neuron, scales: readonly number[]): [number, number][][] {
  const inputs = tensor(INPUT_PAIRS as [number, number][], { dtype: 'float32' });
  const z = weightedInput(neuron, inputs); // [4, 1]
  const c = tensor(scales as number[], { dtype: 'float32' }).reshape(1, scales.length);
  const out = z.mul(c).sigmoid().dataSync(); // [4, scales]
  return INPUT_PAIRS.map((_, i) =>
    scales.map((s, j) => [s, out[i * scales.length + j]!] as [number, number]),
  );
}
