import { webglKernels } from '../src/backends/webgl/kernels.js';
import { backendColumns, coverageTable } from '../src/coverage.js';
import '../src/index.js';

/** The generated document (kept in docs/tensor-coverage.md). */
export function coverageDocument(): string {
  // WebGL cannot start in Node; its column comes from its static kernel table.
  const webgl = { name: 'webgl', variant: (k: string) => (k in webglKernels ? 'tfjs' : undefined) };
  return `# @nndl/tensor: kernel coverage by backend

Generated from the kernel registry by \`pnpm --filter @nndl/tensor coverage\`; a test fails when this file is stale.
Each cell names the implementation a backend registers (\`ts\`: TypeScript on typed arrays; \`wasm-simd\`:
WebAssembly SIMD compiled from AssemblyScript, for float32, chosen at start-up where the engine supports it, with the
\`ts\` kernel as the fallback and for float64; \`tfjs\`: TensorFlow.js kernels on WebGL). "CPU fallback" means the op still works on that backend: its inputs are read to the CPU, the CPU
kernel runs, and the result is written back, with a one-time warning naming the kernel. On WebGL three cases that
tfjs cannot express also take that path: the two conv2d backprops with dilation > 1, and SliceGrad with step > 1.
Gradients are not a backend matter: every differentiable op has its backward written once, in Tensor ops
(packages/tensor/src/ops), so it is available on every backend.

${coverageTable([...backendColumns(['cpu']), webgl])}
`;
}
