/**
 * @nndl/tensor/testing for the webgl conformance run. `assertClose` is the same; `gradcheck` does two things:
 *
 * 1. the float64 central-difference check itself, on the CPU (finite differences need float64, which WebGL lacks);
 * 2. a parity check of the same function on WebGL: the inputs move to 'webgl' as float32, and the output and the
 *    gradients (of the same randomly weighted sum) must match the CPU's float64 ones within float32 tolerance.
 *
 * So every gradcheck of the suite also checks that op's forward and backward kernels on WebGL.
 */
import { autograd, getDefaultBackendName, randn, setDefaultBackend, type Tensor, tensor } from '@nndl/tensor';
import { assertClose, gradcheck as cpuGradcheck, type GradcheckOptions } from '../src/testing.js';

export { assertClose, type CloseOptions, type GradcheckOptions } from '../src/testing.js';

/** Relative tolerance of the parity check: float32 accumulates ~1e-7 per operation; GPUs' exp/log are looser. */
export const PARITY_RTOL = 1e-4;

function onBackend<T>(name: string, fn: () => T): T {
  const previous = getDefaultBackendName();
  setDefaultBackend(name);
  try {
    return fn();
  } finally {
    setDefaultBackend(previous);
  }
}

function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  return m;
}

function close(actual: Tensor, expected: Float64Array, what: string): void {
  // Absolute slack scaled by the largest value, for elements that cancel to ~0 in a float32 sum.
  const atol = PARITY_RTOL * Math.max(1, maxAbs(expected));
  assertClose(actual.dataSync(), expected, { atol, rtol: PARITY_RTOL, equalNan: true, message: what });
}

export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  options: GradcheckOptions = {},
): true {
  onBackend('cpu', () => cpuGradcheck(fn, inputs, options));

  const differentiable = inputs.map((t) => t.requiresGrad);
  const reference = onBackend('cpu', () => {
    const out = fn(...inputs);
    const v = randn(out.shape, { dtype: 'float64' });
    const wanted = inputs.filter((_, i) => differentiable[i]);
    const grads = autograd.grad(out.mul(v).sum(), wanted, { allowUnused: true });
    return {
      out: new Float64Array(out.dataSync()),
      v: new Float32Array(v.dataSync()),
      grads: grads.map((g) => (g ? new Float64Array(g.dataSync()) : null)),
    };
  });

  const glInputs = inputs.map((t, i) => {
    const moved = t.detach().float().to('webgl');
    return differentiable[i] ? moved.requiresGrad_(true) : moved;
  });
  const out = onBackend('webgl', () => fn(...glInputs));
  if (out.device !== 'webgl')
    throw new Error(`gradcheck (webgl): the output is on '${out.device}', not webgl`);
  close(out, reference.out, 'webgl parity: forward value differs from the CPU');
  const v = tensor(reference.v, { device: 'webgl' }).reshape(out.shape);
  const wanted = glInputs.filter((_, i) => differentiable[i]);
  const grads = onBackend('webgl', () => autograd.grad(out.mul(v).sum(), wanted, { allowUnused: true }));
  grads.forEach((g, j) => {
    const expected = reference.grads[j];
    if (!g || !expected) {
      if (!g !== !expected)
        throw new Error(`webgl parity: gradient ${j} is ${g ? 'present' : 'missing'} only on webgl`);
      return;
    }
    if (g.device !== 'webgl') throw new Error(`webgl parity: gradient ${j} is on '${g.device}', not webgl`);
    close(g, expected, `webgl parity: gradient of input ${j} differs from the CPU`);
  });
  return true;
}
