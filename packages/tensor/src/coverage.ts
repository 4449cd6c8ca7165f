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

/** A column of the table: a backend's name and, per kernel, the variant it registers. */
export interface CoverageColumn {
  name: string;
  variant(kernel: string): string | undefined;
}

/** Columns for registered backends (those that can start here). */
export function backendColumns(backendNames: readonly string[] = listBackends()): CoverageColumn[] {
  return backendNames.map((name) => {
    const backend = getBackend(name);
    return { name, variant: (kernel) => backend.kernels.get(kernel)?.variant };
  });
}

/** A Markdown table: one row per kernel, one column per backend ('ts', 'tfjs', ..., or 'CPU fallback'). */
export function coverageTable(columns: readonly CoverageColumn[] = backendColumns()): string {
  const header = `| kernel | ${columns.map((c) => c.name).join(' | ')} |`;
  const rule = `| --- | ${columns.map(() => '---').join(' | ')} |`;
  const rows = kernelNames().map((kernel) => {
    const cells = columns.map((c) => c.variant(kernel) ?? 'CPU fallback');
    return `| ${kernel} | ${cells.join(' | ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}
