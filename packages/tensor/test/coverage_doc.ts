import { coverageTable } from '../src/coverage.js';
import '../src/index.js';

/** The generated document (kept in docs/tensor-coverage.md). */
export function coverageDocument(): string {
  return `# @nndl/tensor: kernel coverage by backend

Generated from the kernel registry by \`pnpm --filter @nndl/tensor coverage\`; a test fails when this file is stale.
Each cell names the implementation variant a backend registers (\`ts\`: TypeScript on typed arrays). "CPU fallback"
means the op still works on that backend: its inputs are read to the CPU, the CPU kernel runs, and the result is
written back, with a one-time warning naming the kernel. Gradients are not a backend matter: every differentiable
op has its backward written once, in Tensor ops (packages/tensor/src/ops), so it is available on every backend.

${coverageTable(['cpu'])}
`;
}
