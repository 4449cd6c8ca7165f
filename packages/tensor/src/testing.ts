/**
 * Test helpers: `gradcheck` compares autograd's gradients with central finite differences (in float64),
 * `assertClose` compares tensors or arrays within tolerances.
 */
import { grad } from './autograd/engine.js';
import { noGrad } from './autograd/grad_mode.js';
import { asTensor } from './ops/creation.js';
import { Generator } from './random.js';
import { formatShape } from './shape.js';
import { type NestedArray, Tensor } from './tensor.js';

export interface CloseOptions {
  atol?: number;
  rtol?: number;
  /** Treat NaN as equal to NaN. */
  equalNan?: boolean;
  /** Text put in front of the error message. */
  message?: string;
}

function flatten(value: Tensor | NestedArray | ArrayLike<number>): {
  values: number[];
  shape: number[] | null;
} {
  if (value instanceof Tensor)
    return { values: Array.from(value.dataSync(), Number), shape: value.shape.slice() };
  if (typeof value === 'number' || typeof value === 'boolean')
    return { values: [Number(value)], shape: null };
  if (ArrayBuffer.isView(value))
    return { values: Array.from(value as ArrayLike<number>, Number), shape: null };
  return { values: (value as unknown[]).flat(Number.POSITIVE_INFINITY as 1).map(Number), shape: null };
}

/**
 * Throw unless |actual - expected| <= atol + rtol * |expected| everywhere (shapes must match when both are tensors).
 * @example assertClose(x.sigmoid(), [0.5, 0.7311], { atol: 1e-4 })
 */
export function assertClose(
  actual: Tensor | NestedArray | ArrayLike<number>,
  expected: Tensor | NestedArray | ArrayLike<number>,
  options: CloseOptions = {},
): void {
  const { atol = 1e-5, rtol = 1e-4, equalNan = false } = options;
  const a = flatten(actual);
  const e = flatten(expected);
  const prefix = options.message ? `${options.message}: ` : '';
  if (a.shape && e.shape && a.shape.join() !== e.shape.join()) {
    throw new Error(`${prefix}shapes differ: ${formatShape(a.shape)} vs ${formatShape(e.shape)}`);
  }
  if (a.values.length !== e.values.length) {
    throw new Error(`${prefix}sizes differ: ${a.values.length} vs ${e.values.length} elements`);
  }
  let worst = -1;
  let worstExcess = 0;
  let mismatches = 0;
  for (let i = 0; i < a.values.length; i++) {
    const x = a.values[i]!;
    const y = e.values[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (equalNan && Number.isNaN(x) && Number.isNaN(y)) continue;
      mismatches++;
      if (worst < 0) worst = i;
      worstExcess = Number.POSITIVE_INFINITY;
      continue;
    }
    if (x === y) continue;
    const excess = Math.abs(x - y) - (atol + rtol * Math.abs(y));
    if (excess > 0) {
      mismatches++;
      if (excess > worstExcess || worst < 0) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (mismatches > 0) {
    const x = a.values[worst]!;
    const y = e.values[worst]!;
    throw new Error(
      `${prefix}tensors are not close: ${mismatches} of ${a.values.length} elements differ; the worst is at flat ` +
        `index ${worst}: actual ${x}, expected ${y} (|diff| ${Math.abs(x - y)}, allowed ${atol + rtol * Math.abs(y)} ` +
        `with atol ${atol}, rtol ${rtol})`,
    );
  }
}

export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed of the random output weights. */
  seed?: number;
}

/**
 * Check the gradients of `fn` at `inputs` against central differences. Inputs must be float64 tensors that require
 * grad. The output is reduced with random weights v (sum(v * fn(...))), so one check covers a random
 * vector-Jacobian product; it is repeated for two different v. Throws with the worst element on failure.
 * @example gradcheck((a, b) => a.mul(b).sum(), [randn([3], { dtype: 'float64', requiresGrad: true }), ...])
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  options: GradcheckOptions = {},
): true {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, seed = 1234 } = options;
  for (const [i, t] of inputs.entries()) {
    if (t.dtype !== 'float64') {
      throw new Error(
        `gradcheck: input ${i} has dtype ${t.dtype}; use float64 inputs for finite differences`,
      );
    }
  }
  const differentiable = inputs.filter((t) => t.requiresGrad);
  if (differentiable.length === 0) throw new Error('gradcheck: no input requires grad');
  const gen = new Generator(seed);
  for (let round = 0; round < 2; round++) {
    const probe = fn(...inputs);
    const weights = new Float64Array(probe.numel());
    for (let k = 0; k < weights.length; k++) weights[k] = gen.normal();
    const v = asTensor(weights, probe.shape, { device: probe.device });
    const objective = () =>
      noGrad(() =>
        fn(...inputs)
          .mul(v)
          .sum()
          .item(),
      );
    const analytic = grad(probe.mul(v).sum(), differentiable, { allowUnused: true });
    for (const [j, input] of differentiable.entries()) {
      const values = input.dataSync() as Float64Array;
      const numeric = new Float64Array(values.length);
      for (let k = 0; k < values.length; k++) {
        const original = values[k]!;
        values[k] = original + eps;
        const plus = objective();
        values[k] = original - eps;
        const minus = objective();
        values[k] = original;
        numeric[k] = (plus - minus) / (2 * eps);
      }
      const a = analytic[j];
      const actual = a ? a.dataSync() : new Float64Array(values.length);
      assertClose(actual, numeric, {
        atol,
        rtol,
        message:
          `gradcheck: gradient of input ${inputs.indexOf(input)} (shape ${formatShape(input.shape)}) ` +
          `differs from finite differences`,
      });
    }
  }
  return true;
}
