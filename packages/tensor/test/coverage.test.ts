import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { coverageDocument } from './coverage_doc.js';

describe('docs/tensor-coverage.md', () => {
  it('matches the kernel registry (regenerate with `pnpm --filter @nndl/tensor coverage`)', () => {
    const path = fileURLToPath(new URL('../../../docs/tensor-coverage.md', import.meta.url));
    expect(readFileSync(path, 'utf8')).toBe(coverageDocument());
  });
});
