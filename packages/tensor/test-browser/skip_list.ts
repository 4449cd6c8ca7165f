/**
 * Tests of the CPU conformance suite (test/*.test.ts) that are skipped on 'webgl', keyed "describe > test", each
 * with its reason. Everything else in the suite runs unchanged with 'webgl' as the default backend (the float64
 * gradchecks as CPU-vs-WebGL parity checks, see testing_webgl.ts).
 */
const FLOAT64 =
  'creates float64 tensors on the default device; WebGL has no float64 (it throws, as it should: see webgl.test.ts)';

export const WEBGL_SKIPS: Record<string, string> = {
  "add_ and sub_ with a scale > n = 5000, float64: x + alpha y in the dtype's arithmetic, in place": FLOAT64,
  'fused layer ops > a conv bias alone still differentiates twice (the convolution itself refuses)': FLOAT64,
  'creation > tensor() infers shapes and dtypes from nested arrays, typed arrays and scalars': `${FLOAT64} (Float64Array -> float64 inference)`,
  'creation > asTensor wraps a typed array without copying':
    'a device cannot wrap a host array: asTensor uploads a copy on WebGL (the CPU test asserts identity)',
  'elementwise forward values > promotes dtypes as PyTorch': `${FLOAT64} (float64 promotion)`,
  'elementwise gradients (float64 central differences) > to float64 (identity cast)': FLOAT64,
  'elementwise gradients (float64 central differences) > splits the gradient evenly at ties of maximum': `${FLOAT64}; maximum's gradient is covered by the parity gradcheck 'maximum with broadcasting'`,
};
