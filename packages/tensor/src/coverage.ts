/**
 * The coverage table (kernel x backend) generated from the registry, kept in docs/tensor-coverage.md.
 * `pnpm --filter @nndl/tensor coverage` rewrites it; a test fails when the committed file is stale.
 */
import { getBackend, listBackends } from './backend.js';
import * as K from './kernel_names.js';

/** Every kernel name of the contract, sorted. */
export function kernelNames(): string[] {
  const names = Object.entries(K)
    .filter(([key, value]) => typeof value === 'string' && /^[A-Z][a-z]/.test(key))
    .map(([, value]) => value as string);
  return [...new Set(names)].sort();
}

/** A Markdown table: one row per kernel, one column per registered backend ('ts', 'wasm-simd', or fallback). */
export function coverageTable(backendNames: readonly string[] = listBackends()): string {
  const backends = backendNames.map((name) => getBackend(name));
  const header = `| kernel | ${backendNames.join(' | ')} |`;
  const rule = `| --- | ${backendNames.map(() => '---').join(' | ')} |`;
  const rows = kernelNames().map((kernel) => {
    const cells = backends.map((b) => b.kernels.get(kernel)?.variant ?? 'CPU fallback');
    return `| ${kernel} | ${cells.join(' | ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}
